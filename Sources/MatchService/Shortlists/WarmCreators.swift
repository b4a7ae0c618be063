import Foundation
import GRDB
import MatchCore
import MatchKernels
import MatchStore

/// Creators kept in memory between requests (the JSON-RPC server): every creator with a vector, in
/// id order, with profiles, the normalized matrix and its bfloat16 packing.
///
/// Freshness: SQLite's `data_version`, read on a connection kept for watching, moves whenever another
/// connection commits. The change log then says who wrote what: the server's own upserts were already
/// applied here in place (`apply`), writes to other tables do not concern creators, and anything else —
/// another process's creator import, or a write that left no log entry — reloads on the next request.
public final class WarmCreators: @unchecked Sendable {
    struct Snapshot {
        var pool: CandidatePool
        var matrix: FeatureMatrix
        var packed: [UInt32]?
        var logID: Int64
        var model: String
    }

    /// The change-log name of this server's own writes.
    public let writer: String
    private let lock = Lock()
    private let watcher: DatabaseQueue
    private var snapshot: Snapshot?
    private var version: Int?
    /// How many times the creators were (re)loaded from the database.
    public private(set) var loads = 0

    public init(databasePath: String, writer: String = "serve-\(UUID().uuidString.prefix(12))") throws(MatchError) {
        self.writer = writer
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

    /// The creators as of now, read in `db`'s transaction when the kept ones may be stale.
    func current(_ db: Database, model: String, dimension: Int, categoryIndex: [String: Int32], ranking: BlendedRanking) throws -> Snapshot {
        try lock.withLock {
            let now = try dataVersion()
            if var kept = snapshot, kept.model == model, kept.matrix.dimension == dimension {
                if now == version { return kept }
                let entries = try ChangeLog.since(db, id: kept.logID)
                let foreign = entries.contains { $0.writer != writer && !$0.tables.isDisjoint(with: ["creators", "vectors"]) }
                if !entries.isEmpty, !foreign {
                    kept.logID = entries.last!.id
                    snapshot = kept
                    version = now
                    return kept
                }
            }
            let logID = try ChangeLog.latestID(db)
            let pool = try CandidatePool.load(db, model: model, categoryIndex: categoryIndex, ranking: ranking)
            let matrix = try VectorQueries.normalizedCreatorMatrix(db, model: model, dimension: dimension, rows: pool.total)
            let fresh = Snapshot(pool: pool, matrix: matrix, packed: TopKSearch.packForBFloat16(matrix), logID: logID, model: model)
            snapshot = fresh
            version = now
            loads += 1
            return fresh
        }
    }

    /// Applies creators this server just upserted (and committed) to the kept snapshot, so the next
    /// request needs no reload: profiles replaced, vectors replaced or inserted in id order, missing GMV
    /// re-estimated and ranking terms recomputed exactly as a fresh load would.
    func apply(_ creators: [Creator], model: String, categoryIndex: [String: Int32], ranking: BlendedRanking) {
        lock.withLock {
            // Take the snapshot out so its arrays are uniquely held and change in place.
            guard var kept = snapshot else { return }
            snapshot = nil
            // Kept for another vector model (profile vectors): reload on the next request instead.
            guard kept.model == model else { return }
            let d = kept.matrix.dimension
            var changed = Set<Int>()
            var inserted = false
            for creator in creators {
                let categories = CandidatePool.parseCategories(JSONText.object(creator.categories), categoryIndex: categoryIndex)
                let signals = CandidatePool.signals(
                    gmv30d: creator.gmv30d, gpm: creator.gpm, postRate: creator.postRate,
                    avgCommissionRate: creator.avgCommissionRate, categories: categories)
                var normalized: [Float]?
                if let vector = creator.vector {
                    guard vector.count == d else { return }   // another dimension: leave it to a reload
                    normalized = FeatureMatrix(rows: 1, dimension: d, values: vector).normalized().values
                }
                if let i = kept.pool.index(of: creator.id.rawValue) {
                    kept.pool.usernames[i] = creator.username
                    kept.pool.followers[i] = creator.followers
                    kept.pool.gmvMax[i] = creator.gmv30d?.max
                    kept.pool.signals[i] = signals
                    if let normalized {
                        kept.matrix.values.replaceSubrange((i * d)..<((i + 1) * d), with: normalized)
                        if !inserted, kept.packed != nil { TopKSearch.repackGroup(of: i, in: kept.matrix, packed: &kept.packed!) }
                    }
                    changed.insert(i)
                } else if let normalized {
                    // Insert at its place in id byte order; later indices shift by one.
                    var i = 0
                    var high = kept.pool.ids.count
                    while i < high {
                        let mid = (i + high) / 2
                        if CreatorID(kept.pool.ids[mid]) < creator.id { i = mid + 1 } else { high = mid }
                    }
                    kept.pool.ids.insert(creator.id.rawValue, at: i)
                    kept.pool.usernames.insert(creator.username, at: i)
                    kept.pool.followers.insert(creator.followers, at: i)
                    kept.pool.gmvMax.insert(creator.gmv30d?.max, at: i)
                    kept.pool.signals.insert(signals, at: i)
                    kept.pool.strengths.insert(0, at: i)
                    kept.pool.postRates.insert(0, at: i)
                    kept.pool.bonusBounds.insert(0, at: i)
                    kept.matrix.values.insert(contentsOf: normalized, at: i * d)
                    kept.matrix = FeatureMatrix(rows: kept.matrix.rows + 1, dimension: d, values: kept.matrix.values)
                    kept.pool.total += 1
                    kept.pool.positions = Array(0..<kept.pool.total)
                    changed = Set(changed.map { $0 >= i ? $0 + 1 : $0 })
                    changed.insert(i)
                    inserted = true
                }
            }
            changed.formUnion(kept.pool.imputeMissingGMV())
            kept.pool.updateRankingTerms(ranking, at: changed)
            if inserted { kept.packed = TopKSearch.packForBFloat16(kept.matrix) }
            snapshot = kept
        }
    }
}
