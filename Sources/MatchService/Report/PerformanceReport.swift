import Foundation
import GRDB
import MatchCore
import MatchStore

/// What happened over a period, and what to do about it.
public struct PerformanceReport: Codable, Sendable {
    public struct Summary: Codable, Sendable {
        public let products: Int
        public let products_promoted: Int
        public let invitations_sent: Int
        public let invitations_answered: Int
        public let invitations_accepted: Int
        /// Accepted ÷ answered (accepted, declined or expired); nil when none was answered.
        public let acceptance_rate: Double?
        public let creators_with_sales: Int
        public let orders: Int
        public let gmv: Double
    }
    public struct ProductLine: Codable, Sendable {
        public let product_id: String
        public let title: String?
        public let category: String
        public let commission_rate: Int?
        public let invitations_sent: Int
        public let invitations_accepted: Int
        public let acceptance_rate: Double?
        public let creators_with_sales: Int
        public let orders: Int
        public let gmv: Double
        public let promoted: Bool
    }
    public struct CreatorLine: Codable, Sendable {
        public let creator_id: String
        public let username: String?
        public let tier: String?
        public let followers: Int?
        public let invitations: Int
        public let accepted: Int
        public let products_sold: Int
        public let orders: Int
        public let gmv: Double
        /// GMV ÷ invitations sent to them in the period (nil when none).
        public let gmv_per_invitation: Double?
    }
    public struct CategoryAcceptance: Codable, Sendable {
        public let category: String
        public let sent: Int
        public let answered: Int
        public let accepted: Int
        public let acceptance_rate: Double?
    }
    public struct RateBin: Codable, Sendable {
        public let rate: Int
        public let products: Int
        public let answered: Int
        public let accepted: Int
        public let acceptance_rate: Double?
        public let gmv: Double
        public let gmv_per_product: Double
    }
    public struct CategoryRates: Codable, Sendable {
        public let category: String
        /// The commission suggestion for the category, for reference.
        public let suggested_rate: Int?
        public let bins: [RateBin]
    }
    public struct TierLine: Codable, Sendable {
        public let tier: String
        public let creators: Int
        public let gmv: Double
    }
    public struct RunHealth: Codable, Sendable {
        public let run_id: Int64
        public let as_of: String
        public let products: Int
        public let mean_score: Double?
        public let distinct_creators: Int
        /// Share of (product, creator) pairs not in the previous run's shortlists; nil for the first.
        public let new_share: Double?
    }
    public struct Action: Codable, Sendable {
        /// raise_rate, lower_rate, remove_product, reinvite_creator, stop_inviting.
        public let kind: String
        public let target: String
        public let title: String
        public let evidence: [String]
    }
    public let from: String
    public let to: String
    public let shop: String?
    public let summary: Summary
    public let actions: [Action]
    public let products: [ProductLine]
    public let creators_by_gmv: [CreatorLine]
    public let creators_by_gmv_per_invitation: [CreatorLine]
    public let acceptance_by_category: [CategoryAcceptance]
    public let rate_vs_outcome: [CategoryRates]
    public let gmv_by_tier: [TierLine]
    public let shortlist_health: [RunHealth]
}

/// Builds the performance report: products promoted or not, creators by GMV and GMV per invitation,
/// acceptance, commission rate against outcome per category, GMV by tier, shortlist health over the
/// published runs, and the actions that follow (Models/report.json has the thresholds).
public struct PerformanceReportService: Sendable {
    let database: MatchDatabase
    let models: ModelCatalog

    public init(database: MatchDatabase, models: ModelCatalog) {
        self.database = database
        self.models = models
    }

