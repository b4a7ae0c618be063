import Foundation
import GRDB
import MatchCore
import MatchKernels
import MatchStore

/// The recommendation for one pending sample request, with the numbers behind it.
public struct SampleDecision: Codable, Sendable, Equatable {
    public let request_id: String
    public let creator_id: String
    public let product_id: String
    public let requested_at: String
    /// `approve` or `reject`.
    public let recommendation: String
    /// Expected GMV ÷ sample cost: the order to work through requests in.
    public let gmv_per_cost: Double
    /// Profile fit (cosine of the creator's and product's vectors), nil without vectors.
    public let fit: Double?
    /// The creator's share of GMV in the product's category (related categories count half).
    public let category_share: Double
    /// Estimated chance the creator posts content for the sample.
    public let fulfillment: Double
    public let expected_gmv: Double
    public let sample_cost: Double
    /// Why, in the platform's terms: the failed checks first when rejecting.
    public let reasons: [String]
}

public struct SampleTriageReport: Codable, Sendable {
    public let as_of: String
    public let pending: Int
    public let approve: Int
    public let reject: Int
    public let decisions: [SampleDecision]
}

/// An auto-approval rule and what it would have done with the past requests. Its fulfilment
/// threshold applies to the platform's fulfilment rate shown with the request.
public struct SamplePolicy: Codable, Sendable, Equatable {
    public struct Rule: Codable, Sendable, Equatable {
        public let min_followers: Int
        public let min_gmv_30d: Double
        public let min_fulfillment: Double
        public let require_category_match: Bool
    }
    public struct Outcome: Codable, Sendable, Equatable {
        /// Past requests (any status but pending and cancelled) the rule approves.
        public let approved: Int
        /// Of those, how many got a sample, and how many of these posted.
        public let samples_sent: Int
        public let posted: Int
        /// What those creators went on to sell of the product within the sales window.
        public let gmv: Double
        public let sample_cost: Double
        /// GMV ÷ sample cost over the approved requests that got a sample.
        public let gmv_per_cost: Double?
    }
    /// `category` or `product`.
    public let scope: String
    public let name: String
    public let past_requests: Int
    public let rule: Rule
    public let with_rule: Outcome
    /// Approving every past request, for comparison.
    public let approve_all: Outcome
    /// Who the rule turns away among the past requests that got a sample, and what they sold.
    public let turned_away_gmv: Double
    public let note: String
}

public struct SamplePolicyReport: Codable, Sendable {
    public let as_of: String
    public let sales_window_days: Int
    public let policies: [SamplePolicy]
    /// Scopes with too few past requests for a rule.
    public let too_few_requests: [String]
}

/// Free samples: triage pending requests, and propose auto-approval rules from the past ones.
public struct SampleService: Sendable {
    let database: MatchDatabase
    let models: ModelCatalog

    public init(database: MatchDatabase, models: ModelCatalog) {
        self.database = database
        self.models = models
    }

    /// What the triage knows about one request's creator and product.
    struct Facts {
        var request: SampleRequest
        var product: Product
        var categoryShare: Double
        var fit: Double?
        var fulfillment: Double
        var fulfillmentBasis: String
        var gmvPerPost: Double
        var expectedGMV: Double
        var sampleCost: Double
    }

    // MARK: triage

    public func triage(asOf: Day, product: ProductID? = nil) throws(MatchError) -> SampleTriageReport {
        try database.read { db in
            var pending = try ActivityQueries.sampleRequests(db, status: .pending)
            if let product { pending = pending.filter { $0.productID == product } }
            let facts = try self.facts(db, pending)
            let decisions = facts.map(decide).sorted {
                ($0.recommendation == "approve" ? 0 : 1, -$0.gmv_per_cost, $0.request_id) < ($1.recommendation == "approve" ? 0 : 1, -$1.gmv_per_cost, $1.request_id)
            }
            let approve = decisions.filter { $0.recommendation == "approve" }.count
            return SampleTriageReport(as_of: asOf.description, pending: decisions.count, approve: approve, reject: decisions.count - approve, decisions: decisions)
        }
    }

