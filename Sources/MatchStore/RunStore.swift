import Foundation
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
    /// The product's shortlist (eligible products only).
    public var listID: Int64?
    /// Digest of every input of the product's shortlist except the creators (incremental rescoring).
    public var digest: String?

    public init(productID: String, status: String, reasons: String, suggestedRate: Int?, targetRate: Int?, listID: Int64? = nil, digest: String? = nil) {
        self.productID = productID
        self.status = status
        self.reasons = reasons
        self.suggestedRate = suggestedRate
        self.targetRate = targetRate
        self.listID = listID
        self.digest = digest
    }
}

/// A stored shortlist without its entries' JSON: the ranked creators with exact scores.
public struct RunList: Sendable, Equatable {
    public var id: Int64
    public var productID: String
    /// How many of `ranked.entries` were published (the shortlist); the rest is the reserve.
    public var published: Int
    public var ranked: RankedList

    /// The published creators, best first.
    public var creators: ArraySlice<RankedList.Entry> { ranked.entries.prefix(published) }
}

/// What a stored list publishes: compact entry cards (with the product's category, to render them),
/// or, for lists written before cards, the entries' JSON array.
public struct RunListPayload: Sendable, Equatable {
    public var entries: String
    public var cards: [UInt8]?
    public var category: String?

    public init(entries: String = "", cards: [UInt8]?, category: String?) {
        self.entries = entries
        self.cards = cards
        self.category = category
    }
}

/// A shortlist to store with a run.
public struct NewRunList: Sendable {
    public var published: Int
    public var ranked: RankedList
    public var payload: RunListPayload
    /// `ranked.encoded()`, made when the list is (in parallel), not inside the write transaction.
    public let rankedBytes: [UInt8]

    public init(published: Int, ranked: RankedList, payload: RunListPayload, rankedBytes: [UInt8]? = nil) {
        self.published = published
        self.ranked = ranked
        self.payload = payload
        self.rankedBytes = rankedBytes ?? ranked.encoded()
    }
}

/// What a product of a new run points at: a list an earlier run stored (unchanged), or a new one.
public enum RunListChoice: Sendable {
    case existing(Int64)
    case new(NewRunList)
    /// A new list still being made (on another thread): `publish` asks for it when it writes it, so the
    /// lists are built while the earlier ones are written.
    case later(@Sendable () throws -> NewRunList)
}

/// What the next incremental rescore compares against: per creator, a digest of the id and of every
/// input of its scores and entries.
public struct RunState: Sendable, Equatable {
    public var depth: Int
    /// id digest → content digest.
    public var creatorDigests: [UInt64: UInt64]

    public init(depth: Int, creatorDigests: [UInt64: UInt64]) {
        self.depth = depth
        self.creatorDigests = creatorDigests
    }

