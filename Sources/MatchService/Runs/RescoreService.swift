import Foundation
import GRDB
import Logging
import MatchCore
import MatchKernels
import MatchStore

public enum CreatorMatchVersion {
    public static let current = "0.1.0"
}

public struct RescoreRequest: Sendable {
    public var asOf: Day
    public var k = 50
    public var rankBy = RankBy.blended
    /// Keep this many published runs (older ones are deleted); nil keeps all.
    public var keep: Int?
    /// Wait for a running rescore to finish instead of failing at once.
    public var wait = false
    public var tiles = TileConfiguration()

    public init(asOf: Day) {
        self.asOf = asOf
    }
}

public struct RescoreSummary: Codable, Sendable {
    public let run_id: Int64
    public let status: String
    public let as_of: String
    public let products_scored: Int
    public let products_skipped: Int
    public let creators: Int
    public let duration_ms: Int
    public let timings_ms: [String: Int]
    /// Against the previous published run (nil for the first run).
    public let changes: RunDiffSummary?
    public let cleaned_up_failed_runs: [Int64]
    public let pruned_runs: Int
}

/// The nightly job: eligibility, shortlists for every eligible product and commission suggestions,
/// computed under a new run and published in one transaction. One at a time (a lock file next to the
/// database); a run killed at any point leaves the database consistent and the last published run
/// untouched, and the next rescore marks it failed.
public struct RescoreService: Sendable {
    let database: MatchDatabase
    let models: ModelCatalog
    let clock: any WallClock
    let logger: Logger

    public init(database: MatchDatabase, models: ModelCatalog, clock: any WallClock = SystemClock(), logger: Logger = Logger(label: "creatormatch.rescore")) {
        self.database = database
        self.models = models
        self.clock = clock
        self.logger = logger
    }

    /// How long the last published run took (from its manifest), to estimate the next one.
    public func expectedDurationMs() -> Int? {
        guard let run = try? database.read({ db in try RunStore.latestPublished(db) }) else { return nil }
        struct Manifest: Decodable { let durations_ms: [String: Int]? }
        return (try? JSONDecoder().decode(Manifest.self, from: Data(run.manifest.utf8)))?.durations_ms?["total"]
    }

