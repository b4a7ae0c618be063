import GRDB
import GRDBSQLite
import MatchCore

/// The profile fields the matcher reads for every creator with a vector, in id order.
public struct CreatorProfileRow: Sendable {
    public var id: String
    public var username: String?
    public var followers: Int
    /// The stored JSON object: category name → GMV share.
    public var categoriesJSON: String
    public var gmv30d: MetricRange?
    public var gpm: MetricRange?
    public var unitsSold30d: MetricRange?
    public var postRate: Double?
    public var avgCommissionRate: Int?
}

/// Streaming reads of vectors and creator profiles through the C API (a million rows per query).
/// Both creator queries walk `vectors` in (owner_kind, model, owner_id) key order — creator id in
/// byte order — so row i of one is row i of the other within one read transaction.
public enum VectorQueries {
    static let creatorRowsSQL = """
        SELECT c.id, c.username, c.followers, c.categories, c.gmv_30d_min, c.gmv_30d_max, c.gpm_min, c.gpm_max,
               c.units_sold_30d_min, c.units_sold_30d_max, c.post_rate, c.avg_commission_rate
        FROM vectors v JOIN creators c ON c.id = v.owner_id
        WHERE v.owner_kind = 'creator' AND v.model = ?
        ORDER BY v.owner_id
        """

    static let creatorVectorsSQL = """
        SELECT v.data FROM vectors v
        WHERE v.owner_kind = 'creator' AND v.model = ?
        ORDER BY v.owner_id
        """

    /// Calls `body` with every creator that has a vector in `model`, in id order.
    public static func forEachCreatorProfile(_ db: Database, model: String, _ body: (CreatorProfileRow) throws -> Void) throws {
        let statement = try RawStatement(db, creatorRowsSQL)
        statement.bind(1, model)
        try statement.forEachRow(db) { row in
            try body(CreatorProfileRow(
                id: row.text(0)!, username: row.text(1), followers: row.int(2) ?? 0,
                categoriesJSON: row.text(3) ?? "{}",
                gmv30d: row.range(4, 5), gpm: row.range(6, 7), unitsSold30d: row.range(8, 9),
                postRate: row.double(10), avgCommissionRate: row.int(11)))
        }
    }

    /// Calls `body` with every creator vector of `model` in id order (the same order as
    /// `forEachCreatorProfile`). The buffer is valid only during the call.
    public static func forEachCreatorVector(_ db: Database, model: String, dimension: Int, _ body: (UnsafeBufferPointer<Float>) throws -> Void) throws {
        let statement = try RawStatement(db, creatorVectorsSQL)
        statement.bind(1, model)
        try statement.forEachRow(db) { row in
            try row.floats(0, dimension: dimension, body)
        }
    }

    /// The vector of each product in `ids` that has one in `model` (many ids: one scan of them all).
    public static func productVectors(_ db: Database, model: String, ids: [ProductID]) throws -> [ProductID: [Float]] {
        var result: [ProductID: [Float]] = [:]
        if ids.count > 64 {
            let wanted = Set(ids)
            let scan = try RawStatement(db, "SELECT owner_id, data, dimension FROM vectors WHERE owner_kind = 'product' AND model = ?")
            scan.bind(1, model)
            try scan.forEachRow(db) { row in
                guard let owner = row.text(0), let dimension = row.int(2) else { return }
                let id = ProductID(owner)
                guard wanted.contains(id) else { return }
                try row.floats(1, dimension: dimension) { result[id] = Array($0) }
            }
            return result
        }
        let statement = try RawStatement(db, "SELECT data, dimension FROM vectors WHERE owner_kind = 'product' AND model = ? AND owner_id = ?")
        for id in ids {
            statement.bind(1, model)
            statement.bind(2, id.rawValue)
            try statement.forEachRow(db) { row in
                guard let dimension = row.int(1) else { return }
                try row.floats(0, dimension: dimension) { result[id] = Array($0) }
            }
        }
        return result
    }

