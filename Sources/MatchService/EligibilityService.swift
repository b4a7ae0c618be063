import Foundation
import GRDB
import MatchCore
import MatchStore

/// `eligibility` output: the contract's JSON shape (`as_of`, `policy`, `shops`, `products`), with
/// every checked rule under `checks` and the failing ones under `reasons`.
public struct EligibilityReport: Codable, Sendable {
    public struct Reason: Codable, Sendable, Equatable {
        public let rule: String
        public let outcome: String
        /// "temporary" or "permanent": what a failure of this rule does.
        public let effect: String
        public let measured: Double?
        public let threshold: Double?
        public let unit: String
        public let message: String
        public let to_requalify: String?
        public let additional_orders_needed: Int?
        public let requalifies_on: String?
        public let rating_increase_needed: Double?
    }

    public struct ShopEntry: Codable, Sendable {
        public let id: String
        public let region: String?
        public let policy: String
        public let status: String
        public let reasons: [Reason]
        public let checks: [Reason]
    }

    public struct ProductEntry: Codable, Sendable {
        public let id: String
        public let shop_id: String
        public let category: String
        public let category_group: String
        public let status: String
        public let reasons: [Reason]
        public let checks: [Reason]
    }

    public struct Summary: Codable, Sendable {
        public let shops: [String: Int]
        public let products: [String: Int]
    }

    public let as_of: String
    /// The policy given with `--policy`, or "by-region" when each shop's region chose its policy.
    public let policy: String
    public let shops: [ShopEntry]
    public let products: [ProductEntry]
    public let summary: Summary
}

/// What `eligibility` looks at.
public enum EligibilityScope: Sendable {
    case all
    case shop(ShopID)
    case product(ProductID)
}

public struct EligibilityService: Sendable {
    let database: MatchDatabase
    let models: ModelCatalog

    public init(database: MatchDatabase, models: ModelCatalog) {
        self.database = database
        self.models = models
    }

    /// Evaluates the shops and products in `scope` on day `asOf`. `policyName` forces one policy;
    /// otherwise each shop's region picks its policy (Models/policies), and its products follow it.
    public func report(scope: EligibilityScope, asOf: Day, policyName: String? = nil) throws(MatchError) -> EligibilityReport {
        try database.read { db in try report(db, scope: scope, asOf: asOf, policyName: policyName) }
    }

    /// The same in the caller's read transaction.
    func report(_ db: Database, scope: EligibilityScope, asOf: Day, policyName: String? = nil) throws(MatchError) -> EligibilityReport {
        let forced = try policyName.map { name throws(MatchError) in try models.policy(named: name) }
        let (shops, products): ([Shop], [Product]) = try MatchDatabase.mappingErrors {
            switch scope {
            case .all:
                return (try StoreQueries.shops(db), try StoreQueries.products(db))
            case .shop(let id):
                guard let shop = try StoreQueries.shop(db, id: id) else {
                    throw MatchError(.notFound, "no shop with id \"\(id)\"; check the id or import the shop first")
                }
                return ([shop], try StoreQueries.products(db, shop: id))
            case .product(let id):
                guard let product = try StoreQueries.product(db, id: id) else {
                    throw MatchError(.notFound, "no product with id \"\(id)\"; check the id or import the product first")
                }
                guard let shop = try StoreQueries.shop(db, id: product.shopID) else {
                    throw MatchError(.database, "product \(id) names shop \(product.shopID), which is missing; re-import the shop")
                }
                return ([shop], [product])
            }
        }
        var shopVerdicts: [ShopID: (EligibilityVerdict, EligibilityPolicy)] = [:]
        var shopEntries: [EligibilityReport.ShopEntry] = []
        for shop in shops {
            let policy = forced ?? models.policy(forRegion: shop.region)
            let verdict = EligibilityRules(policy: policy).evaluate(
                shop: ShopFacts(id: shop.id, rating: shop.rating, status: shop.status, region: shop.region, counterfeitViolations: shop.counterfeitViolations),
                asOf: asOf)
            shopVerdicts[shop.id] = (verdict, policy)
            shopEntries.append(.init(
                id: shop.id.rawValue, region: shop.region, policy: policy.name, status: verdict.status.rawValue,
                reasons: verdict.reasons.map(Self.reason), checks: verdict.findings.map(Self.reason)))
        }
        var productEntries: [EligibilityReport.ProductEntry] = []
        for product in products {
            guard let (shopVerdict, policy) = shopVerdicts[product.shopID] else { continue }
            let verdict = EligibilityRules(policy: policy).evaluate(product: product.eligibilityFacts, shopVerdict: shopVerdict, asOf: asOf)
            productEntries.append(.init(
                id: product.id.rawValue, shop_id: product.shopID.rawValue, category: product.category,
                category_group: product.group.rawValue, status: verdict.status.rawValue,
                reasons: verdict.reasons.map(Self.reason), checks: verdict.findings.map(Self.reason)))
        }
        func tally(_ statuses: [String]) -> [String: Int] {
            var counts = Dictionary(uniqueKeysWithValues: EligibilityStatus.allCases.map { ($0.rawValue, 0) })
            for status in statuses { counts[status, default: 0] += 1 }
            return counts
        }
        return EligibilityReport(
            as_of: asOf.description, policy: forced?.name ?? "by-region",
            shops: shopEntries, products: productEntries,
            summary: .init(shops: tally(shopEntries.map(\.status)), products: tally(productEntries.map(\.status))))
    }

    static func reason(_ finding: EligibilityFinding) -> EligibilityReport.Reason {
        var orders: Int?
        var day: String?
        var rating: Double?
        switch finding.requalification {
        case .additionalOrders(let n)?: orders = n
        case .windowExpires(let on)?: day = on.description
        case .raiseRating(let by)?: rating = by
        case nil: break
        }
        return .init(
            rule: finding.rule.rawValue, outcome: finding.outcome.rawValue,
            effect: finding.effect == .permanentlyDisqualified ? "permanent" : "temporary",
            measured: finding.measured, threshold: finding.threshold, unit: finding.unit, message: finding.message,
            to_requalify: finding.toRequalify, additional_orders_needed: orders, requalifies_on: day,
            rating_increase_needed: rating)
    }
}
