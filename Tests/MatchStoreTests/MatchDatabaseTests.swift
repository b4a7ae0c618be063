import Foundation
import GRDB
import MatchCore
import Testing
@testable import MatchStore

func temporaryDatabasePath(_ name: String = "test.sqlite") -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("creatormatch-store-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory.appendingPathComponent(name).path
}

@Suite struct MatchDatabaseTests {
    @Test func migratesAnEmptyFileAndReopensIt() throws {
        let path = temporaryDatabasePath()
        let first = try MatchDatabase(path: path)
        #expect(try first.appliedMigrations() == ["v1-foundation", "v2-runs", "v3-change-log", "v4-shared-run-lists", "v5-sample-requests", "v6-creator-price-range", "v7-run-list-cards", "v8-run-creators", "v9-covering-outcomes-index", "v10-invitation-removals-logged"])
        try first.write { db in
            try db.execute(sql: "INSERT INTO shops (id, rating, status, updated_at) VALUES ('s1', 4, 'active', 'now')")
        }
        let journal = try first.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(journal == "wal")
        let reopened = try MatchDatabase(path: path)
        #expect(try reopened.read { db in try StoreQueries.counts(db) }.shops == 1)
        #expect(try reopened.appliedMigrations() == ["v1-foundation", "v2-runs", "v3-change-log", "v4-shared-run-lists", "v5-sample-requests", "v6-creator-price-range", "v7-run-list-cards", "v8-run-creators", "v9-covering-outcomes-index", "v10-invitation-removals-logged"])
    }

    /// Two concurrent reads see one snapshot, though another connection (as another process would)
    /// commits all the while.
    @Test func concurrentReadsShareOneSnapshotWhileOthersCommit() throws {
        let path = temporaryDatabasePath()
        let database = try MatchDatabase(path: path)
        let other = try MatchDatabase(path: path)
        let stop = Lock()
        nonisolated(unsafe) var stopped = false
        let writer = Background { () throws -> Int in
            var commits = 0
            while !stop.withLock({ stopped }) {
                try other.write { db in try ChangeLog.record(db, writer: "other", tables: ["creators"], at: "now") }
                commits += 1
            }
            return commits
        }
        @Sendable func count(_ db: Database) throws -> Int { try Int.fetchOne(db, sql: "SELECT count(*) FROM change_log")! }
        var seen: [Int] = []
        for _ in 0..<20 {
            // At least one commit between two iterations, whatever the thread above manages.
            try other.write { db in try ChangeLog.record(db, writer: "other", tables: ["creators"], at: "now") }
            let (a, b) = try database.readConcurrently({ db in
                usleep(3000)   // commits happen meanwhile: they must not show
                let first = try count(db)
                usleep(1000)
                return (first, try count(db))
            }, { db in try count(db) })
            #expect(a.0 == b && a.1 == b)
            seen.append(b)
        }
        stop.withLock { stopped = true }
        _ = try writer.value()
        #expect(Set(seen).count == 20, "the other connection's commits did not show between the reads")
    }

    /// While another connection holds the write lock (a long import), the two reads run one after the
    /// other on one snapshot instead of waiting for it.
    @Test func concurrentReadsDoNotWaitForAnotherWriter() throws {
        let path = temporaryDatabasePath()
        let database = try MatchDatabase(path: path)
        try database.write { db in try ChangeLog.record(db, writer: "first", tables: ["creators"], at: "now") }
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true   // the lock is held across accesses, as a long import would
        let importer = try DatabaseQueue(path: path, configuration: configuration)
        try importer.inDatabase { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            try ChangeLog.record(db, writer: "importing", tables: ["creators"], at: "now")
        }
        let started = ContinuousClock().now
        @Sendable func count(_ db: Database) throws -> Int { try Int.fetchOne(db, sql: "SELECT count(*) FROM change_log")! }
        let (a, b) = try database.readConcurrently(count, count)
        #expect(a == 1 && b == 1)
        #expect(ContinuousClock().now - started < .seconds(2))
        try importer.inDatabase { db in try db.execute(sql: "COMMIT") }
        #expect(try database.readConcurrently(count, count) == (2, 2))
        // The writer waits as long as before for other locks.
        #expect(try database.write { db in try Int.fetchOne(db, sql: "PRAGMA busy_timeout")! } == 5000)
    }