    public func rescore(_ request: RescoreRequest, progress: ((String) -> Void)? = nil) throws(MatchError) -> RescoreSummary {
        let lock = try RescoreLock(databasePath: database.path, wait: request.wait)
        defer { lock.release() }
        let started = clock.now()
        let monotonic = ContinuousClock().now
        var timings: [String: Int] = [:]
        func lap(_ name: String, _ since: ContinuousClock.Instant) {
            let d = ContinuousClock().now - since
            timings[name] = Int(d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000)
        }

        let parameters = "{\"k\":\(request.k),\"rank_by\":\"\(request.rankBy.rawValue)\",\"as_of\":\"\(request.asOf)\"}"
        let (runID, cleaned, previous): (Int64, [Int64], RunRecord?) = try database.write { db in
            let cleaned = try RunStore.failAbandoned(db, finishedAt: started.iso8601)
            try ChangeLog.record(db, writer: ChangeLog.processWriter, tables: ["runs"], at: started.iso8601)
            var digest = FNV1a64()
            digest.combine(try StoreQueries.contentFingerprint(db))
            let id = try RunStore.start(
                db, startedAt: started.iso8601, asOf: request.asOf, rankBy: request.rankBy.rawValue, k: request.k,
                modelsDigest: models.digest, inputsDigest: digest.hexDigest, codeVersion: CreatorMatchVersion.current,
                manifest: "{\"parameters\":\(parameters)}", pid: Int(getpid()))
            return (id, cleaned, try RunStore.latestPublished(db))
        }
        logger.info("rescore.started", metadata: ["run.id": "\(runID)"])
        do {
            progress?("eligibility")
            let t0 = ContinuousClock().now
            let eligibility = try EligibilityService(database: database, models: models).report(scope: .all, asOf: request.asOf)
            lap("eligibility", t0)
            progress?("shortlists")
            var shortlistRequest = ShortlistRequest(selection: .allEligible, asOf: request.asOf)
            shortlistRequest.k = request.k
            shortlistRequest.rankBy = request.rankBy
            shortlistRequest.tiles = request.tiles
            let t1 = ContinuousClock().now
            let report = try ShortlistService(database: database, models: models, logger: logger).shortlists(shortlistRequest)
            lap("shortlists", t1)
            for (name, ms) in report.timings_ms { timings["shortlists." + name] = ms }

            progress?("publishing")
            let t2 = ContinuousClock().now
            let byProduct = Dictionary(uniqueKeysWithValues: report.shortlists.map { ($0.product_id, $0) })
            let skipped = Dictionary(uniqueKeysWithValues: report.skipped.map { ($0.product_id, $0) })
            let products = eligibility.products.map { entry -> RunProductRow in
                let shortlist = byProduct[entry.id]
                let reasons = skipped[entry.id]?.reasons ?? entry.reasons.map { $0.message + ($0.to_requalify.map { " → " + $0 } ?? "") }
                let status = skipped[entry.id]?.status ?? entry.status
                return RunProductRow(
                    productID: entry.id, status: status == "no_vector" ? "no_vector" : entry.status,
                    reasons: JSONText.array(reasons), suggestedRate: shortlist?.suggested_open_rate, targetRate: shortlist?.offered_rate)
            }
            var rows: [RunShortlistRow] = []
            for shortlist in report.shortlists {
                for entry in shortlist.creators {
                    let json = entry.jsonText
                    rows.append(RunShortlistRow(productID: shortlist.product_id, rank: entry.rank, creatorID: entry.creator_id, score: entry.score, similarity: entry.similarity, entry: json))
                }
            }
            let finished = clock.now()
            lap("total", monotonic)
            let counts = "{\"products\":\(eligibility.products.count),\"scored\":\(report.shortlists.count),\"skipped\":\(report.skipped.count),\"creators\":\(report.candidates),\"entries\":\(rows.count)}"
            let durations = "{" + timings.keys.sorted().map { "\(JSONText.string($0)):\(timings[$0]!)" }.joined(separator: ",") + "}"
            let manifest = "{\"parameters\":\(parameters),\"counts\":\(counts),\"durations_ms\":\(durations),\"models_digest\":\"\(models.digest)\",\"code_version\":\"\(CreatorMatchVersion.current)\"}"
            // Publish in one short write transaction; compare with the previous run and prune old runs
            // afterwards, so the write lock is not held for the comparison.
            try database.write { db in
                try RunStore.publish(db, run: runID, finishedAt: finished.iso8601, manifest: manifest, products: products, shortlists: rows)
                try ChangeLog.record(db, writer: ChangeLog.processWriter, tables: ["runs", "run_products", "run_shortlists"], at: finished.iso8601)
            }
            let changes: RunDiffSummary? = try previous.map { old in
                try database.read { db in try RunDiff.compare(db, from: old.id, to: runID).summary }
            }
            let pruned = try request.keep.map { keep in try database.write { db in try RunStore.prune(db, keep: keep) } } ?? 0
            lap("publish", t2)
            lap("total", monotonic)
            logger.info("rescore.published", metadata: ["run.id": "\(runID)", "job.duration_ms": "\(timings["total"] ?? 0)"])
            return RescoreSummary(
                run_id: runID, status: "published", as_of: request.asOf.description, products_scored: report.shortlists.count,
                products_skipped: report.skipped.count, creators: report.candidates, duration_ms: timings["total"] ?? 0,
                timings_ms: timings, changes: changes, cleaned_up_failed_runs: cleaned, pruned_runs: pruned)
        } catch {
            let message = (error as? MatchError)?.message ?? "\(error)"
            try? database.write { db in try RunStore.fail(db, run: runID, finishedAt: clock.now().iso8601, error: message) }
            throw (error as? MatchError) ?? MatchError(.database, "the rescore failed: \(message)")
        }
    }
}

/// An exclusive lock on `<database>.rescore.lock` (flock): released when the process ends however it
/// ends, so a killed rescore never blocks the next one.
final class RescoreLock {
    private let fd: Int32
    let path: String

    init(databasePath: String, wait: Bool) throws(MatchError) {
        path = databasePath + ".rescore.lock"
        fd = open(path, O_CREAT | O_RDWR, 0o644)
        guard fd >= 0 else {
            throw MatchError(.io, "cannot open the lock file \(path): \(String(cString: strerror(errno))); check the folder's permissions")
        }
        if flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0 {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(fd)
            throw MatchError(.locked, "another rescore is running on this database\(holder.isEmpty ? "" : " (pid \(holder))"); wait for it, or run with --wait to queue behind it")
        }
        _ = ftruncate(fd, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { write(fd, $0, strlen($0)) }
    }

    func release() {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
