import GRDB
import MatchCore

/// A run's manifest row.
public struct RunRecord: Codable, FetchableRecord, TableRecord, Sendable, Equatable {
    public static let databaseTableName = "runs"
    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let status = Column(CodingKeys.status)
    }

    public var id: Int64
    public var status: String
    public var started_at: String
    public var finished_at: String?
    public var as_of: String
    public var rank_by: String
    public var k: Int
    public var models_digest: String
    public var inputs_digest: String
    public var code_version: String
    public var manifest: String
    public var error: String?
    public var pid: Int?
}

/// One product's line in a published run.
public struct RunProductRow: Sendable, Equatable {
    public var productID: String
    public var status: String
    /// JSON array of reason messages.
    public var reasons: String
    public var suggestedRate: Int?
    public var targetRate: Int?

    public init(productID: String, status: String, reasons: String, suggestedRate: Int?, targetRate: Int?) {
        self.productID = productID
        self.status = status
        self.reasons = reasons
        self.suggestedRate = suggestedRate
        self.targetRate = targetRate
    }
}

/// One creator of one product's shortlist in a published run; `entry` is the shortlist entry's JSON.
public struct RunShortlistRow: Sendable, Equatable {
    public var productID: String
    public var rank: Int
    public var creatorID: String
    public var score: Double
    public var similarity: Double
    public var entry: String

    public init(productID: String, rank: Int, creatorID: String, score: Double, similarity: Double, entry: String) {
        self.productID = productID
        self.rank = rank
        self.creatorID = creatorID
        self.score = score
        self.similarity = similarity
        self.entry = entry
    }
}

/// Runs: start (a `running` manifest), publish (results and status in one transaction), fail, list, read.
public enum RunStore {
    public static func start(_ db: Database, startedAt: String, asOf: Day, rankBy: String, k: Int, modelsDigest: String, inputsDigest: String, codeVersion: String, manifest: String, pid: Int) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO runs (status, started_at, as_of, rank_by, k, models_digest, inputs_digest, code_version, manifest, pid)
            VALUES ('running', ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [startedAt, asOf.description, rankBy, k, modelsDigest, inputsDigest, codeVersion, manifest, pid])
        return db.lastInsertedRowID
    }

    /// Writes the run's results and marks it published, in the caller's (single) transaction.
    public static func publish(_ db: Database, run: Int64, finishedAt: String, manifest: String, products: [RunProductRow], shortlists: [RunShortlistRow]) throws {
        let product = try RawStatement(db, "INSERT INTO run_products (run_id, product_id, status, reasons, suggested_rate, target_rate) VALUES (?, ?, ?, ?, ?, ?)")
        for row in products {
            product.bind(1, Int(run))
            product.bind(2, row.productID)
            product.bind(3, row.status)
            product.bind(4, row.reasons)
            product.bind(5, row.suggestedRate)
            product.bind(6, row.targetRate)
            try product.run(db)
        }
        let entry = try RawStatement(db, "INSERT INTO run_shortlists (run_id, product_id, rank, creator_id, score, similarity, entry) VALUES (?, ?, ?, ?, ?, ?, ?)")
        for row in shortlists {
            entry.bind(1, Int(run))
            entry.bind(2, row.productID)
            entry.bind(3, row.rank)
            entry.bind(4, row.creatorID)
            entry.bind(5, row.score)
            entry.bind(6, row.similarity)
            entry.bind(7, row.entry)
            try entry.run(db)
        }
        try db.execute(sql: "UPDATE runs SET status = 'published', finished_at = ?, manifest = ?, pid = NULL WHERE id = ?", arguments: [finishedAt, manifest, run])
    }

    public static func fail(_ db: Database, run: Int64, finishedAt: String, error: String) throws {
        try db.execute(sql: "UPDATE runs SET status = 'failed', finished_at = ?, error = ?, pid = NULL WHERE id = ? AND status = 'running'", arguments: [finishedAt, error, run])
    }

    /// Marks every `running` run failed (their process is gone: the caller holds the rescore lock) and
    /// removes any rows they left. Returns their ids.
    public static func failAbandoned(_ db: Database, finishedAt: String) throws -> [Int64] {
        let ids = try Int64.fetchAll(db, sql: "SELECT id FROM runs WHERE status = 'running'")
        for id in ids {
            try db.execute(sql: "DELETE FROM run_shortlists WHERE run_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM run_products WHERE run_id = ?", arguments: [id])
            try db.execute(sql: "UPDATE runs SET status = 'failed', finished_at = ?, error = 'interrupted (the process ended before publishing)', pid = NULL WHERE id = ?", arguments: [finishedAt, id])
        }
        return ids
    }

    /// Keeps the newest `keep` published runs; deletes older published runs and their results.
    public static func prune(_ db: Database, keep: Int) throws -> Int {
        let old = try Int64.fetchAll(db, sql: "SELECT id FROM runs WHERE status = 'published' ORDER BY id DESC LIMIT -1 OFFSET ?", arguments: [keep])
        for id in old { try db.execute(sql: "DELETE FROM runs WHERE id = ?", arguments: [id]) }
        return old.count
    }

    public static func runs(_ db: Database) throws -> [RunRecord] {
        try RunRecord.order(RunRecord.Columns.id.desc).fetchAll(db)
    }

    public static func run(_ db: Database, id: Int64) throws -> RunRecord? {
        try RunRecord.filter(RunRecord.Columns.id == id).fetchOne(db)
    }

    public static func latestPublished(_ db: Database) throws -> RunRecord? {
        try RunRecord.filter(RunRecord.Columns.status == "published").order(RunRecord.Columns.id.desc).fetchOne(db)
    }

    public static func products(_ db: Database, run: Int64) throws -> [RunProductRow] {
        try Row.fetchAll(db, sql: "SELECT product_id, status, reasons, suggested_rate, target_rate FROM run_products WHERE run_id = ? ORDER BY product_id", arguments: [run]).map {
            RunProductRow(productID: $0[0], status: $0[1], reasons: $0[2], suggestedRate: $0[3], targetRate: $0[4])
        }
    }

    public static func product(_ db: Database, run: Int64, product: String) throws -> RunProductRow? {
        try Row.fetchOne(db, sql: "SELECT product_id, status, reasons, suggested_rate, target_rate FROM run_products WHERE run_id = ? AND product_id = ?", arguments: [run, product]).map {
            RunProductRow(productID: $0[0], status: $0[1], reasons: $0[2], suggestedRate: $0[3], targetRate: $0[4])
        }
    }

    public static func shortlists(_ db: Database, run: Int64, product: String? = nil) throws -> [RunShortlistRow] {
        var sql = "SELECT product_id, rank, creator_id, score, similarity, entry FROM run_shortlists WHERE run_id = ?"
        var arguments: StatementArguments = [run]
        if let product {
            sql += " AND product_id = ?"
            arguments += [product]
        }
        sql += " ORDER BY product_id, rank"
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map {
            RunShortlistRow(productID: $0[0], rank: $0[1], creatorID: $0[2], score: $0[3], similarity: $0[4], entry: $0[5])
        }
    }
}