    /// A rescore turns automatic checkpoints off while it publishes and checkpoints itself: the writer
    /// (in a server, every later write) gets its setting back however the body ends.
    @Test func automaticCheckpointsComeBackAfterAPublishingBody() throws {
        let database = try MatchDatabase(path: temporaryDatabasePath())
        func setting() throws(MatchError) -> Int { try database.write { db in try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint")! } }
        #expect(try setting() == 1000)
        #expect(throws: MatchError.self) {
            try database.withoutAutomaticCheckpoints { () throws(MatchError) in
                #expect(try setting() == 0)
                throw MatchError(.invalidInput, "fails midway")
            }
        }
        #expect(try setting() == 1000)
    }

    @Test func runsPublishedBeforeSharedListsSurviveTheMigration() throws {
        let path = temporaryDatabasePath()
        do {
            let queue = try DatabaseQueue(path: path)
            try Schema.migrator.migrate(queue, upTo: "v3-change-log")
            try queue.write { db in
                try db.execute(sql: """
                    INSERT INTO runs (id, status, started_at, as_of, rank_by, k, models_digest, inputs_digest, code_version) VALUES (1, 'published', 'now', '2026-11-25', 'blended', 2, 'm', 'i', '0.1.0');
                    INSERT INTO run_products (run_id, product_id, status) VALUES (1, 'p1', 'eligible'), (1, 'p2', 'temporarily_disqualified');
                    INSERT INTO run_shortlists (run_id, product_id, rank, creator_id, score, similarity, entry) VALUES
                        (1, 'p1', 2, 'c2', 0.5, 0.5, '{"creator_id":"c2","rank":2}'),
                        (1, 'p1', 1, 'c1', 0.75, 0.75, '{"creator_id":"c1","rank":1}');
                    """)
            }
        }
        let database = try MatchDatabase(path: path)
        try database.read { db in
            let lists = try RunStore.lists(db, run: 1)
            #expect(lists.keys.sorted() == ["p1"])
            #expect(lists["p1"]?.creators.map(\.creatorID) == ["c1", "c2"])
            #expect(lists["p1"]?.creators.map(\.score) == [0.75, 0.5])
            #expect(try RunStore.payloads(db, run: 1)["p1"]?.entries == #"[{"creator_id":"c1","rank":1},{"creator_id":"c2","rank":2}]"#)
            #expect(try RunStore.payloads(db, run: 1)["p1"]?.cards == nil)
            #expect(try RunStore.products(db, run: 1).map(\.status) == ["eligible", "temporarily_disqualified"])
            #expect(try Bool.fetchOne(db, sql: "SELECT count(*) = 0 FROM sqlite_master WHERE name = 'run_shortlists'") == true)
        }
    }

    @Test func refusesADatabaseFromANewerVersion() throws {
        let path = temporaryDatabasePath()
        let database = try MatchDatabase(path: path)
        try database.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v9-from-the-future')")
        }
        do {
            _ = try MatchDatabase(path: path)
            Issue.record("expected a newer-schema error")
        } catch {
            #expect(error.code == .newerSchema)
            #expect(error.message.contains("newer CreatorMatch"))
            #expect(error.message.contains("v9-from-the-future"))
        }
    }

    @Test func refusesAFileThatIsNotADatabase() throws {
        let path = temporaryDatabasePath()
        try Data("this is not sqlite, just text that is long enough to look like a header........".utf8).write(to: URL(fileURLWithPath: path))
        #expect { _ = try MatchDatabase(path: path) } throws: { ($0 as? MatchError)?.message.contains("not a SQLite database") == true }
    }

    @Test func refusesAnotherProgramsDatabase() throws {
        let path = temporaryDatabasePath()
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: "CREATE TABLE notes (text TEXT)") }
        try queue.close()
        #expect { _ = try MatchDatabase(path: path) } throws: { ($0 as? MatchError)?.message.contains("another program") == true }
    }

    @Test func schemaEnforcesRatesForeignKeysAndVectorDimensions() throws {
        let database = try MatchDatabase(path: temporaryDatabasePath())
        try database.write { db in
            try db.execute(sql: "INSERT INTO shops (id, rating, status, updated_at) VALUES ('s1', 4, 'active', 'now')")
        }
        func rejects(_ sql: String) {
            #expect(throws: MatchError.self, "\(sql)") { try database.write { db in try db.execute(sql: sql) } }
        }
        rejects("INSERT INTO products (id, shop_id, category, category_group, price, status, commission_rate, updated_at) VALUES ('p1', 's1', 'x', 'fmcg', 1, 'live', 99, 'now')")
        rejects("INSERT INTO products (id, shop_id, category, category_group, price, status, commission_rate, updated_at) VALUES ('p1', 's1', 'x', 'fmcg', 1, 'live', 8001, 'now')")
        rejects("INSERT INTO products (id, shop_id, category, category_group, price, status, updated_at) VALUES ('p1', 'nope', 'x', 'fmcg', 1, 'live', 'now')")
        rejects("INSERT INTO products (id, shop_id, category, category_group, price, status, updated_at) VALUES ('p1', 's1', 'x', 'fmcg', 0, 'live', 'now')")
        rejects("INSERT INTO shops (id, rating, status, updated_at) VALUES ('s2', 5.1, 'active', 'now')")
        try database.write { db in
            try db.execute(sql: "INSERT INTO products (id, shop_id, category, category_group, price, status, commission_rate, updated_at) VALUES ('p1', 's1', 'x', 'fmcg', 1, 'live', 8000, 'now')")
            let writer = ImportWriter(db: db, timestamp: "now", today: Day(daysSinceEpoch: 0), delays: RateChangeDelays(targetDays: 1, existingPromotersDays: 30))
            try writer.createVectorSpace(VectorSpace(ownerKind: .product, model: "m", modelVersion: 1, dimension: 3))
            try writer.upsertVector([1, 2, 3], owner: "p1", in: VectorSpace(ownerKind: .product, model: "m", modelVersion: 1, dimension: 3))
        }
        // A vector whose dimension differs from its space, or whose owner is missing.
        #expect(throws: MatchError.self) {
            try database.write { db in
                let writer = ImportWriter(db: db, timestamp: "now", today: Day(daysSinceEpoch: 0), delays: RateChangeDelays(targetDays: 1, existingPromotersDays: 30))
                try writer.upsertVector([1, 2], owner: "p1", in: VectorSpace(ownerKind: .product, model: "m", modelVersion: 1, dimension: 2))
            }
        }
        #expect(throws: MatchError.self) {
            try database.write { db in
                let writer = ImportWriter(db: db, timestamp: "now", today: Day(daysSinceEpoch: 0), delays: RateChangeDelays(targetDays: 1, existingPromotersDays: 30))
                try writer.upsertVector([1, 2, 3], owner: "ghost", in: VectorSpace(ownerKind: .product, model: "m", modelVersion: 1, dimension: 3))
            }
        }
        // The stored BLOB is little-endian float32.
        let blob = try database.read { db in try Data.fetchOne(db, sql: "SELECT data FROM vectors") }!
        #expect(Array(blob) == [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40, 0, 0, 0x40, 0x40])
    }
}
