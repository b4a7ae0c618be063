import Foundation
import GRDB
import MatchCore
import MatchStore

/// Suggests commission rates: the platform's own top-30% market rule, blended with category priors by
/// sample size, with the observed response to rates and the guard-rails of the product's margin.
public struct CommissionService: Sendable {
    let database: MatchDatabase
    let models: ModelCatalog
    /// Evidence kept between requests (the server); nil computes it for each call.
    let cache: EvidenceCache?

    public init(database: MatchDatabase, models: ModelCatalog, cache: EvidenceCache? = nil) {
        self.database = database
        self.models = models
        self.cache = cache
    }

    public func suggest(_ scope: CommissionScope, asOf: Day) throws(MatchError) -> CommissionSuggestion {
        try database.read { db in
            switch scope {
            case .category(let name):
                guard let category = models.taxonomy.category(named: name) else {
                    throw MatchError(.notFound, "unknown category \"\(name)\"; use a platform category name from \(models.taxonomyFile)")
                }
                return try suggest(category: category, product: nil, db: db, asOf: asOf)
            case .product(let id):
                guard let product = try StoreQueries.product(db, id: id) else {
                    throw MatchError(.notFound, "no product with id \"\(id)\"; check the id or import the product first")
                }
                guard let category = models.taxonomy.category(named: product.category) else {
                    throw MatchError(.unmappedCategory, "product \(id) has category \"\(product.category)\", which \(models.taxonomyFile) no longer maps; add it back")
                }
                return try suggest(category: category, product: product, db: db, asOf: asOf)
            }
        }
    }

    /// One suggestion per category that has products, by category name.
    public func report(asOf: Day) throws(MatchError) -> [CommissionSuggestion] {
        try database.read { db in
            let data = try MarketData(db, models: models, asOf: asOf)
            let names = Set(data.products.map(\.category)).sorted()
            return try names.compactMap { name in
                guard let category = models.taxonomy.category(named: name) else { return nil }
                return finish(try evidence(for: category, data: data, db: db, asOf: asOf), category: category, product: nil, asOf: asOf)
            }
        }
    }

    /// Suggestions for many products at once (shortlists): one market computation per category.
    public func suggestions(for products: [Product], db: Database, asOf: Day) throws -> [ProductID: CommissionSuggestion] {
        var result: [ProductID: CommissionSuggestion] = [:]
        try forEachEvidence(products, db: db, asOf: asOf) { product, category, evidence in
            result[product.id] = finish(evidence, category: category, product: product, asOf: asOf)
        }
        return result
    }

    /// The suggested and targeted rates alone for many products (shortlists, rescoring): the same
    /// numbers as `suggestions`, without writing their explanations. `catalog` is every product when
    /// the caller has read them already.
    func suggestedRates(for products: [Product], db: Database, asOf: Day, catalog: [Product]? = nil) throws -> [ProductID: SuggestedRates] {
        var result: [ProductID: SuggestedRates] = [:]
        try forEachEvidence(products, db: db, asOf: asOf, catalog: catalog) { product, _, evidence in
            result[product.id] = rates(evidence, product: product)
        }
        return result
    }

    /// Calls `body` for each product with its category's evidence, computed once per category.
    func forEachEvidence(_ products: [Product], db: Database, asOf: Day, catalog: [Product]? = nil, _ body: (Product, Category, CategoryEvidence) -> Void) throws {
        guard !products.isEmpty else { return }
        var categories: [Category] = []
        for product in products {
            if let category = models.taxonomy.category(named: product.category), !categories.contains(category) { categories.append(category) }
        }
        // One market read for the categories asked: the catalog when the caller has it, else only
        // those categories' products, invitations and sales.
        func compute(_ wanted: [Category]) throws -> [String: CategoryEvidence] {
            let needed = catalog == nil ? Set(wanted.flatMap { members(of: $0) }) : nil
            let data = try MarketData(db, models: models, asOf: asOf, products: catalog, categories: needed)
            var computed: [String: CategoryEvidence] = [:]
            for category in wanted { computed[category.name] = try evidence(for: category, data: data, db: db, asOf: asOf) }
            return computed
        }
        // The server keeps evidence between requests of a few products (many products bring the catalog).
        let byCategory = try cache.flatMap { cache in catalog == nil ? cache : nil }
            .map { try $0.evidence(asOf: asOf, categories: categories, compute: compute) } ?? compute(categories)
        for product in products {
            guard let category = models.taxonomy.category(named: product.category), let found = byCategory[category.name] else { continue }
            body(product, category, found)
        }
    }

