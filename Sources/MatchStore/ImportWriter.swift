import GRDB
import MatchCore

/// Whose vector a row holds.
public enum VectorOwnerKind: String, Sendable {
    case creator
    case product
}

/// A vector model's space in one database: every vector in it has this dimension.
public struct VectorSpace: Sendable, Hashable {
    public let ownerKind: VectorOwnerKind
    public let model: String
    public let modelVersion: Int
    public let dimension: Int

    public init(ownerKind: VectorOwnerKind, model: String, modelVersion: Int, dimension: Int) {
        self.ownerKind = ownerKind
        self.model = model
        self.modelVersion = modelVersion
        self.dimension = dimension
    }
}

/// How long a rate cut takes to apply (`Models/platform.json`).
public struct RateChangeDelays: Sendable {
    public var targetDays: Int
    public var existingPromotersDays: Int

    public init(targetDays: Int, existingPromotersDays: Int) {
        self.targetDays = targetDays
        self.existingPromotersDays = existingPromotersDays
    }
}

/// Upserts validated entities inside one write transaction, with statements prepared once and
/// bound through the C API (an import may write millions of rows).
public final class ImportWriter {
    let db: Database
    let timestamp: String
    let today: Day
    let delays: RateChangeDelays
    /// Prepared statements by the call site that uses them (hashing an enum, not the SQL text).
    private var statements: [Query: RawStatement] = [:]

    enum Query: Hashable {
        case shopExists, productExists, creatorExists, shopUpsert, productRate, productUpsert, rateChange
        case creatorUpsert, outcomeUpsert, invitationUpsert, sampleRequestUpsert, vectorUpsert
    }

    /// `timestamp` is stored as `updated_at`; `today` dates commission-rate changes.
    public init(db: Database, timestamp: String, today: Day, delays: RateChangeDelays) {
        self.db = db
        self.timestamp = timestamp
        self.today = today
        self.delays = delays
    }

    private func statement(_ query: Query, _ sql: @autoclosure () -> String) throws -> RawStatement {
        if let cached = statements[query] { return cached }
        let prepared = try RawStatement(db, sql())
        statements[query] = prepared
        return prepared
    }

    // MARK: existence

    public func exists(shop id: ShopID) throws -> Bool {
        let s = try statement(.shopExists, "SELECT 1 FROM shops WHERE id = ?")
        s.bind(1, id.rawValue)
        return try s.exists(db)
    }

    public func exists(product id: ProductID) throws -> Bool {
        let s = try statement(.productExists, "SELECT 1 FROM products WHERE id = ?")
        s.bind(1, id.rawValue)
        return try s.exists(db)
    }

    public func exists(creator id: CreatorID) throws -> Bool {
        let s = try statement(.creatorExists, "SELECT 1 FROM creators WHERE id = ?")
        s.bind(1, id.rawValue)
        return try s.exists(db)
    }

    // MARK: entities

    public func upsert(_ shop: Shop) throws {
        let s = try statement(.shopUpsert, """
            INSERT INTO shops (id, name, region, rating, status, counterfeit_violations, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET name = excluded.name, region = excluded.region, rating = excluded.rating,
                status = excluded.status, counterfeit_violations = excluded.counterfeit_violations, updated_at = excluded.updated_at
            """)
        s.bind(1, shop.id.rawValue)
        s.bind(2, shop.name)
        s.bind(3, shop.region)
        s.bind(4, shop.rating)
        s.bind(5, shop.status.rawValue)
        s.bind(6, JSONText.array(shop.counterfeitViolations.map(\.description)))
        s.bind(7, timestamp)
        try s.run(db)
    }