    public func report(from start: Day, to end: Day, shop: ShopID? = nil) throws(MatchError) -> PerformanceReport {
        guard start <= end else {
            throw MatchError(.invalidInput, "the period starts (\(start)) after it ends (\(end)); swap --from and --to")
        }
        return try database.read { db in
            if let shop, try StoreQueries.shop(db, id: shop) == nil {
                throw MatchError(.notFound, "no shop with id \"\(shop)\"; check the id or import the shop first")
            }
            let products = try StoreQueries.products(db, shop: shop)
            let productIDs = Set(products.map(\.id.rawValue))
            let invitations = try ActivityQueries.invitations(db, from: start, through: end).filter { productIDs.contains($0.productID) }
            let sales = try ActivityQueries.sales(db, from: start, through: end).filter { productIDs.contains($0.productID) }
            let samples = try ActivityQueries.sampleRequests(db).filter { productIDs.contains($0.productID.rawValue) && $0.requestedDay >= start && $0.requestedDay <= end }
            let suggestions = try CommissionService(database: database, models: models).suggestions(for: products, db: db, asOf: end)
            let creatorIDs = Set(invitations.map(\.creatorID)).union(sales.map(\.creatorID))
            let profiles = try ActivityQueries.creatorProfiles(db, ids: creatorIDs)
            let health = try shortlistHealth(db, products: productIDs)
            return build(
                start: start, end: end, shop: shop, products: products, invitations: invitations, sales: sales, samples: samples,
                suggestions: suggestions, profiles: profiles, health: health)
        }
    }

    static func rate(_ accepted: Int, _ answered: Int) -> Double? {
        answered > 0 ? SampleService.round(Double(accepted) / Double(answered), 4) : nil
    }