    // MARK: evidence

    struct CategoryEvidence {
        var market: CommissionSuggestion.Market
        var marketRate: Double?
        var marketBand: (Double, Double)?
        var topRates: [Int]
        var prior: (range: CommissionModel.Range3, from: String)
        var acceptance: [ResponsePoint]
        var creatorsWithSales: [ResponsePoint]
        var gmvPerProduct: [ResponsePoint]
        /// Monotone fits of acceptance and creators with sales (fitted once per category, used by every product's what-if).
        var acceptanceFit: [ResponsePoint]
        var creatorsFit: [ResponsePoint]
        /// The fits as reported: fitted value and observations per rate bin.
        var curves: (acceptance: [CommissionSuggestion.CurvePoint], creators: [CommissionSuggestion.CurvePoint], gmv: [CommissionSuggestion.CurvePoint])
        var invitations: Int
        var productsWithRate: Int
        var currentMedian: Int?
        var averagePrice: Double
    }

    func suggest(category: Category, product: Product?, db: Database, asOf: Day) throws -> CommissionSuggestion {
        let data = try MarketData(db, models: models, asOf: asOf, categories: members(of: category))
        return finish(try evidence(for: category, data: data, db: db, asOf: asOf), category: category, product: product, asOf: asOf)
    }

    /// Every product and its sales in the window, read once per answer or report.
    struct MarketData {
        let products: [Product]
        let sales: [String: ProductSales]
        /// Answered invitations (not pending) with the rate they offered.
        let invitations: [InvitationRate]

        /// Positions in `products` and `invitations` by the product's category name, ascending (so a
        /// category's products and invitations come in the same order as in the full lists).
        let productsByCategory: [String: [Int]]
        let invitationsByCategory: [String: [Int]]

        /// `categories`: read only the market of these categories (by name) — what the evidence of a
        /// category whose members they include looks at; nil reads every product.
        init(_ db: Database, models: ModelCatalog, asOf: Day, products: [Product]? = nil, categories: Set<String>? = nil) throws {
            let products = try products ?? StoreQueries.products(db, categories: categories)
            self.products = products
            invitations = try StoreQueries.invitationRates(db, categories: categories).filter { $0.status != "pending" }
            sales = try StoreQueries.productSales(db, from: asOf.advanced(by: -models.commission.performance_window_days + 1), through: asOf, categories: categories)
            var byCategory: [String: [Int]] = [:]
            var categoryOf: [String: String] = [:]
            for (i, product) in products.enumerated() {
                byCategory[product.category, default: []].append(i)
                categoryOf[product.id.rawValue] = product.category
            }
            productsByCategory = byCategory
            var invitationsByCategory: [String: [Int]] = [:]
            for (i, invitation) in invitations.enumerated() {
                guard let category = categoryOf[invitation.productID] else { continue }
                invitationsByCategory[category, default: []].append(i)
            }
            self.invitationsByCategory = invitationsByCategory
        }

        /// The products, and the invitations to them, in any of `categories`, in list order.
        func members(_ categories: Set<String>) -> (products: [Product], invitations: [InvitationRate]) {
            (categories.flatMap { productsByCategory[$0] ?? [] }.sorted().map { products[$0] },
             categories.flatMap { invitationsByCategory[$0] ?? [] }.sorted().map { invitations[$0] })
        }
    }

    /// The categories whose products count for `category`: itself, its children, or a whole group.
    func members(of category: Category) -> Set<String> {
        if CategoryGroup(rawValue: category.name) != nil {
            return Set(models.taxonomy.categories.filter { $0.group == category.group }.map(\.name))
        }
        return Set([category.name] + models.taxonomy.categories.filter { $0.parent == category.name }.map(\.name))
    }

