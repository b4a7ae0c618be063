import GRDB
import MatchCore

/// Counts of what a database holds, for `stats` and summaries.
public struct StoreCounts: Sendable, Equatable {
    public var shops = 0
    public var products = 0
    public var creators = 0
    public var outcomes = 0
    public var invitations = 0
    public var vectorSpaces: [VectorSpace: Int] = [:]

    public init() {}
}



/// Read queries. Each runs in the read transaction it is given.
public enum StoreQueries {
    public static func shops(_ db: Database, region: String? = nil) throws -> [Shop] {
        var request = ShopRecord.order(ShopRecord.Columns.id)
        if let region { request = request.filter(ShopRecord.Columns.region == region) }
        return try request.fetchAll(db).map { try $0.domainValue() }
    }

    public static func shop(_ db: Database, id: ShopID) throws -> Shop? {
        try ShopRecord.filter(ShopRecord.Columns.id == id.rawValue).fetchOne(db)?.domainValue()
    }

    /// Products in id order: all, one shop's, or those in the given categories (by name).
    public static func products(_ db: Database, shop: ShopID? = nil, categories: Set<String>? = nil) throws -> [Product] {
        var request = ProductRecord.order(ProductRecord.Columns.id)
        if let shop { request = request.filter(ProductRecord.Columns.shopID == shop.rawValue) }
        if let categories { request = request.filter(categories.sorted().contains(ProductRecord.Columns.category)) }
        return try request.fetchAll(db).map { try $0.domainValue() }
    }

    public static func product(_ db: Database, id: ProductID) throws -> Product? {
        try ProductRecord.filter(ProductRecord.Columns.id == id.rawValue).fetchOne(db)?.domainValue()
    }

    public static func commissionRateChanges(_ db: Database, product: ProductID) throws -> [CommissionRateChange] {
        try CommissionRateChange
            .filter(CommissionRateChange.Columns.productID == product.rawValue)
            .order(CommissionRateChange.Columns.id)
            .fetchAll(db)
    }

    /// Creators invited to `product`, in any status.
    public static func creatorsInvited(_ db: Database, to product: ProductID) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT DISTINCT creator_id FROM invitations WHERE product_id = ?", arguments: [product.rawValue])
    }

    /// Every invitation's product, the product's shop, creator, day sent and status (one query for
    /// every product's exclusions at once).
    public static func invitationLinks(_ db: Database) throws -> [InvitationLink] {
        var out: [InvitationLink] = []
        let statement = try RawStatement(db, "SELECT i.product_id, p.shop_id, i.creator_id, i.sent_day, i.status FROM invitations i JOIN products p ON p.id = i.product_id")
        try statement.forEachRow(db) { row in
            out.append(InvitationLink(productID: row.text(0) ?? "", shopID: row.text(1) ?? "", creatorID: row.text(2) ?? "", sentDay: row.text(3) ?? "", status: row.text(4) ?? ""))
        }
        return out
    }

    /// Creators the shop invited to any of its products on or after `since`.
    public static func creatorsInvited(_ db: Database, byShop shop: ShopID, since: Day) throws -> [String] {
        try String.fetchAll(db, sql: """
            SELECT DISTINCT i.creator_id FROM invitations i JOIN products p ON p.id = i.product_id
            WHERE p.shop_id = ? AND i.sent_day >= ?
            """, arguments: [shop.rawValue, since.description])
    }

    /// Creators who declined an invitation from the shop.
    public static func creatorsWhoDeclined(_ db: Database, shop: ShopID) throws -> [String] {
        try String.fetchAll(db, sql: """
            SELECT DISTINCT i.creator_id FROM invitations i JOIN products p ON p.id = i.product_id
            WHERE p.shop_id = ? AND i.status = 'declined'
            """, arguments: [shop.rawValue])
    }

    public static func counts(_ db: Database) throws -> StoreCounts {
        var counts = StoreCounts()
        counts.shops = try Int.fetchOne(db, sql: "SELECT count(*) FROM shops") ?? 0
        counts.products = try Int.fetchOne(db, sql: "SELECT count(*) FROM products") ?? 0
        counts.creators = try Int.fetchOne(db, sql: "SELECT count(*) FROM creators") ?? 0
        counts.outcomes = try Int.fetchOne(db, sql: "SELECT count(*) FROM outcomes") ?? 0
        counts.invitations = try Int.fetchOne(db, sql: "SELECT count(*) FROM invitations") ?? 0
        let rows = try Row.fetchAll(db, sql: """
            SELECT s.owner_kind, s.model, s.model_version, s.dimension, count(v.owner_id)
            FROM vector_spaces s LEFT JOIN vectors v ON v.owner_kind = s.owner_kind AND v.model = s.model
            GROUP BY s.owner_kind, s.model
            """)
        for row in rows {
            guard let kind = VectorOwnerKind(rawValue: row[0]) else { continue }
            counts.vectorSpaces[VectorSpace(ownerKind: kind, model: row[1], modelVersion: row[2], dimension: row[3])] = row[4]
        }
        return counts
    }
}