    func encodedDigests() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(creatorDigests.count * 16)
        for key in creatorDigests.keys.sorted() {
            withUnsafeBytes(of: key.littleEndian) { out.append(contentsOf: $0) }
            withUnsafeBytes(of: creatorDigests[key]!.littleEndian) { out.append(contentsOf: $0) }
        }
        return out
    }

    static func decodeDigests(_ bytes: [UInt8]) -> [UInt64: UInt64] {
        var out: [UInt64: UInt64] = [:]
        out.reserveCapacity(bytes.count / 16)
        bytes.withUnsafeBytes { raw in
            for offset in stride(from: 0, to: raw.count - 15, by: 16) {
                let key = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                out[key] = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self))
            }
        }
        return out
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

    /// Writes the run's results and marks it published, in the caller's (single) transaction. Products
    /// pointing at an existing list share it; new lists are inserted first.
    /// `creators`: each listed creator's part of an entry (id, bytes), for lists that keep only the
    /// product's part.
    public static func publish(_ db: Database, run: Int64, finishedAt: String, manifest: String, inputsDigest: String, products: [(row: RunProductRow, list: RunListChoice?)], creators: [(id: String, part: [UInt8])] = [], state: RunState?) throws {
        let creator = try RawStatement(db, "INSERT INTO run_creators (run_id, creator_id, part) VALUES (?, ?, ?)")
        for (id, part) in creators {
            creator.bind(1, Int(run))
            creator.bind(2, id)
            creator.bind(3, part)
            try creator.run(db)
        }
        let list = try RawStatement(db, "INSERT INTO run_lists (product_id, published, ranked, entries, cards, category) VALUES (?, ?, ?, ?, ?, ?)")
        let product = try RawStatement(db, "INSERT INTO run_products (run_id, product_id, status, reasons, suggested_rate, target_rate, list_id, digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        func insert(_ new: NewRunList, for productID: String) throws -> Int64 {
            list.bind(1, productID)
            list.bind(2, new.published)
            list.bind(3, new.rankedBytes)
            list.bind(4, new.payload.entries)
            if let cards = new.payload.cards { list.bind(5, cards) } else { list.bind(5, nil as String?) }
            list.bind(6, new.payload.category)
            try list.run(db)
            return db.lastInsertedRowID
        }
        for (row, choice) in products {
            var listID: Int64?
            switch choice {
            case .existing(let id): listID = id
            case .new(let new): listID = try insert(new, for: row.productID)
            case .later(let make): listID = try insert(try make(), for: row.productID)
            case nil: break
            }
            product.bind(1, Int(run))
            product.bind(2, row.productID)
            product.bind(3, row.status)
            product.bind(4, row.reasons)
            product.bind(5, row.suggestedRate)
            product.bind(6, row.targetRate)
            product.bind(7, listID.map(Int.init))
            product.bind(8, row.digest)
            try product.run(db)
        }
        if let state {
            try db.execute(sql: "INSERT INTO run_state (run_id, depth, creator_digests) VALUES (?, ?, ?)", arguments: [run, state.depth, Data(state.encodedDigests())])
        }
        try db.execute(sql: "UPDATE runs SET status = 'published', finished_at = ?, manifest = ?, inputs_digest = ?, pid = NULL WHERE id = ?", arguments: [finishedAt, manifest, inputsDigest, run])
    }

    /// Deletes lists no run points at any more.
    static func deleteOrphanLists(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM run_lists WHERE id NOT IN (SELECT list_id FROM run_products WHERE list_id IS NOT NULL)")
    }

    /// Deletes the runs `ids` and the lists no other run shares: the lists of those runs minus the lists
    /// of every other run, one set operation (not a lookup per list), then only those rows.
    static func deleteRuns(_ db: Database, _ ids: [Int64]) throws {
        guard !ids.isEmpty else { return }
        let placeholders = ids.map { _ in "?" }.joined(separator: ",")
        let lists = try Int64.fetchAll(db, sql: """
            SELECT list_id FROM run_products WHERE run_id IN (\(placeholders)) AND list_id IS NOT NULL
            EXCEPT SELECT list_id FROM run_products WHERE run_id NOT IN (\(placeholders)) AND list_id IS NOT NULL
            """, arguments: StatementArguments(ids + ids))
        try db.execute(sql: "DELETE FROM runs WHERE id IN (\(placeholders))", arguments: StatementArguments(ids))
        guard !lists.isEmpty else { return }
        // One statement for all of them (the ids as a JSON array), not one per list.
        let array = "[" + lists.map(String.init).joined(separator: ",") + "]"
        try db.execute(sql: "DELETE FROM run_lists WHERE id IN (SELECT value FROM json_each(?))", arguments: [array])
    }

    public static func fail(_ db: Database, run: Int64, finishedAt: String, error: String) throws {
        try db.execute(sql: "UPDATE runs SET status = 'failed', finished_at = ?, error = ?, pid = NULL WHERE id = ? AND status = 'running'", arguments: [finishedAt, error, run])
    }

    /// Marks every `running` run failed (their process is gone: the caller holds the rescore lock) and
    /// removes any rows they left. Returns their ids.
    public static func failAbandoned(_ db: Database, finishedAt: String) throws -> [Int64] {
        let ids = try Int64.fetchAll(db, sql: "SELECT id FROM runs WHERE status = 'running'")
        for id in ids {
            try db.execute(sql: "DELETE FROM run_products WHERE run_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM run_state WHERE run_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM run_creators WHERE run_id = ?", arguments: [id])
            try db.execute(sql: "UPDATE runs SET status = 'failed', finished_at = ?, error = 'interrupted (the process ended before publishing)', pid = NULL WHERE id = ?", arguments: [finishedAt, id])
        }
        if !ids.isEmpty { try deleteOrphanLists(db) }
        return ids
    }

    /// Keeps the newest `keep` published runs; deletes older published runs and their results.
    public static func prune(_ db: Database, keep: Int) throws -> Int {
        let old = try Int64.fetchAll(db, sql: "SELECT id FROM runs WHERE status = 'published' ORDER BY id DESC LIMIT -1 OFFSET ?", arguments: [keep])
        try deleteRuns(db, old)
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

    static let productColumns = "product_id, status, reasons, suggested_rate, target_rate, list_id, digest"

    static func productRow(_ row: Row) -> RunProductRow {
        RunProductRow(productID: row[0], status: row[1], reasons: row[2], suggestedRate: row[3], targetRate: row[4], listID: row[5], digest: row[6])
    }

    public static func products(_ db: Database, run: Int64) throws -> [RunProductRow] {
        try Row.fetchAll(db, sql: "SELECT \(productColumns) FROM run_products WHERE run_id = ? ORDER BY product_id", arguments: [run]).map(productRow)
    }

    public static func product(_ db: Database, run: Int64, product: String) throws -> RunProductRow? {
        try Row.fetchOne(db, sql: "SELECT \(productColumns) FROM run_products WHERE run_id = ? AND product_id = ?", arguments: [run, product]).map(productRow)
    }

    /// The run's lists (ranked creators, no entry JSON), by product id.
    /// `except`: list ids to leave out (lists the caller already knows are shared).
    public static func lists(_ db: Database, run: Int64, except: Set<Int64> = []) throws -> [String: RunList] {
        var out: [String: RunList] = [:]
        let rows = try Row.fetchCursor(db, sql: """
            SELECT l.id, l.product_id, l.published, l.ranked FROM run_products p JOIN run_lists l ON l.id = p.list_id WHERE p.run_id = ?
            """, arguments: [run])
        while let row = try rows.next() {
            if !except.isEmpty, except.contains(row[0]) { continue }
            let bytes: Data = row[3]
            guard let ranked = RankedList(decoding: [UInt8](bytes)) else {
                throw MatchError(.database, "run \(run) has an unreadable list for product \(row[1] as String); rescore to write a new run")
            }
            out[row[1]] = RunList(id: row[0], productID: row[1], published: row[2], ranked: ranked)
        }
        return out
    }

    /// What the run's lists publish, by product id; one product or all.
    public static func payloads(_ db: Database, run: Int64, product: String? = nil) throws -> [String: RunListPayload] {
        var sql = "SELECT p.product_id, l.entries, l.cards, l.category FROM run_products p JOIN run_lists l ON l.id = p.list_id WHERE p.run_id = ?"
        var arguments: StatementArguments = [run]
        if let product {
            sql += " AND p.product_id = ?"
            arguments += [product]
        }
        var out: [String: RunListPayload] = [:]
        let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
        while let row = try rows.next() { out[row[0]] = payload(row, from: 1) }
        return out
    }

    /// What one stored list publishes.
    public static func payload(_ db: Database, list: Int64) throws -> RunListPayload? {
        try Row.fetchOne(db, sql: "SELECT entries, cards, category FROM run_lists WHERE id = ?", arguments: [list]).map { payload($0, from: 0) }
    }

    static func payload(_ row: Row, from i: Int) -> RunListPayload {
        RunListPayload(entries: row[i], cards: (row[i + 1] as Data?).map { [UInt8]($0) }, category: row[i + 2])
    }

    /// The run's creator parts by creator id: all of them, or those of `ids`.
    public static func creatorParts(_ db: Database, run: Int64, ids: [String]? = nil) throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        if let ids {
            let statement = try RawStatement(db, "SELECT creator_id, part FROM run_creators WHERE run_id = ? AND creator_id = ?")
            for id in ids where out[id] == nil {
                statement.bind(1, Int(run))
                statement.bind(2, id)
                try statement.forEachRow(db) { row in out[id] = row.bytes(1) }
            }
        } else {
            let statement = try RawStatement(db, "SELECT creator_id, part FROM run_creators WHERE run_id = ?")
            statement.bind(1, Int(run))
            try statement.forEachRow(db) { row in
                if let id = row.text(0) { out[id] = row.bytes(1) }
            }
        }
        return out
    }

    public static func state(_ db: Database, run: Int64) throws -> RunState? {
        guard let row = try Row.fetchOne(db, sql: "SELECT depth, creator_digests FROM run_state WHERE run_id = ?", arguments: [run]) else { return nil }
        let bytes: Data = row[1]
        return RunState(depth: row[0], creatorDigests: RunState.decodeDigests([UInt8](bytes)))
    }

    /// v4 migration: each (run, product) group of the old one-row-per-entry table becomes one list.
    /// Old runs kept rounded scores and no state, so an incremental rescore after them runs in full.
    static func migrateLegacyShortlists(_ db: Database) throws {
        let groups = try Row.fetchAll(db, sql: "SELECT run_id, product_id FROM run_shortlists GROUP BY run_id, product_id")
        for group in groups {
            let run: Int64 = group[0]
            let product: String = group[1]
            let rows = try Row.fetchAll(db, sql: "SELECT creator_id, score, entry FROM run_shortlists WHERE run_id = ? AND product_id = ? ORDER BY rank", arguments: [run, product])
            let ranked = RankedList(entries: rows.map { RankedList.Entry(creatorID: $0[0], score: Float($0[1] as Double)) }, boundary: nil)
            try db.execute(sql: "INSERT INTO run_lists (product_id, published, ranked, entries) VALUES (?, ?, ?, ?)", arguments: [
                product, rows.count, Data(ranked.encoded()), "[" + rows.map { $0[2] as String }.joined(separator: ",") + "]",
            ])
            try db.execute(sql: "UPDATE run_products SET list_id = ? WHERE run_id = ? AND product_id = ?", arguments: [db.lastInsertedRowID, run, product])
        }
    }
}