    func evidence(for category: Category, data: MarketData, db: Database, asOf: Day) throws -> CategoryEvidence {
        let model = models.commission
        let (products, invitations) = data.members(members(of: category))
        let window = model.performance_window_days
        let sales = data.sales
        let rated = products.filter { $0.commissionRate != nil }
        let performance = rated.map { ProductPerformance(productID: $0.id, rate: $0.commissionRate!, gmv: sales[$0.id.rawValue]?.gmv ?? 0) }
        let top = CommissionMath.topPerformers(performance, share: model.top_share)
        let topRates = top.map(\.rate).sorted()
        var rates: [String: Double]?
        var marketRate: Double?
        var marketBand: (Double, Double)?
        if !topRates.isEmpty {
            rates = [
                "min": Double(topRates.first!), "p25": CommissionMath.percentile(topRates, 0.25),
                "median": CommissionMath.percentile(topRates, 0.5), "p75": CommissionMath.percentile(topRates, 0.75),
                "max": Double(topRates.last!),
            ]
            marketRate = CommissionMath.percentile(topRates, model.market_percentile)
            marketBand = (CommissionMath.percentile(topRates, model.band_percentiles[0]), CommissionMath.percentile(topRates, model.band_percentiles[1]))
        }
        let withSales = performance.filter { $0.gmv > 0 }.count
        let note = topRates.isEmpty
            ? "no product in \(category.name) with a commission rate sold in the last \(window) days; the suggestion is the category prior"
            : "top \(Int(model.top_share * 100))% of the \(withSales) products that sold in the last \(window) days (\(top.count) products), pooled across shops"

        // Response: acceptance by offered rate; creators with sales and GMV per product by the product's rate.
        let bin = max(1, model.response.bin_width)
        func binned(_ rate: Int) -> Int { rate / bin * bin }
        let acceptance = invitations.map { ResponsePoint(rate: binned($0.rate), value: $0.status == "accepted" ? 1 : 0, weight: 1) }
        let creatorsWithSales = rated.map { ResponsePoint(rate: binned($0.commissionRate!), value: Double(sales[$0.id.rawValue]?.creatorsWithSales ?? 0), weight: 1) }
        let gmv = rated.map { ResponsePoint(rate: binned($0.commissionRate!), value: sales[$0.id.rawValue]?.gmv ?? 0, weight: 1) }
        let currentRates = rated.map { $0.commissionRate! }.sorted()
        let acceptanceFit = CommissionMath.monotoneFit(acceptance)
        let creatorsFit = CommissionMath.monotoneFit(creatorsWithSales)
        let gmvFit = CommissionMath.monotoneFit(gmv)
        return CategoryEvidence(
            market: .init(
                window_days: window, products: products.count, products_with_sales: withSales, top_share: model.top_share,
                top_performers: top.count, rates: rates, market_rate: marketRate.map { CommissionMath.clamp($0) },
                suggestion_percentile: nil, note: note),
            marketRate: marketRate, marketBand: marketBand, topRates: topRates,
            prior: model.prior(for: category, taxonomy: models.taxonomy),
            acceptance: acceptance, creatorsWithSales: creatorsWithSales, gmvPerProduct: gmv,
            acceptanceFit: acceptanceFit, creatorsFit: creatorsFit,
            curves: (Self.curve(acceptanceFit, acceptance), Self.curve(creatorsFit, creatorsWithSales), Self.curve(gmvFit, gmv)),
            invitations: invitations.count, productsWithRate: rated.count,
            currentMedian: currentRates.isEmpty ? nil : Int(CommissionMath.percentile(currentRates, 0.5).rounded()),
            averagePrice: products.isEmpty ? 0 : products.map(\.price).reduce(0, +) / Double(products.count))
    }

    /// A fit as reported: the fitted value and how many observations each rate bin has.
    static func curve(_ fit: [ResponsePoint], _ raw: [ResponsePoint]) -> [CommissionSuggestion.CurvePoint] {
        var counts: [Int: Double] = [:]
        for point in raw { counts[point.rate, default: 0] += point.weight }
        return fit.map { .init(rate: $0.rate, fitted: ($0.value * 10_000).rounded() / 10_000, observations: counts[$0.rate] ?? 0) }
    }

    // MARK: the answer