/// One invitation as exclusions need it: product, the product's shop, creator, day sent, status.
public struct InvitationLink: Sendable {
    public let productID: String
    public let shopID: String
    public let creatorID: String
    public let sentDay: String
    public let status: String
}

/// Sales of one product over a window.
public struct ProductSales: Sendable, Equatable {
    public let gmv: Double
    public let orders: Int
    public let creatorsWithSales: Int
}

/// One invitation's offered rate (its own, else the product's) and status.
public struct InvitationRate: Sendable, Equatable {
    public let productID: String
    public let rate: Int
    public let status: String
}

extension StoreQueries {
    /// GMV, orders and distinct selling creators per product, for outcomes dated within `days`.
    /// `categories`: only products in these categories (by name); nil for every product.
    public static func productSales(_ db: Database, from start: Day, through end: Day, categories: Set<String>? = nil) throws -> [String: ProductSales] {
        var result: [String: ProductSales] = [:]
        var arguments: StatementArguments = [start.description, end.description]
        var restriction = ""
        if let categories {
            restriction = "AND product_id IN (SELECT id FROM products WHERE category IN (\(categories.map { _ in "?" }.joined(separator: ","))))"
            arguments += StatementArguments(categories.sorted())
        }
        for row in try Row.fetchAll(db, sql: """
            SELECT product_id, sum(gmv), sum(orders), count(DISTINCT creator_id) FROM outcomes
            WHERE day >= ? AND day <= ? \(restriction) GROUP BY product_id
            """, arguments: arguments) {
            result[row[0]] = ProductSales(gmv: row[1], orders: row[2], creatorsWithSales: row[3])
        }
        return result
    }

    /// Invitations with a known rate, for the products in `productIDs`.
    /// Every invitation with the rate it offered (its own, else the product's).
    /// `categories`: only invitations to products in these categories (by name); nil for all.
    public static func invitationRates(_ db: Database, categories: Set<String>? = nil) throws -> [InvitationRate] {
        var restriction = ""
        var arguments: StatementArguments = []
        if let categories {
            restriction = "AND p.category IN (\(categories.map { _ in "?" }.joined(separator: ",")))"
            arguments = StatementArguments(categories.sorted())
        }
        return try Row.fetchAll(db, sql: """
            SELECT i.product_id, coalesce(i.commission_rate, p.commission_rate), i.status
            FROM invitations i JOIN products p ON p.id = i.product_id
            WHERE coalesce(i.commission_rate, p.commission_rate) IS NOT NULL \(restriction)
            """, arguments: arguments).map { row in InvitationRate(productID: row[0], rate: row[1], status: row[2]) }
    }

    public static func creatorExists(_ db: Database, id: CreatorID) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM creators WHERE id = ?)", arguments: [id.rawValue]) ?? false
    }

    public static func vectorSpace(_ db: Database, kind: VectorOwnerKind, model: String) throws -> VectorSpace? {
        try VectorSpace.fetch(db, kind: kind, model: model)
    }
}