    /// The creator vectors of `model` whose row position passes `keep`, as one matrix (rows in id
    /// order), each scaled to unit length as it is read: one allocation of exactly the matrix's size.
    public static func normalizedCreatorMatrix(_ db: Database, model: String, dimension: Int, rows expected: Int, keep: (Int) -> Bool = { _ in true }) throws -> FeatureMatrix {
        var values = [Float](repeating: 0, count: expected * dimension)
        var rows = 0
        var position = 0
        try values.withUnsafeMutableBufferPointer { out in
            try forEachCreatorVector(db, model: model, dimension: dimension) { vector in
                defer { position += 1 }
                guard keep(position), rows < expected else { return }
                var sum = 0.0
                for v in vector { sum += Double(v) * Double(v) }
                let scale = sum > 0 ? 1 / sum.squareRoot() : 0
                let offset = rows * dimension
                for j in 0..<dimension { out[offset + j] = Float(Double(vector[j]) * scale) }
                rows += 1
            }
        }
        guard rows == expected else {
            throw MatchError(.database, "the creator vectors changed while they were read; try again")
        }
        return FeatureMatrix(rows: rows, dimension: dimension, values: values)
    }
}

/// A row of a `RawStatement` result, read through the C API.
struct RawRow {
    let handle: OpaquePointer

    func text(_ i: Int32) -> String? {
        guard sqlite3_column_type(handle, i) != SQLITE_NULL, let bytes = sqlite3_column_text(handle, i) else { return nil }
        return String(cString: bytes)
    }

    func int(_ i: Int32) -> Int? {
        sqlite3_column_type(handle, i) == SQLITE_NULL ? nil : Int(sqlite3_column_int64(handle, i))
    }

    func double(_ i: Int32) -> Double? {
        sqlite3_column_type(handle, i) == SQLITE_NULL ? nil : sqlite3_column_double(handle, i)
    }

    func bytes(_ i: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(handle, i))
        guard count > 0, let blob = sqlite3_column_blob(handle, i) else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: blob, count: count))
    }

    func range(_ low: Int32, _ high: Int32) -> MetricRange? {
        guard let min = double(low), let max = double(high) else { return nil }
        return MetricRange(min: min, max: max)
    }

    /// Reads a little-endian float32 BLOB of `dimension` components.
    func floats(_ i: Int32, dimension: Int, _ body: (UnsafeBufferPointer<Float>) throws -> Void) throws {
        let byteCount = Int(sqlite3_column_bytes(handle, i))
        guard byteCount == dimension * 4, let blob = sqlite3_column_blob(handle, i) else {
            throw MatchError(.database, "a stored vector has \(byteCount / 4) components where \(dimension) were expected; re-import the vectors")
        }
        #if _endian(big)
        fatalError("vector BLOBs are little-endian; big-endian hosts are not supported")
        #else
        let floats = blob.assumingMemoryBound(to: Float.self)
        try body(UnsafeBufferPointer(start: floats, count: dimension))
        #endif
    }
}

extension RawStatement {
    /// Steps once: the row, or nil when the statement is done (it is then left for `reset`).
    func step(_ db: Database) throws -> RawRow? {
        let handle = statement.sqliteStatement
        let code = sqlite3_step(handle)
        if code == SQLITE_DONE { return nil }
        guard code == SQLITE_ROW else {
            sqlite3_reset(handle)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: statement.sql)
        }
        return RawRow(handle: handle)
    }

    func reset() {
        sqlite3_reset(statement.sqliteStatement)
    }

    func forEachRow(_ db: Database, _ body: (RawRow) throws -> Void) throws {
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: statement.sql)
            }
            try body(RawRow(handle: handle))
        }
    }
}

extension VectorQueries {
    /// One creator's vector in `model`, or nil.
    public static func creatorVector(_ db: Database, model: String, id: CreatorID) throws -> [Float]? {
        let statement = try RawStatement(db, "SELECT data, dimension FROM vectors WHERE owner_kind = 'creator' AND model = ? AND owner_id = ?")
        statement.bind(1, model)
        statement.bind(2, id.rawValue)
        var result: [Float]?
        try statement.forEachRow(db) { row in
            guard let dimension = row.int(1) else { return }
            try row.floats(0, dimension: dimension) { result = Array($0) }
        }
        return result
    }
}