    func facts(_ db: Database, _ requests: [SampleRequest]) throws -> [Facts] {
        let model = models.samples
        let ranking = BlendedRanking(model: models.ranking, taxonomy: models.taxonomy)
        let categoryIndex = Dictionary(uniqueKeysWithValues: models.taxonomy.categories.enumerated().map { ($0.element.name, Int32($0.offset)) })
        let profiles = try ActivityQueries.creatorProfiles(db, ids: requests.map(\.creatorID.rawValue))
        let history = try ActivityQueries.sampleHistory(db)
        var products: [ProductID: Product] = [:]
        for id in Set(requests.map(\.productID)) { products[id] = try StoreQueries.product(db, id: id) }
        let productVectors = try VectorQueries.productVectors(db, model: ShortlistService.vectorModel, ids: Array(products.keys))
        var creatorVectors: [CreatorID: [Float]] = [:]
        for id in Set(requests.map(\.creatorID)) {
            creatorVectors[id] = try VectorQueries.creatorVector(db, model: ShortlistService.vectorModel, id: id)
        }
        return requests.compactMap { request in
            guard let product = products[request.productID] else { return nil }
            let profile = profiles[request.creatorID.rawValue]
            let categories = profile.map { CandidatePool.parseCategories($0.categoriesJSON, categoryIndex: categoryIndex) } ?? []
            let signals = CreatorSignals(gmv: 0, gmvEstimated: true, gpm: nil, postRate: nil, avgCommissionRate: nil, categories: categories)
            let share = ranking.categoryShare(signals, productCategory: categoryIndex[product.category] ?? -1)
            var fit: Double?
            if let a = creatorVectors[request.creatorID], let b = productVectors[request.productID], a.count == b.count {
                // The matcher's own score definition, on normalized vectors.
                let x = FeatureMatrix(rows: 1, dimension: a.count, values: a).normalized().values
                let y = FeatureMatrix(rows: 1, dimension: b.count, values: b).normalized().values
                fit = ShortlistService.cosine(x[...], y[...])
            }
            // Fulfilment: the platform's rate, updated with this seller's own closed samples.
            let base = request.fulfillmentRate ?? model.default_fulfillment
            let own = history[request.creatorID.rawValue] ?? (0, 0)
            let closed = own.posted + own.notPosted
            let fulfillment = (Double(own.posted) + model.prior_weight * base) / (Double(closed) + model.prior_weight)
            var basis = request.fulfillmentRate.map { "platform fulfilment \(Self.percent($0))" } ?? "no platform fulfilment rate (assumed \(Self.percent(model.default_fulfillment)))"
            if closed > 0 { basis += "; posted for \(own.posted) of \(closed) samples from this seller" }
            // GMV per piece of content, scaled to this product by category share (or half the fit).
            let gmv = request.gmv30d ?? profile?.gmv30d.map(CandidatePool.pointEstimate) ?? 0
            let posts = max(1, request.contentCount ?? 1)
            let gmvPerPost = gmv / Double(posts)
            let relevance = categories.isEmpty ? max(0, fit ?? 0) * 0.5 : share
            let cost = Self.sampleCost(product, model)
            return Facts(
                request: request, product: product, categoryShare: share, fit: fit, fulfillment: fulfillment, fulfillmentBasis: basis,
                gmvPerPost: gmvPerPost, expectedGMV: fulfillment * gmvPerPost * relevance, sampleCost: cost)
        }
    }

    /// What a sample costs the seller: the unit cost (price less margin) plus shipping.
    static func sampleCost(_ product: Product, _ model: SampleModel) -> Double {
        let unitCostShare = product.marginRate.map { 1 - Double($0) / 10_000 } ?? model.unit_cost_share_when_margin_missing
        return product.price * unitCostShare + model.shipping_cost
    }

