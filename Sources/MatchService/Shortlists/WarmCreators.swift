import Foundation
import GRDB
import MatchCore
import MatchKernels
import MatchStore

/// Creators kept in memory between requests (the JSON-RPC server): every creator with a vector, in
/// id order, with profiles, the normalized matrix and its bfloat16 packing. A change committed by any
/// other connection — another process's import, or this server's own upserts — moves SQLite's
/// `data_version` on a connection kept for watching it, and the next request reloads.
public final class WarmCreators: @unchecked Sendable {
    struct Snapshot {
        let pool: CandidatePool
        let matrix: FeatureMatrix
        let packed: [UInt32]?
    }

    private let lock = Lock()
    private let watcher: DatabaseQueue
    private var snapshot: Snapshot?
    private var version: Int?
    /// How many times the creators were (re)loaded, for tests and logs.
    public private(set) var loads = 0

    public init(databasePath: String) throws(MatchError) {
        do {
            var configuration = Configuration()
            configuration.readonly = true
            watcher = try DatabaseQueue(path: databasePath, configuration: configuration)
        } catch {
            throw MatchError(.database, "cannot watch \(databasePath) for changes: \(error)")
        }
    }

    func dataVersion() throws -> Int {
        try watcher.inDatabase { try Int.fetchOne($0, sql: "PRAGMA data_version") ?? 0 }
    }

    /// The creators as of now: the kept snapshot when nothing changed since it was read, else a fresh one
    /// read in `db`'s transaction.
    func current(_ db: Database, model: String, dimension: Int, categoryIndex: [String: Int32], ranking: BlendedRanking) throws -> Snapshot {
        try lock.withLock {
            let now = try dataVersion()
            if let snapshot, now == version, snapshot.matrix.dimension == dimension { return snapshot }
            let pool = try CandidatePool.load(db, model: model, categoryIndex: categoryIndex, ranking: ranking)
            let matrix = try VectorQueries.normalizedCreatorMatrix(db, model: model, dimension: dimension, rows: pool.total)
            let fresh = Snapshot(pool: pool, matrix: matrix, packed: TopKSearch.packForBFloat16(matrix))
            snapshot = fresh
            version = now
            loads += 1
            return fresh
        }
    }
}