    /// The rates of a suggestion: the market rule blended with the prior, clamped and rounded, capped by
    /// the margin, and the targeted rate on top. `finish` explains them; shortlists need only these.
    struct SuggestedRates: Sendable, Equatable {
        var suggested: Int
        var low: Int
        var high: Int
        var premium: Int
        var target: Int
        var weight: Double
        /// What the margin leaves after the platform fee (nil without a margin), and whether it lowered the suggestion.
        var cap: Int?
        var capped: Bool
        /// The margin cut the targeted premium.
        var premiumLimited: Bool
    }

    func rates(_ evidence: CategoryEvidence, product: Product?) -> SuggestedRates {
        let model = models.commission
        let prior = evidence.prior.range
        let weight = CommissionMath.marketWeight(samples: evidence.topRates.count, strength: model.prior_strength)
        func blend(_ market: Double?, _ prior: Int) -> Double {
            guard let market else { return Double(prior) }
            return weight * market + (1 - weight) * Double(prior)
        }
        let step = max(1, model.round_to)
        var suggested = CommissionMath.clamp(blend(evidence.marketRate, prior.typical), step: step)
        var low = CommissionMath.clamp(blend(evidence.marketBand?.0, prior.low), step: step)
        var high = CommissionMath.clamp(blend(evidence.marketBand?.1, prior.high), step: step)
        // Guard-rails: the margin after the platform fee caps every rate.
        let cap = CommissionMath.marginCap(marginRate: product?.marginRate, platformFee: model.platform_fee_rate)
        var capped = false
        if let cap {
            let limit = max(CommissionRate.validRange.lowerBound, cap)
            if suggested > limit { suggested = limit; capped = true }
            low = min(low, limit)
            high = min(high, limit)
        }
        var premium = model.target_premium.typical
        var target = min(CommissionRate.validRange.upperBound, suggested + premium)
        var premiumLimited = false
        if let cap, target > max(CommissionRate.validRange.lowerBound, cap) {
            target = max(suggested, max(CommissionRate.validRange.lowerBound, cap))
            premium = target - suggested
            premiumLimited = true
        }
        return SuggestedRates(suggested: suggested, low: low, high: high, premium: premium, target: target, weight: weight, cap: cap, capped: capped, premiumLimited: premiumLimited)
    }