    func build(
        start: Day, end: Day, shop: ShopID?, products: [Product], invitations: [InvitationRow], sales: [SaleRow], samples: [SampleRequest],
        suggestions: [ProductID: CommissionSuggestion], profiles: [String: CreatorProfileRow], health: [PerformanceReport.RunHealth]
    ) -> PerformanceReport {
        let settings = models.report
        let byProduct = Dictionary(grouping: invitations, by: \.productID)
        let salesByProduct = Dictionary(grouping: sales, by: \.productID)
        let productByID = Dictionary(uniqueKeysWithValues: products.map { ($0.id.rawValue, $0) })
        func answered(_ rows: [InvitationRow]) -> Int { rows.filter { $0.status != .pending }.count }
        func accepted(_ rows: [InvitationRow]) -> Int { rows.filter { $0.status == .accepted }.count }

        // Products.
        let productLines = products.map { product -> PerformanceReport.ProductLine in
            let inv = byProduct[product.id.rawValue] ?? []
            let sold = salesByProduct[product.id.rawValue] ?? []
            return .init(
                product_id: product.id.rawValue, title: product.title, category: product.category, commission_rate: product.commissionRate,
                invitations_sent: inv.count, invitations_accepted: accepted(inv), acceptance_rate: Self.rate(accepted(inv), answered(inv)),
                creators_with_sales: Set(sold.map(\.creatorID)).count, orders: sold.reduce(0) { $0 + $1.orders },
                gmv: SampleService.round(sold.reduce(0) { $0 + $1.gmv }, 2), promoted: !sold.isEmpty)
        }.sorted { ($0.gmv, $1.product_id) > ($1.gmv, $0.product_id) }

        // Creators.
        let invitationsByCreator = Dictionary(grouping: invitations, by: \.creatorID)
        let salesByCreator = Dictionary(grouping: sales, by: \.creatorID)
        let creatorLines = Set(invitationsByCreator.keys).union(salesByCreator.keys).map { id -> PerformanceReport.CreatorLine in
            let inv = invitationsByCreator[id] ?? []
            let sold = salesByCreator[id] ?? []
            let gmv = sold.reduce(0) { $0 + $1.gmv }
            let profile = profiles[id]
            return .init(
                creator_id: id, username: profile?.username, tier: profile.flatMap { models.platform.tier(followers: $0.followers)?.name },
                followers: profile?.followers, invitations: inv.count, accepted: accepted(inv), products_sold: Set(sold.map(\.productID)).count,
                orders: sold.reduce(0) { $0 + $1.orders }, gmv: SampleService.round(gmv, 2),
                gmv_per_invitation: inv.isEmpty ? nil : SampleService.round(gmv / Double(inv.count), 2))
        }
        let byGMV = creatorLines.filter { $0.gmv > 0 }.sorted { ($0.gmv, $1.creator_id) > ($1.gmv, $0.creator_id) }
        let byGMVPerInvitation = creatorLines.filter { $0.gmv_per_invitation != nil && $0.gmv > 0 }
            .sorted { ($0.gmv_per_invitation!, $1.creator_id) > ($1.gmv_per_invitation!, $0.creator_id) }

        // Acceptance and rate against outcome, per category.
        let categories = Dictionary(grouping: products, by: \.category)
        var acceptance: [PerformanceReport.CategoryAcceptance] = []
        var rates: [PerformanceReport.CategoryRates] = []
        let bin = max(1, models.commission.response.bin_width)
        for category in categories.keys.sorted() {
            let members = categories[category]!
            let inv = members.flatMap { byProduct[$0.id.rawValue] ?? [] }
            acceptance.append(.init(category: category, sent: inv.count, answered: answered(inv), accepted: accepted(inv), acceptance_rate: Self.rate(accepted(inv), answered(inv))))
            let rated = members.filter { $0.commissionRate != nil }
            let bins = Dictionary(grouping: rated) { $0.commissionRate! / bin * bin }
            rates.append(.init(
                category: category, suggested_rate: members.lazy.compactMap { suggestions[$0.id]?.suggested_rate }.first,
                bins: bins.keys.sorted().map { rate in
                    let group = bins[rate]!
                    let groupInvitations = group.flatMap { byProduct[$0.id.rawValue] ?? [] }
                    let gmv = group.flatMap { salesByProduct[$0.id.rawValue] ?? [] }.reduce(0) { $0 + $1.gmv }
                    return .init(rate: rate, products: group.count, answered: answered(groupInvitations), accepted: accepted(groupInvitations),
                                 acceptance_rate: Self.rate(accepted(groupInvitations), answered(groupInvitations)),
                                 gmv: SampleService.round(gmv, 2), gmv_per_product: SampleService.round(gmv / Double(group.count), 2))
                }))
        }

        // GMV by tier.
        var tiers: [String: (Set<String>, Double)] = [:]
        for sale in sales {
            let tier = profiles[sale.creatorID].flatMap { models.platform.tier(followers: $0.followers)?.name } ?? "below \(models.platform.follower_tiers.first?.name ?? "nano")"
            tiers[tier, default: ([], 0)].0.insert(sale.creatorID)
            tiers[tier, default: ([], 0)].1 += sale.gmv
        }
        let tierOrder = models.platform.follower_tiers.sorted { $0.min_followers < $1.min_followers }.map(\.name)
        let tierLines = tiers.keys.sorted { (tierOrder.firstIndex(of: $0) ?? -1, $0) < (tierOrder.firstIndex(of: $1) ?? -1, $1) }.map {
            PerformanceReport.TierLine(tier: $0, creators: tiers[$0]!.0.count, gmv: SampleService.round(tiers[$0]!.1, 2))
        }

        // Actions.
        var actions: [PerformanceReport.Action] = []
        let lineByProduct = Dictionary(uniqueKeysWithValues: productLines.map { ($0.product_id, $0) })
        let acceptanceByCategory = Dictionary(uniqueKeysWithValues: acceptance.map { ($0.category, $0.acceptance_rate) })
        // Rate and removal actions are for products on sale (live or out of stock), not frozen or delisted ones.
        let onSale = Set(products.filter { $0.status == .live || $0.status == .outOfStock }.map(\.id.rawValue))
        for product in products where onSale.contains(product.id.rawValue) {
            guard let rate = product.commissionRate, let suggestion = suggestions[product.id] else { continue }
            let inv = byProduct[product.id.rawValue] ?? []
            let line = lineByProduct[product.id.rawValue]!
            var evidence = [
                "current rate \(CommissionRate.formatPercent(rate)); suggested \(CommissionRate.formatPercent(suggestion.suggested_rate)), band \(CommissionRate.formatPercent(suggestion.band.low))–\(CommissionRate.formatPercent(suggestion.band.high))",
                "in the period: \(inv.count) invitations, \(accepted(inv)) accepted, \(line.creators_with_sales) creators with sales, GMV \(SampleService.money(line.gmv))",
            ]
            evidence += suggestion.explanation.prefix(2)
            if let whatIf = suggestion.response.what_if { evidence.append("what-if: " + whatIf.text) }
            // Raise only where the product is not doing well: no creator sold it, or fewer invitations
            // were accepted than in its category.
            let categoryRate = acceptanceByCategory[product.category] ?? nil
            let struggling = line.creators_with_sales == 0 || (line.acceptance_rate != nil && categoryRate != nil && line.acceptance_rate! < categoryRate!)
            if rate < suggestion.band.low, struggling {
                actions.append(.init(kind: "raise_rate", target: product.id.rawValue,
                                     title: "Raise the commission of \(product.id) from \(CommissionRate.formatPercent(rate)) to \(CommissionRate.formatPercent(suggestion.suggested_rate))", evidence: evidence))
            } else if rate > suggestion.band.high {
                actions.append(.init(kind: "lower_rate", target: product.id.rawValue,
                                     title: "Lower the commission of \(product.id) from \(CommissionRate.formatPercent(rate)) to \(CommissionRate.formatPercent(suggestion.suggested_rate)): it pays above what top performers in \(product.category) pay", evidence: evidence))
            }
        }
        for line in productLines where !line.promoted && onSale.contains(line.product_id) {
            let inv = byProduct[line.product_id] ?? []
            let closed = answered(inv)
            guard closed >= settings.remove_after_invitations, accepted(inv) == 0 else { continue }
            actions.append(.init(kind: "remove_product", target: line.product_id,
                                 title: "Remove or rework \(line.product_id): it draws no creators",
                                 evidence: ["\(closed) invitations answered or expired in the period, none accepted", "no sales in the period"]))
        }
        for creator in byGMV.prefix(settings.top_creators) where creator.gmv >= settings.reinvite_min_gmv {
            let soldProducts = Set((salesByCreator[creator.creator_id] ?? []).map(\.productID))
            let invited = Set((invitationsByCreator[creator.creator_id] ?? []).map(\.productID)).union(soldProducts)
            let soldCategories = Set(soldProducts.compactMap { productByID[$0]?.category })
            let others = products.filter { soldCategories.contains($0.category) && !invited.contains($0.id.rawValue) && $0.status == .live }
                .map(\.id.rawValue).sorted().prefix(5)
            guard !others.isEmpty else { continue }
            actions.append(.init(kind: "reinvite_creator", target: creator.creator_id,
                                 title: "Re-invite \(creator.username.map { "@" + $0 } ?? creator.creator_id) to \(others.joined(separator: ", "))",
                                 evidence: ["sold \(SampleService.money(creator.gmv)) (\(creator.orders) orders) of \(soldProducts.sorted().joined(separator: ", ")) in the period",
                                            "those products are in \(soldCategories.sorted().joined(separator: ", "))"]))
        }
        let unposted = Dictionary(grouping: samples.filter { $0.status == .not_posted }, by: \.creatorID.rawValue)
        for (id, inv) in invitationsByCreator {
            let acceptedProducts = Set(inv.filter { $0.status == .accepted }.map(\.productID))
            let soldThose = (salesByCreator[id] ?? []).contains { acceptedProducts.contains($0.productID) }
            let samplesNotPosted = unposted[id]?.count ?? 0
            guard acceptedProducts.count >= settings.stop_after_accepted, !soldThose else { continue }
            var evidence = ["accepted \(acceptedProducts.count) invitations in the period (\(acceptedProducts.sorted().joined(separator: ", "))) and sold none of those products"]
            if samplesNotPosted > 0 { evidence.append("did not post for \(samplesNotPosted) free sample\(samplesNotPosted == 1 ? "" : "s")") }
            actions.append(.init(kind: "stop_inviting", target: id,
                                 title: "Stop inviting \(profiles[id]?.username.map { "@" + $0 } ?? id): accepts but never posts", evidence: evidence))
        }
        let kindOrder = ["raise_rate", "lower_rate", "remove_product", "reinvite_creator", "stop_inviting"]
        actions.sort { (kindOrder.firstIndex(of: $0.kind)!, $0.target) < (kindOrder.firstIndex(of: $1.kind)!, $1.target) }

        let answeredCount = answered(invitations)
        let acceptedCount = accepted(invitations)
        return PerformanceReport(
            from: start.description, to: end.description, shop: shop?.rawValue,
            summary: .init(
                products: products.count, products_promoted: productLines.filter(\.promoted).count, invitations_sent: invitations.count,
                invitations_answered: answeredCount, invitations_accepted: acceptedCount, acceptance_rate: Self.rate(acceptedCount, answeredCount),
                creators_with_sales: Set(sales.map(\.creatorID)).count, orders: sales.reduce(0) { $0 + $1.orders },
                gmv: SampleService.round(sales.reduce(0) { $0 + $1.gmv }, 2)),
            actions: actions, products: productLines,
            creators_by_gmv: Array(byGMV.prefix(settings.top_creators)),
            creators_by_gmv_per_invitation: Array(byGMVPerInvitation.prefix(settings.top_creators)),
            acceptance_by_category: acceptance, rate_vs_outcome: rates, gmv_by_tier: tierLines, shortlist_health: health)
    }

