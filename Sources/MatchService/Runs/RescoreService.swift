import Foundation
import GRDB
import Logging
import MatchCore
import MatchKernels
import MatchStore

public enum CreatorMatchVersion {
    public static let current = "0.3.0"
}

public struct RescoreRequest: Sendable {
    public var asOf: Day
    public var k = 50
    public var rankBy = RankBy.blended
    /// Keep this many published runs (older ones are deleted); nil keeps all.
    public var keep: Int?
    /// Wait for a running rescore to finish instead of failing at once.
    public var wait = false
    /// Recompute only what changed since the last published run (falls back to a full run when it
    /// cannot; the summary says why).
    public var incremental = false
    public var tiles = TileConfiguration()

    public init(asOf: Day) {
        self.asOf = asOf
    }

    /// Creators kept per product below the published k (the reserve), so that an incremental run can
    /// refill a shortlist when listed creators change.
    public var depth: Int { k + max(8, k / 5) }
}

public struct RescoreSummary: Codable, Sendable {
    public let run_id: Int64
    public let status: String
    public let as_of: String
    /// `full` or `incremental`.
    public let mode: String
    /// Why a requested incremental run computed everything (nil otherwise).
    public let full_reason: String?
    public let products_scored: Int
    public let products_skipped: Int
    public let creators: Int
    /// Creators whose inputs changed since the previous run (nil without a comparable previous run).
    public let creators_changed: Int?
    /// Products searched over every creator (the rest merged only changed creators into their list).
    public let products_searched: Int
    /// Lists shared with the previous run unchanged, and lists written by this run.
    public let lists_reused: Int
    public let lists_written: Int
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
///
/// Incremental runs are exact. Each run keeps, per product, a ranked list deeper than k with exact
/// scores and a boundary that every unlisted creator ranks after, a digest of the product's inputs
/// (vector, category, offered and suggested rates, exclusions) and a digest per creator (profile,
/// signals, normalized vector). The next incremental run scores only the changed creators against
/// products whose own digest did not change and merges them into the kept list; a product whose
/// digest changed, or whose list lost so many creators that fewer than k remain above the boundary,
/// is searched over every creator. A list equal to the previous run's is shared, not written again.
public struct RescoreService: Sendable {
    let database: MatchDatabase
    let models: ModelCatalog
    let clock: any WallClock
    let logger: Logger
    /// The server's creators kept in memory: a rescore through `serve` reads them from there instead
    /// of loading every creator (they are refreshed from the database first when stale).
    let warm: WarmCreators?

    public init(database: MatchDatabase, models: ModelCatalog, clock: any WallClock = SystemClock(), logger: Logger = Logger(label: "creatormatch.rescore"), warm: WarmCreators? = nil) {
        self.database = database
        self.models = models
        self.clock = clock
        self.logger = logger
        self.warm = warm
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
            timings[name] = (ContinuousClock().now - since).milliseconds
        }

