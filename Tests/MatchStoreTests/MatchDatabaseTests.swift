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
        #expect(try first.appliedMigrations() == ["v1-foundation", "v2-runs", "v3-change-log"])
        try first.write { db in
            try db.execute(sql: "INSERT INTO shops (id, rating, status, updated_at) VALUES ('s1', 4, 'active', 'now')")
        }
        let journal = try first.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(journal == "wal")
        let reopened = try MatchDatabase(path: path)
        #expect(try reopened.read { db in try StoreQueries.counts(db) }.shops == 1)
        #expect(try reopened.appliedMigrations() == ["v1-foundation", "v2-runs", "v3-change-log"])
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