    /// Per recent published run: products, mean published score, distinct creators, and the share of
    /// (product, creator) pairs new against the run before — restricted to `products`. Consecutive runs
    /// share most lists, so each distinct list is decoded and summarized once, and a product whose list
    /// is the previous run's has nothing new.
    func shortlistHealth(_ db: Database, products: Set<String>) throws -> [PerformanceReport.RunHealth] {
        struct Summary {
            var scoreSum = 0.0
            var creators: [UInt64] = []
        }
        func hash(_ id: String) -> UInt64 {
            var h = FNV1a64()
            h.combine(id)
            return h.state
        }
        let runs = try RunStore.runs(db).filter { $0.status == "published" }.prefix(models.report.health_runs).reversed()
        var out: [PerformanceReport.RunHealth] = []
        var summaries: [Int64: Summary] = [:]
        var previous: [String: Int64]?
        for run in runs {
            for (_, list) in try RunStore.lists(db, run: run.id, except: Set(summaries.keys)) {
                summaries[list.id] = Summary(scoreSum: list.creators.reduce(0) { $0 + Double($1.score) }, creators: list.creators.map { hash($0.creatorID) })
            }
            var listOf: [String: Int64] = [:]
            for row in try RunStore.products(db, run: run.id) where products.contains(row.productID) {
                if let id = row.listID, summaries[id] != nil { listOf[row.productID] = id }
            }
            var distinct = Set<UInt64>()
            var total = 0.0
            var count = 0
            var fresh = 0
            for (product, id) in listOf {
                let summary = summaries[id]!
                distinct.formUnion(summary.creators)
                total += summary.scoreSum
                count += summary.creators.count
                if let previous {
                    if let old = previous[product] {
                        if old != id {
                            let before = Set(summaries[old]?.creators ?? [])
                            fresh += summary.creators.filter { !before.contains($0) }.count
                        }
                    } else {
                        fresh += summary.creators.count
                    }
                }
            }
            let newShare = previous.map { _ in count == 0 ? 0 : SampleService.round(Double(fresh) / Double(count), 4) }
            out.append(.init(run_id: run.id, as_of: run.as_of, products: listOf.count, mean_score: count > 0 ? SampleService.round(total / Double(count), 4) : nil,
                             distinct_creators: distinct.count, new_share: newShare))
            previous = listOf
        }
        return out
    }
}