    func decide(_ f: Facts) -> SampleDecision {
        let model = models.samples
        var failed: [String] = []
        var passed: [String] = []
        let matches = f.categoryShare > 0 || (f.fit ?? 0) >= model.min_fit
        let fitText = f.fit.map { "profile fit \(Self.decimal($0, 2))" } ?? "no profile vectors to compare"
        if matches {
            passed.append(f.categoryShare > 0
                ? "sells \(f.product.category): \(Self.percent(f.categoryShare)) of their GMV (\(fitText))"
                : "\(fitText) with this product, though they have no sales in \(f.product.category) yet")
        } else {
            failed.append("not a match: no sales in \(f.product.category) or a related category, \(fitText) (needs \(Self.decimal(model.min_fit, 2)))")
        }
        if f.fulfillment >= model.min_fulfillment {
            passed.append("likely to post: \(Self.percent(f.fulfillment)) estimated (\(f.fulfillmentBasis))")
        } else {
            failed.append("low fulfilment: \(Self.percent(f.fulfillment)) estimated chance of posting (\(f.fulfillmentBasis); needs \(Self.percent(model.min_fulfillment)))")
        }
        let ratio = f.sampleCost > 0 ? f.expectedGMV / f.sampleCost : 0
        let money = "expected GMV \(Self.money(f.expectedGMV)) from this sample (\(Self.money(f.gmvPerPost)) per post) against a sample cost of \(Self.money(f.sampleCost))"
        if ratio >= model.min_gmv_per_cost {
            passed.append("\(money): \(Self.decimal(ratio, 1))×")
        } else if f.gmvPerPost == 0 {
            failed.append("no sales: no 30-day GMV, so no expected GMV against a sample cost of \(Self.money(f.sampleCost))")
        } else {
            failed.append("low expected GMV: \(money), \(Self.decimal(ratio, 1))× (needs \(Self.decimal(model.min_gmv_per_cost, 1))×)")
        }
        return SampleDecision(
            request_id: f.request.id, creator_id: f.request.creatorID.rawValue, product_id: f.request.productID.rawValue,
            requested_at: f.request.requestedAt, recommendation: failed.isEmpty ? "approve" : "reject",
            gmv_per_cost: Self.round(ratio, 3), fit: f.fit.map { Self.round($0, 4) }, category_share: Self.round(f.categoryShare, 4),
            fulfillment: Self.round(f.fulfillment, 4), expected_gmv: Self.round(f.expectedGMV, 2), sample_cost: Self.round(f.sampleCost, 2),
            reasons: failed + passed)
    }

    // MARK: policy