        let parameters = "{\"k\":\(request.k),\"depth\":\(request.depth),\"rank_by\":\"\(request.rankBy.rawValue)\",\"as_of\":\"\(request.asOf)\",\"incremental\":\(request.incremental)}"
        let (runID, cleaned, previous): (Int64, [Int64], RunRecord?) = try database.write { db in
            let cleaned = try RunStore.failAbandoned(db, finishedAt: started.iso8601)
            try ChangeLog.record(db, writer: ChangeLog.processWriter, tables: ["runs"], at: started.iso8601)
            // The inputs digest is set when the run publishes, from what it read (`RescorePlan.inputsDigest`).
            let id = try RunStore.start(
                db, startedAt: started.iso8601, asOf: request.asOf, rankBy: request.rankBy.rawValue, k: request.k,
                modelsDigest: models.digest, inputsDigest: "pending", codeVersion: CreatorMatchVersion.current,
                manifest: "{\"parameters\":\(parameters)}", pid: Int(getpid()))
            return (id, cleaned, try RunStore.latestPublished(db))
        }
        logger.info("rescore.started", metadata: ["run.id": "\(runID)"])
        do {
            progress?("eligibility")
            var shortlistRequest = ShortlistRequest(selection: .allEligible, asOf: request.asOf)
            shortlistRequest.k = request.k
            shortlistRequest.rankBy = request.rankBy
            shortlistRequest.tiles = request.tiles
            let service = ShortlistService(database: database, models: models, warm: warm, logger: logger)
            // The previous run is read on another thread (a published run never changes); the creators
            // and everything about the products (eligibility, vectors, invitations, commission) are read
            // at the same time, in two read transactions on one snapshot.
            let (database, models, asOf, shortlistInput) = (database, models, request.asOf, shortlistRequest)
            let previousTask = previous.map { record in
                Background { try database.read { db in try RescorePlan.PreviousRun.read(db, record) } }
            }

            progress?("shortlists")
            let t1 = ContinuousClock().now
            // The change log as the previous run read it (runs before 0.3.1 did not keep it).
            let previousLogID = previous.flatMap { Self.changeLogID(manifest: $0.manifest) }
            let (creatorSide, productSide) = try database.readConcurrently({ db in
                let creators = try service.loadCreators(db, shortlistInput)
                // The creators' digests and the previous lists as pool indices need nothing else.
                let digests = RescorePlan.CreatorDigests(pool: creators.pool, matrix: creators.matrix!)
                let previousIndices = try previousTask.map { try RescorePlan.indices($0.value().lists, index: digests.index) } ?? [:]
                return (creators: creators, digests: digests, previousIndices: previousIndices)
            }, { db in
                let started = ContinuousClock().now
                let space = try service.vectorSpace(db, shortlistInput)
                let report = try EligibilityService(database: database, models: models).report(db, scope: .all, asOf: asOf)
                let eligibilityMs = (ContinuousClock().now - started).milliseconds
                let selection = try service.selectProducts(shortlistInput, eligibility: report)
                let products = try service.loadProducts(db, shortlistInput, selection: selection, model: space.model, dimension: space.dimension, allLinks: true)
                let logID = try ChangeLog.latestID(db)
                let removed = try previousLogID.map { try ChangeLog.invitationsRemoved(db, since: $0) } ?? true
                return (eligibility: report, eligibilityMs: eligibilityMs, products: products, logID: logID, invitationsRemoved: removed)
            })
            let eligibility = productSide.eligibility
            timings["eligibility"] = productSide.eligibilityMs
            let inputs = try service.assemble(shortlistInput, creators: creatorSide.creators, products: productSide.products, db: nil, creatorIndex: creatorSide.digests.index)
            lap("load", t1)
            for (part, ms) in inputs.loadTimings { timings["load." + part] = ms }
            let tPlan = ContinuousClock().now
            var planning = RescorePlan(inputs: inputs, request: request, creators: creatorSide.digests)
            planning.previousIndices = creatorSide.previousIndices
            if let previousTask { planning.compare(with: try previousTask.value(), models: models) }
            // Which shop-wide exclusions can have lapsed since the previous run, when that is knowable:
            // invitations only added since (none removed or re-dated), declines not excluding.
            if planning.incremental, let previous, let previousAsOf = Day(iso8601: previous.as_of), let links = productSide.products.links,
               !productSide.invitationsRemoved, !shortlistInput.filters.excludeDeclined {
                planning.lapsed = RescorePlan.lapsedExclusions(
                    links: links, previousAsOf: previousAsOf, asOf: request.asOf,
                    recentDays: service.recentlyInvitedDays(shortlistInput), index: creatorSide.digests.index)
            }
            lap("digests", tPlan)
            let t2 = ContinuousClock().now
            try planning.rank()
            lap("search", t2)
            let plan = planning

            progress?("publishing")
            let t3 = ContinuousClock().now
            let choices = try plan.chooseLists(database: database)
            let creatorParts = plan.creatorParts()
            lap("entries", t3)
            let skipped = Dictionary(uniqueKeysWithValues: inputs.skipped.map { ($0.product_id, $0) })
            let productIndex = Dictionary(uniqueKeysWithValues: inputs.products.enumerated().map { ($0.element.id.rawValue, $0.offset) })
            let products = eligibility.products.map { entry -> (row: RunProductRow, list: RunListChoice?) in
                let p = productIndex[entry.id]
                let reasons = skipped[entry.id]?.reasons ?? entry.reasons.map { $0.message + ($0.to_requalify.map { " → " + $0 } ?? "") }
                let status = skipped[entry.id]?.status == "no_vector" ? "no_vector" : entry.status
                let row = RunProductRow(
                    productID: entry.id, status: status, reasons: JSONText.array(reasons),
                    suggestedRate: p.flatMap { inputs.suggestions[inputs.products[$0].id]?.suggested },
                    targetRate: p.flatMap { inputs.offeredRates[$0] }, digest: p.map { plan.productDigests[$0] })
                return (row, p.map { choices[$0] })
            }
            let reused = choices.filter { if case .existing = $0 { true } else { false } }.count
            // What changed, from memory (the previous run's rows and lists were read to compare digests),
            // on another thread while this one publishes and prunes.
            let k = request.k
            let comparing = previous.map { old in
                Background { () -> (summary: RunDiffSummary, ms: Int) in
                    let started = ContinuousClock().now
                    let rows = Dictionary(uniqueKeysWithValues: products.map { ($0.row.productID, $0.row) })
                    let summary = RunDiff.diff(from: old.id, to: runID, old: plan.previousProducts, new: rows, detail: false) { id in
                        let before = plan.previousLists[id]?.creators.map(\.creatorID) ?? []
                        guard let p = productIndex[id] else { return (before, []) }
                        if case .existing = choices[p] { return nil }
                        return (before, plan.ranked[p].entries.prefix(k).map(\.creatorID))
                    }.summary
                    return (summary, (ContinuousClock().now - started).milliseconds)
                }
            }
            let t4 = ContinuousClock().now
            let finished = clock.now()
            lap("total", monotonic)
            let entryCount = plan.ranked.reduce(0) { $0 + min(request.k, $1.entries.count) }
            var counts = "{\"products\":\(eligibility.products.count),\"scored\":\(inputs.products.count),\"skipped\":\(inputs.skipped.count),\"creators\":\(inputs.pool.ids.count),\"entries\":\(entryCount)"
            counts += ",\"searched\":\(plan.searched),\"lists_reused\":\(reused),\"lists_written\":\(choices.count - reused)"
            if let changed = plan.changedCount { counts += ",\"creators_changed\":\(changed)" }
            counts += "}"
            let durations = "{" + timings.keys.sorted().map { "\(JSONText.string($0)):\(timings[$0]!)" }.joined(separator: ",") + "}"
            let mode = plan.incremental ? "incremental" : "full"
            var manifest = "{\"parameters\":\(parameters),\"mode\":\"\(mode)\",\"counts\":\(counts),\"durations_ms\":\(durations)"
            if request.incremental, let reason = plan.fullReason { manifest += ",\"full_reason\":" + JSONText.string(reason) }
            manifest += ",\"change_log_id\":\(productSide.logID)"
            manifest += ",\"models_digest\":\"\(models.digest)\",\"code_version\":\"\(CreatorMatchVersion.current)\"}"
            // Publish in one short write transaction, then prune old runs. The log of the publishing
            // transaction (80 MB when every list is new) is copied into the database file on another
            // thread while the old runs are pruned, not inside the commit.
            let inputsDigest = plan.inputsDigest(products.map(\.row))
            let pruned: Int = try database.withoutAutomaticCheckpoints { () throws(MatchError) -> Int in
                try database.write { db in
                    try RunStore.publish(
                        db, run: runID, finishedAt: finished.iso8601, manifest: manifest, inputsDigest: inputsDigest,
                        products: products, creators: creatorParts, state: plan.state)
                    try ChangeLog.record(db, writer: ChangeLog.processWriter, tables: ["runs", "run_products", "run_lists", "run_creators", "run_state"], at: finished.iso8601)
                }
                lap("publish", t4)
                let checkpoint = database.checkpointInBackground()
                let t6 = ContinuousClock().now
                var pruned = 0
                if let keep = request.keep { pruned = try database.write { db in try RunStore.prune(db, keep: keep) } }
                lap("prune", t6)
                // The pruning's own log is copied now too, rather than when the database is closed.
                let t7 = ContinuousClock().now
                try? checkpoint.value()
                database.checkpoint()
                lap("checkpoint", t7)
                return pruned
            }
            let compared = try comparing?.value()
            let changes = compared?.summary
            timings["compare"] = compared?.ms ?? 0
            lap("total", monotonic)
            logger.info("rescore.published", metadata: ["run.id": "\(runID)", "job.duration_ms": "\(timings["total"] ?? 0)", "rescore.mode": "\(mode)"])
            return RescoreSummary(
                run_id: runID, status: "published", as_of: request.asOf.description, mode: mode,
                full_reason: request.incremental ? plan.fullReason : nil, products_scored: inputs.products.count,
                products_skipped: inputs.skipped.count, creators: inputs.pool.ids.count, creators_changed: plan.changedCount,
                products_searched: plan.searched, lists_reused: reused, lists_written: choices.count - reused,
                duration_ms: timings["total"] ?? 0, timings_ms: timings, changes: changes, cleaned_up_failed_runs: cleaned, pruned_runs: pruned)
        } catch {
            let message = (error as? MatchError)?.message ?? "\(error)"
            try? database.write { db in try RunStore.fail(db, run: runID, finishedAt: clock.now().iso8601, error: message) }
            throw (error as? MatchError) ?? MatchError(.database, "the rescore failed: \(message)")
        }
    }
}

extension RescoreService {
    /// The change-log entry a run's reads saw last (its manifest's `change_log_id`).
    static func changeLogID(manifest: String) -> Int64? {
        struct Manifest: Decodable { let change_log_id: Int64? }
        return (try? JSONDecoder().decode(Manifest.self, from: Data(manifest.utf8)))?.change_log_id
    }
}

/// An exclusive lock on `<database>.rescore.lock` (flock): released when the process ends however it
/// ends, so a killed rescore never blocks the next one. The lock file sits beside the database's real
/// file (symbolic links and `.`/`..` resolved), so every spelling of the path takes the same lock.
/// (Not a lock on the database file itself: closing any descriptor of that file would drop the POSIX
/// locks SQLite holds on it in this process.)
final class RescoreLock {
    private let fd: Int32
    let path: String

    static func lockPath(databasePath: String) -> String {
        guard let resolved = realpath(databasePath, nil) else { return databasePath + ".rescore.lock" }
        defer { free(resolved) }
        return String(cString: resolved) + ".rescore.lock"
    }

    init(databasePath: String, wait: Bool) throws(MatchError) {
        path = Self.lockPath(databasePath: databasePath)
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
