import Foundation
import GRDB
import MatchCore

/// One row of `shops`.
struct ShopRecord: Codable, FetchableRecord, TableRecord {
    static let databaseTableName = "shops"
    enum Columns {
        static let id = Column(CodingKeys.id)
        static let region = Column(CodingKeys.region)
    }

    var id: String
    var name: String?
    var region: String?
    var rating: Double
    var status: String
    var counterfeit_violations: String
    var updated_at: String

    func domainValue() throws -> Shop {
        guard let status = ShopStatus(rawValue: status) else { throw corrupt("shops", id, "status") }
        let days = try JSONDecoder().decode([String].self, from: Data(counterfeit_violations.utf8))
        return Shop(
            id: ShopID(id), name: name, region: region, rating: rating, status: status,
            counterfeitViolations: try days.map { text in
                guard let day = Day(iso8601: text) else { throw corrupt("shops", id, "counterfeit_violations") }
                return day
            })
    }
}

/// One row of `products`.
struct ProductRecord: Codable, FetchableRecord, TableRecord {
    static let databaseTableName = "products"
    enum Columns {
        static let id = Column(CodingKeys.id)
        static let shopID = Column(CodingKeys.shop_id)
        static let category = Column(CodingKeys.category)
    }

    var id: String
    var shop_id: String
    var title: String?
    var category: String
    var category_group: String
    var price: Double
    var currency: String?
    var status: String
    var commission_rate: Int?
    var margin_rate: Int?
    var orders: Int?
    var reviews: Int?
    var negative_reviews: Int?
    var return_refund_cases: Int?
    var seller_fault_return_refund_cases: Int?
    var updated_at: String

    /// By column name, without the Codable decoder (every rescore reads all products more than once).
    init(row: Row) throws {
        id = row["id"]
        shop_id = row["shop_id"]
        title = row["title"]
        category = row["category"]
        category_group = row["category_group"]
        price = row["price"]
        currency = row["currency"]
        status = row["status"]
        commission_rate = row["commission_rate"]
        margin_rate = row["margin_rate"]
        orders = row["orders"]
        reviews = row["reviews"]
        negative_reviews = row["negative_reviews"]
        return_refund_cases = row["return_refund_cases"]
        seller_fault_return_refund_cases = row["seller_fault_return_refund_cases"]
        updated_at = row["updated_at"]
    }

    func domainValue() throws -> Product {
        guard let group = CategoryGroup(rawValue: category_group) else { throw corrupt("products", id, "category_group") }
        guard let status = ProductStatus(rawValue: status) else { throw corrupt("products", id, "status") }
        return Product(
            id: ProductID(id), shopID: ShopID(shop_id), title: title, category: category, group: group,
            price: price, currency: currency, status: status, commissionRate: commission_rate,
            marginRate: margin_rate, orders: orders, reviews: reviews, negativeReviews: negative_reviews,
            returnRefundCases: return_refund_cases, sellerFaultReturnRefundCases: seller_fault_return_refund_cases)
    }
}

/// One row of `commission_rate_changes`.
public struct CommissionRateChange: Codable, FetchableRecord, TableRecord, Sendable, Equatable {
    public static let databaseTableName = "commission_rate_changes"
    public enum Columns {
        public static let productID = Column(CodingKeys.product_id)
        public static let id = Column(CodingKeys.id)
    }

    public var id: Int64
    public var product_id: String
    public var previous_rate: Int?
    public var rate: Int
    public var changed_on: String
    public var effective_on: String
    public var existing_promoters_effective_on: String
    public var recorded_at: String
}

func corrupt(_ table: String, _ id: String, _ column: String) -> MatchError {
    MatchError(.database, "the database holds an invalid \(column) for \(table) row \(id); re-import that row")
}