    /// Proposes an auto-approval rule per category (or product) from the decided past requests: the
    /// thresholds in `Models/samples.json` that maximize what the approved creators sold minus the
    /// samples' cost, among the requests that got a sample; ties go to the rule approving more.
    public func policies(asOf: Day, byProduct: Bool = false) throws(MatchError) -> SamplePolicyReport {
        try database.read { db in
            let model = models.samples
            let past = try ActivityQueries.sampleRequests(db).filter { $0.status != .pending && $0.status != .cancelled && $0.requestedDay <= asOf }
            let facts = try self.facts(db, past)
            // What each creator sold of each product, by day, to count the sales after a request.
            var sales: [String: [(Day, Double)]] = [:]
            for sale in try ActivityQueries.sales(db, through: asOf) {
                sales[sale.creatorID + "\u{1F}" + sale.productID, default: []].append((sale.day, sale.gmv))
            }
            func soldAfter(_ f: Facts) -> Double {
                let end = f.request.requestedDay.advanced(by: model.sales_window_days)
                return (sales[f.request.creatorID.rawValue + "\u{1F}" + f.request.productID.rawValue] ?? [])
                    .filter { $0.0 >= f.request.requestedDay && $0.0 <= end }.reduce(0) { $0 + $1.1 }
            }
            let groups = Dictionary(grouping: facts) { byProduct ? $0.product.id.rawValue : $0.product.category }
            var policies: [SamplePolicy] = []
            var tooFew: [String] = []
            for name in groups.keys.sorted() {
                let group = groups[name]!
                guard group.count >= model.policy.min_past_requests else {
                    tooFew.append("\(name) (\(group.count) past requests, needs \(model.policy.min_past_requests))")
                    continue
                }
                let sold = group.map(soldAfter)
                func outcome(_ accepted: [Bool]) -> SamplePolicy.Outcome {
                    var approved = 0, sent = 0, posted = 0
                    var gmv = 0.0, cost = 0.0
                    for (i, f) in group.enumerated() where accepted[i] {
                        approved += 1
                        guard f.request.status.sampleSent else { continue }
                        sent += 1
                        if f.request.status == .posted { posted += 1 }
                        gmv += sold[i]
                        cost += f.sampleCost
                    }
                    return .init(approved: approved, samples_sent: sent, posted: posted, gmv: Self.round(gmv, 2), sample_cost: Self.round(cost, 2),
                                 gmv_per_cost: cost > 0 ? Self.round(gmv / cost, 3) : nil)
                }
                var best: (rule: SamplePolicy.Rule, accepted: [Bool], value: Double, approved: Int)?
                for followers in model.policy.followers {
                    for gmv in model.policy.gmv_30d {
                        for fulfillment in model.policy.fulfillment {
                            for category in [false, true] {
                                let rule = SamplePolicy.Rule(min_followers: followers, min_gmv_30d: gmv, min_fulfillment: fulfillment, require_category_match: category)
                                let accepted = group.map { Self.accepts(rule, $0) }
                                var value = 0.0
                                for (i, f) in group.enumerated() where accepted[i] && f.request.status.sampleSent { value += sold[i] - f.sampleCost }
                                let approved = accepted.filter { $0 }.count
                                if best == nil || value > best!.value + 1e-9 || (abs(value - best!.value) <= 1e-9 && approved > best!.approved) {
                                    best = (rule, accepted, value, approved)
                                }
                            }
                        }
                    }
                }
                let chosen = best!
                let all = outcome(group.map { _ in true })
                var turnedAway = 0.0
                for (i, f) in group.enumerated() where !chosen.accepted[i] && f.request.status.sampleSent { turnedAway += sold[i] }
                let with = outcome(chosen.accepted)
                let note = "approves \(with.approved) of \(group.count) past requests; the approved ones that got a sample sold \(Self.money(with.gmv)) for \(Self.money(with.sample_cost)) of samples, against \(Self.money(all.gmv)) for \(Self.money(all.sample_cost)) when approving all"
                policies.append(SamplePolicy(
                    scope: byProduct ? "product" : "category", name: name, past_requests: group.count, rule: chosen.rule,
                    with_rule: with, approve_all: all, turned_away_gmv: Self.round(turnedAway, 2), note: note))
            }
            return SamplePolicyReport(as_of: asOf.description, sales_window_days: model.sales_window_days, policies: policies, too_few_requests: tooFew)
        }
    }

    static func accepts(_ rule: SamplePolicy.Rule, _ f: Facts) -> Bool {
        (f.request.followers ?? 0) >= rule.min_followers
            && (f.request.gmv30d ?? 0) >= rule.min_gmv_30d
            // What was known when the request came: the platform's rate (own history would include
            // the request's own outcome).
            && (f.request.fulfillmentRate ?? 0) >= rule.min_fulfillment
            && (!rule.require_category_match || f.categoryShare > 0)
    }

    // MARK: formatting

    static func round(_ value: Double, _ digits: Int) -> Double {
        let scale = pow(10, Double(digits))
        return (value * scale).rounded() / scale
    }

    static func percent(_ share: Double) -> String { "\(Int((share * 100).rounded()))%" }
    static func decimal(_ value: Double, _ digits: Int) -> String { ReasonWriter.decimal(value, digits) }
    static func money(_ value: Double) -> String { value < 10_000 ? "$" + ReasonWriter.decimal(value, 2) : "$" + ReasonWriter.amount(value) }
}