    /// Upserts a product and records a commission-rate change when its rate is new or different.
    public func upsert(_ product: Product) throws {
        let previous = try statement(.productRate, "SELECT commission_rate FROM products WHERE id = ?")
        previous.bind(1, product.id.rawValue)
        let previousRate = try previous.firstInt(db)

        let s = try statement(.productUpsert, """
            INSERT INTO products (id, shop_id, title, category, category_group, price, currency, status, commission_rate,
                margin_rate, orders, reviews, negative_reviews, return_refund_cases, seller_fault_return_refund_cases, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET shop_id = excluded.shop_id, title = excluded.title, category = excluded.category,
                category_group = excluded.category_group, price = excluded.price, currency = excluded.currency,
                status = excluded.status, commission_rate = excluded.commission_rate, margin_rate = excluded.margin_rate,
                orders = excluded.orders, reviews = excluded.reviews, negative_reviews = excluded.negative_reviews,
                return_refund_cases = excluded.return_refund_cases,
                seller_fault_return_refund_cases = excluded.seller_fault_return_refund_cases, updated_at = excluded.updated_at
            """)
        s.bind(1, product.id.rawValue)
        s.bind(2, product.shopID.rawValue)
        s.bind(3, product.title)
        s.bind(4, product.category)
        s.bind(5, product.group.rawValue)
        s.bind(6, product.price)
        s.bind(7, product.currency)
        s.bind(8, product.status.rawValue)
        s.bind(9, product.commissionRate)
        s.bind(10, product.marginRate)
        s.bind(11, product.orders)
        s.bind(12, product.reviews)
        s.bind(13, product.negativeReviews)
        s.bind(14, product.returnRefundCases)
        s.bind(15, product.sellerFaultReturnRefundCases)
        s.bind(16, timestamp)
        try s.run(db)

        if let rate = product.commissionRate, rate != previousRate {
            let isCut = previousRate.map { rate < $0 } ?? false
            let change = try statement(.rateChange, """
                INSERT INTO commission_rate_changes (product_id, previous_rate, rate, changed_on, effective_on,
                    existing_promoters_effective_on, recorded_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            change.bind(1, product.id.rawValue)
            change.bind(2, previousRate)
            change.bind(3, rate)
            change.bind(4, today.description)
            change.bind(5, today.advanced(by: isCut ? delays.targetDays : 0).description)
            change.bind(6, today.advanced(by: isCut ? delays.existingPromotersDays : 0).description)
            change.bind(7, timestamp)
            try change.run(db)
        }
    }

    public func upsert(_ creator: Creator) throws {
        let s = try statement(.creatorUpsert, """
            INSERT INTO creators (id, username, followers, categories, gmv_30d_min, gmv_30d_max, gpm_min, gpm_max,
                units_sold_30d_min, units_sold_30d_max, avg_views, engagement_rate, post_rate, avg_commission_rate,
                audience, content_types, updated_at, price_min, price_max)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET username = excluded.username, followers = excluded.followers,
                categories = excluded.categories, gmv_30d_min = excluded.gmv_30d_min, gmv_30d_max = excluded.gmv_30d_max,
                gpm_min = excluded.gpm_min, gpm_max = excluded.gpm_max, units_sold_30d_min = excluded.units_sold_30d_min,
                units_sold_30d_max = excluded.units_sold_30d_max, avg_views = excluded.avg_views,
                engagement_rate = excluded.engagement_rate, post_rate = excluded.post_rate,
                avg_commission_rate = excluded.avg_commission_rate, audience = excluded.audience,
                content_types = excluded.content_types, updated_at = excluded.updated_at,
                price_min = excluded.price_min, price_max = excluded.price_max
            """)
        s.bind(1, creator.id.rawValue)
        s.bind(2, creator.username)
        s.bind(3, creator.followers)
        s.bind(4, JSONText.object(creator.categories))
        s.bind(5, creator.gmv30d?.min)
        s.bind(6, creator.gmv30d?.max)
        s.bind(7, creator.gpm?.min)
        s.bind(8, creator.gpm?.max)
        s.bind(9, creator.unitsSold30d?.min)
        s.bind(10, creator.unitsSold30d?.max)
        s.bind(11, creator.avgViews)
        s.bind(12, creator.engagementRate)
        s.bind(13, creator.postRate)
        s.bind(14, creator.avgCommissionRate)
        s.bind(15, creator.audience.map(JSONText.nested))
        s.bind(16, creator.contentTypes.map { types in
            JSONText.object(Dictionary(uniqueKeysWithValues: types.map { ($0.key.rawValue, $0.value) }))
        })
        s.bind(17, timestamp)
        s.bind(18, creator.priceRange?.min)
        s.bind(19, creator.priceRange?.max)
        try s.run(db)
    }

    public func upsert(_ outcome: Outcome) throws {
        let s = try statement(.outcomeUpsert, """
            INSERT INTO outcomes (creator_id, product_id, day, content_type, orders, gmv, commission_rate, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(creator_id, product_id, day, content_type) DO UPDATE SET orders = excluded.orders,
                gmv = excluded.gmv, commission_rate = excluded.commission_rate, updated_at = excluded.updated_at
            """)
        s.bind(1, outcome.creatorID.rawValue)
        s.bind(2, outcome.productID.rawValue)
        s.bind(3, outcome.date.description)
        s.bind(4, outcome.contentType?.rawValue ?? "unspecified")
        s.bind(5, outcome.orders)
        s.bind(6, outcome.gmv)
        s.bind(7, outcome.commissionRate)
        s.bind(8, timestamp)
        try s.run(db)
    }

    public func upsert(_ invitation: Invitation) throws {
        let s = try statement(.invitationUpsert, """
            INSERT INTO invitations (creator_id, product_id, sent_at, sent_day, status, commission_rate, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(creator_id, product_id, sent_at) DO UPDATE SET status = excluded.status,
                commission_rate = excluded.commission_rate, updated_at = excluded.updated_at
            """)
        s.bind(1, invitation.creatorID.rawValue)
        s.bind(2, invitation.productID.rawValue)
        s.bind(3, invitation.sentAt)
        s.bind(4, invitation.sentDay.description)
        s.bind(5, invitation.status.rawValue)
        s.bind(6, invitation.commissionRate)
        s.bind(7, timestamp)
        try s.run(db)
    }

    public func upsert(_ request: SampleRequest) throws {
        let s = try statement(.sampleRequestUpsert, """
            INSERT INTO sample_requests (id, creator_id, product_id, requested_at, requested_day, status, followers, gmv_30d,
                content_count, median_video_views, fulfillment_rate, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET creator_id = excluded.creator_id, product_id = excluded.product_id,
                requested_at = excluded.requested_at, requested_day = excluded.requested_day, status = excluded.status,
                followers = excluded.followers, gmv_30d = excluded.gmv_30d, content_count = excluded.content_count,
                median_video_views = excluded.median_video_views, fulfillment_rate = excluded.fulfillment_rate,
                updated_at = excluded.updated_at
            """)
        s.bind(1, request.id)
        s.bind(2, request.creatorID.rawValue)
        s.bind(3, request.productID.rawValue)
        s.bind(4, request.requestedAt)
        s.bind(5, request.requestedDay.description)
        s.bind(6, request.status.rawValue)
        s.bind(7, request.followers)
        s.bind(8, request.gmv30d)
        s.bind(9, request.contentCount)
        s.bind(10, request.medianVideoViews)
        s.bind(11, request.fulfillmentRate)
        s.bind(12, timestamp)
        try s.run(db)
    }

    // MARK: vectors

    public func vectorSpace(_ kind: VectorOwnerKind, model: String) throws -> VectorSpace? {
        try VectorSpace.fetch(db, kind: kind, model: model)
    }

    public func createVectorSpace(_ space: VectorSpace) throws {
        try db.execute(
            sql: "INSERT INTO vector_spaces (owner_kind, model, model_version, dimension, created_at) VALUES (?, ?, ?, ?, ?)",
            arguments: [space.ownerKind.rawValue, space.model, space.modelVersion, space.dimension, timestamp])
    }

    public func upsertVector(_ vector: [Float], owner id: String, in space: VectorSpace) throws {
        let s = try statement(.vectorUpsert, """
            INSERT INTO vectors (owner_kind, model, owner_id, model_version, dimension, data, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(owner_kind, model, owner_id) DO UPDATE SET model_version = excluded.model_version,
                dimension = excluded.dimension, data = excluded.data, updated_at = excluded.updated_at
            """)
        s.bind(1, space.ownerKind.rawValue)
        s.bind(2, space.model)
        s.bind(3, id)
        s.bind(4, space.modelVersion)
        s.bind(5, vector.count)
        s.bind(6, vector)
        s.bind(7, timestamp)
        try s.run(db)
    }
}

extension VectorSpace {
    static func fetch(_ db: Database, kind: VectorOwnerKind, model: String) throws -> VectorSpace? {
        guard let row = try Row.fetchOne(
            db, sql: "SELECT model_version, dimension FROM vector_spaces WHERE owner_kind = ? AND model = ?",
            arguments: [kind.rawValue, model]) else { return nil }
        return VectorSpace(ownerKind: kind, model: model, modelVersion: row[0], dimension: row[1])
    }
}
