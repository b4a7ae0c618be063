import GRDB
import MatchCore

/// One day of one creator's sales of one product.
public struct SaleRow: Sendable, Equatable {
    public var creatorID: String
    public var productID: String
    public var day: Day
    public var orders: Int
    public var gmv: Double
}

/// One invitation as the report reads it.
public struct InvitationRow: Sendable, Equatable {
    public var creatorID: String
    public var productID: String
    public var day: Day
    public var status: InvitationStatus
    /// The rate it offered (its own, else the product's at import).
    public var rate: Int?
}

/// Reads of what happened: sample requests, invitations and sales over a period, creator profiles.
public enum ActivityQueries {
    public static func sampleRequests(_ db: Database, status: SampleStatus? = nil) throws -> [SampleRequest] {
        var sql = """
            SELECT id, creator_id, product_id, requested_at, requested_day, status, followers, gmv_30d, content_count,
                   median_video_views, fulfillment_rate FROM sample_requests
            """
        var arguments: StatementArguments = []
        if let status {
            sql += " WHERE status = ?"
            arguments += [status.rawValue]
        }
        sql += " ORDER BY requested_at, id"
        return try Row.fetchAll(db, sql: sql, arguments: arguments).compactMap { row in
            guard let day = Day(iso8601: row[4]), let status = SampleStatus(rawValue: row[5]) else { return nil }
            return SampleRequest(
                id: row[0], creatorID: CreatorID(row[1] as String), productID: ProductID(row[2] as String), requestedAt: row[3],
                requestedDay: day, status: status, followers: row[6], gmv30d: row[7], contentCount: row[8],
                medianVideoViews: row[9], fulfillmentRate: row[10])
        }
    }

    /// Per creator: samples closed as posted and as not posted.
    public static func sampleHistory(_ db: Database) throws -> [String: (posted: Int, notPosted: Int)] {
        var out: [String: (posted: Int, notPosted: Int)] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT creator_id, sum(status = 'posted'), sum(status = 'not_posted') FROM sample_requests
            WHERE status IN ('posted', 'not_posted') GROUP BY creator_id
            """) {
            out[row[0]] = (row[1], row[2])
        }
        return out
    }

    /// Sales from `start` through `end` (all of them when nil).
    public static func sales(_ db: Database, from start: Day? = nil, through end: Day? = nil) throws -> [SaleRow] {
        try Row.fetchAll(db, sql: """
            SELECT creator_id, product_id, day, sum(orders), sum(gmv) FROM outcomes
            WHERE day >= ? AND day <= ? GROUP BY creator_id, product_id, day
            """, arguments: [start?.description ?? "0000-00-00", end?.description ?? "9999-99-99"]).compactMap { row in
            guard let day = Day(iso8601: row[2]) else { return nil }
            return SaleRow(creatorID: row[0], productID: row[1], day: day, orders: row[3], gmv: row[4])
        }
    }

    /// Invitations sent from `start` through `end`.
    public static func invitations(_ db: Database, from start: Day, through end: Day) throws -> [InvitationRow] {
        try Row.fetchAll(db, sql: """
            SELECT i.creator_id, i.product_id, i.sent_day, i.status, coalesce(i.commission_rate, p.commission_rate)
            FROM invitations i JOIN products p ON p.id = i.product_id
            WHERE i.sent_day >= ? AND i.sent_day <= ?
            """, arguments: [start.description, end.description]).compactMap { row in
            guard let day = Day(iso8601: row[2]), let status = InvitationStatus(rawValue: row[3]) else { return nil }
            return InvitationRow(creatorID: row[0], productID: row[1], day: day, status: status, rate: row[4])
        }
    }

    /// Every creator's profile, in id order.
    public static func allCreatorProfiles(_ db: Database) throws -> [CreatorProfileRow] {
        try Row.fetchAll(db, sql: """
            SELECT id, username, followers, categories, gmv_30d_min, gmv_30d_max, gpm_min, gpm_max,
                   units_sold_30d_min, units_sold_30d_max, post_rate, avg_commission_rate FROM creators ORDER BY id
            """).map(profileRow)
    }

    static func profileRow(_ row: Row) -> CreatorProfileRow {
        func range(_ i: Int) -> MetricRange? {
            guard let low: Double = row[i], let high: Double = row[i + 1] else { return nil }
            return MetricRange(min: low, max: high)
        }
        return CreatorProfileRow(
            id: row[0], username: row[1], followers: row[2], categoriesJSON: row[3], gmv30d: range(4), gpm: range(6),
            unitsSold30d: range(8), postRate: row[10], avgCommissionRate: row[11])
    }

    /// Profiles of the given creators (with or without a vector), by id.
    public static func creatorProfiles(_ db: Database, ids: some Collection<String>) throws -> [String: CreatorProfileRow] {
        var out: [String: CreatorProfileRow] = [:]
        let statement = try db.cachedStatement(sql: """
            SELECT id, username, followers, categories, gmv_30d_min, gmv_30d_max, gpm_min, gpm_max,
                   units_sold_30d_min, units_sold_30d_max, post_rate, avg_commission_rate FROM creators WHERE id = ?
            """)
        for id in Set(ids) {
            guard let row = try Row.fetchOne(statement, arguments: [id]) else { continue }
            out[id] = profileRow(row)
        }
        return out
    }

    /// Every creator's profile fields the featurizer reads: id, categories, audience and content JSON.
    public static func creatorFeatureRows(_ db: Database) throws -> [(id: String, categories: String, audience: String?, content: String?, price: MetricRange?)] {
        try Row.fetchAll(db, sql: "SELECT id, categories, audience, content_types, price_min, price_max FROM creators ORDER BY id").map { row in
            let price: MetricRange? = (row[4] as Double?).flatMap { low in (row[5] as Double?).map { MetricRange(min: low, max: $0) } }
            return (row[0], row[1], row[2], row[3], price)
        }
    }

    /// Replaces every vector of `model` (both kinds) in the caller's transaction.
    public static func deleteVectors(_ db: Database, model: String) throws {
        try db.execute(sql: "DELETE FROM vectors WHERE model = ?", arguments: [model])
        try db.execute(sql: "DELETE FROM vector_spaces WHERE model = ?", arguments: [model])
    }
}