    func finish(_ evidence: CategoryEvidence, category: Category, product: Product?, asOf: Day) -> CommissionSuggestion {
        let model = models.commission
        let prior = evidence.prior.range
        let rates = rates(evidence, product: product)
        let (suggested, low, high, premium, target, weight, cap, capped) = (rates.suggested, rates.low, rates.high, rates.premium, rates.target, rates.weight, rates.cap, rates.capped)
        var warnings: [String] = []
        var explanation: [String] = []
        if let cap, cap < CommissionRate.validRange.lowerBound {
            warnings.append("the margin of \(CommissionRate.formatPercent(product!.marginRate!)) leaves \(CommissionRate.formatPercent(cap)) after the \(CommissionRate.formatPercent(model.platform_fee_rate)) platform fee, below the 1% minimum commission: this product cannot pay a commission without a loss")
        }
        if rates.premiumLimited {
            warnings.append("the margin leaves room for only \(CommissionRate.formatPercent(premium)) of targeted premium")
        }
        if target < model.target_minimum_rate {
            warnings.append("the targeted rate \(CommissionRate.formatPercent(target)) is below \(CommissionRate.formatPercent(model.target_minimum_rate)), the minimum some API versions require for target collaborations")
        }

        var market = evidence.market
        if !evidence.topRates.isEmpty {
            market = .init(
                window_days: market.window_days, products: market.products, products_with_sales: market.products_with_sales,
                top_share: market.top_share, top_performers: market.top_performers, rates: market.rates, market_rate: market.market_rate,
                suggestion_percentile: CommissionMath.rank(of: suggested, in: evidence.topRates), note: market.note)
            explanation.append("Top performers in \(category.name) (\(evidence.topRates.count) product\(evidence.topRates.count == 1 ? "" : "s")) pay a median of \(CommissionRate.formatPercent(market.market_rate!)); the suggestion sits at their \(Int((market.suggestion_percentile! * 100).rounded()))th percentile.")
        } else {
            explanation.append("No sales data for \(category.name) in the last \(model.performance_window_days) days: the suggestion is the category norm for \(evidence.prior.from).")
        }
        explanation.append("Category norm (\(evidence.prior.from)): \(CommissionRate.formatPercent(prior.low))–\(CommissionRate.formatPercent(prior.high)), typically \(CommissionRate.formatPercent(prior.typical)); market weight \(String(format: "%.2f", weight)) from \(evidence.topRates.count) top performers.")

        // Response curves and the what-if.
        let acceptanceFit = evidence.acceptanceFit
        let creatorsFit = evidence.creatorsFit
        let enoughInvitations = evidence.invitations >= model.response.min_invitations
        let enoughProducts = evidence.productsWithRate >= model.response.min_products
        let fitted = enoughInvitations || enoughProducts
        var thin: [String] = []
        if !enoughInvitations { thin.append("\(evidence.invitations) answered invitations (need \(model.response.min_invitations))") }
        if !enoughProducts { thin.append("\(evidence.productsWithRate) products with a rate (need \(model.response.min_products))") }
        let responseNote = thin.isEmpty ? "monotone fits (pool-adjacent-violators) of the history in \(category.name)" : "too thin to fit " + thin.joined(separator: " and ")
        let from = product?.commissionRate ?? evidence.currentMedian
        var whatIf: CommissionSuggestion.WhatIf?
        if let from, from != suggested {
            let acceptanceChange = enoughInvitations ? (CommissionMath.evaluate(acceptanceFit, at: suggested)! - CommissionMath.evaluate(acceptanceFit, at: from)!) * 100 : nil
            let creatorsChange = enoughProducts ? CommissionMath.evaluate(creatorsFit, at: suggested)! - CommissionMath.evaluate(creatorsFit, at: from)! : nil
            let price = product?.price ?? evidence.averagePrice
            let perSale = Double(suggested - from) / 10_000 * price
            var text = "from \(CommissionRate.formatPercent(from)) to \(CommissionRate.formatPercent(suggested)): "
            var parts: [String] = []
            if let acceptanceChange { parts.append(String(format: "about %+.1f accepting creators per 100 invited", acceptanceChange)) }
            if let creatorsChange { parts.append(String(format: "%+.1f creators with sales per product", creatorsChange)) }
            if parts.isEmpty { parts.append("too little history to say how uptake changes") }
            parts.append(String(format: "%@%.2f commission per sale", perSale >= 0 ? "+" : "-", abs(perSale)) + (perSale >= 0 ? " (less margin)" : " (more margin)"))
            text += parts.joined(separator: ", ")
            if suggested < from {
                text += "; a cut applies to targeted invitations after \(models.platform.rate_cut_delay_days.target_collaboration) day and to creators already promoting after \(models.platform.rate_cut_delay_days.open_collaboration_existing_promoters) days"
            }
            whatIf = .init(from_rate: from, to_rate: suggested, accepting_per_100_invited_change: acceptanceChange,
                           creators_with_sales_per_product_change: creatorsChange, commission_per_sale_change: perSale, text: text)
            explanation.append("What-if " + text + ".")
        }
        if capped { explanation.append("Capped by the margin: \(CommissionRate.formatPercent(cap!)) is what \(CommissionRate.formatPercent(product!.marginRate!)) margin leaves after the platform fee.") }
        explanation.append(contentsOf: warnings.map { "Warning: \($0)." })

        return CommissionSuggestion(
            scope: product == nil ? "category" : "product", category: category.name, product_id: product?.id.rawValue,
            as_of: asOf.description, suggested_rate: suggested, band: .init(low: min(low, suggested), high: max(high, suggested)),
            target_premium: premium, target_rate: target, current_rate: product?.commissionRate, market_weight: (weight * 1000).rounded() / 1000,
            market: market,
            prior: .init(low: prior.low, typical: prior.typical, high: prior.high, from: evidence.prior.from, source: model.priors.source),
            response: .init(fitted: fitted, note: responseNote, acceptance: evidence.curves.acceptance,
                            creators_with_sales: evidence.curves.creators, gmv_per_product: evidence.curves.gmv, what_if: whatIf),
            guard_rails: .init(min_rate: CommissionRate.validRange.lowerBound, max_rate: CommissionRate.validRange.upperBound,
                               margin_rate: product?.marginRate, platform_fee_rate: model.platform_fee_rate, margin_cap: cap,
                               capped_by_margin: capped, warnings: warnings),
            explanation: explanation)
    }
}
