import Foundation
import GRDB
import Logging
import MatchCore

/// A CreatorMatch database file: WAL mode, foreign keys on, schema migrated on open.
public final class MatchDatabase: Sendable {
    public let path: String
    let pool: DatabasePool

    /// Opens (creating when missing) and migrates the database at `path`. Fails with a message a
    /// person can act on when the file is not a database, belongs to another program, or was
    /// written by a newer CreatorMatch.
    public init(path: String, logger: Logger = Logger(label: "creatormatch.store")) throws(MatchError) {
        self.path = path
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // 16 KiB pages for new files: a run's stored list (~6 KB) fits in one page instead of a
            // chain of overflow pages, so publishing and pruning touch a third of the pages. (Ignored
            // for an existing file, which keeps its page size.)
            try db.execute(sql: "PRAGMA page_size = 16384")
            try db.execute(sql: "PRAGMA cache_size = -65536")
            // Debian's SQLite zeroes every deleted byte by default (secure_delete on), which makes
            // pruning a run rewrite every page its lists held; FAST zeroes only where it costs no I/O.
            try db.execute(sql: "PRAGMA secure_delete = FAST")
        }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            throw MatchError(.io, "the folder of the database \(path) does not exist; create it or pass another --db")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw Self.openError(path, error)
        }
        let migrator = Schema.migrator
        do {
            try pool.barrierWriteWithoutTransaction { db in
                let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
                if !tables.isEmpty, !tables.contains("grdb_migrations") {
                    throw MatchError(.database, "\(path) is a SQLite database of another program (it has tables but no CreatorMatch schema); pass another --db")
                }
                if try migrator.hasBeenSuperseded(db) {
                    let applied = try migrator.appliedIdentifiers(db)
                    let known = Set(migrator.migrations)
                    let newer = applied.filter { !known.contains($0) }.sorted()
                    throw MatchError(.newerSchema, "\(path) was written by a newer CreatorMatch (schema \(newer.joined(separator: ", "))); upgrade creatormatch to open it")
                }
            }
            try migrator.migrate(pool)
        } catch let error as MatchError {
            throw error
        } catch {
            throw Self.openError(path, error)
        }
        logger.debug("store.opened", metadata: ["db.path": "\(path)"])
    }

    static func openError(_ path: String, _ error: any Error) -> MatchError {
        if let dbError = error as? DatabaseError {
            switch dbError.resultCode {
            case .SQLITE_NOTADB:
                return MatchError(.database, "\(path) is not a SQLite database; pass another --db", underlying: "\(dbError)")
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                return MatchError(.databaseBusy, "\(path) is busy (another process holds a lock); try again in a moment", underlying: "\(dbError)")
            case .SQLITE_CANTOPEN, .SQLITE_READONLY, .SQLITE_PERM:
                return MatchError(.io, "cannot open \(path) for writing; check the path and its permissions", underlying: "\(dbError)")
            default:
                break
            }
        }
        return MatchError(.database, "cannot open the database \(path): \(error)", underlying: "\(error)")
    }

    /// The names of the migrations applied to this file, oldest first.
    public func appliedMigrations() throws(MatchError) -> [String] {
        try read { db in try Schema.migrator.appliedIdentifiers(db).sorted() }
    }

    /// Runs `body` in one read transaction (a consistent snapshot).
    public func read<T>(_ body: (Database) throws -> T) throws(MatchError) -> T {
        do {
            return try pool.read(body)
        } catch {
            throw Self.mapped(error)
        }
    }

    /// Runs `body` in one write transaction: everything it writes commits together or not at all.
    public func write<T>(_ body: (Database) throws -> T) throws(MatchError) -> T {
        do {
            return try pool.write(body)
        } catch {
            throw Self.mapped(error)
        }
    }

    static func mapped(_ error: any Error) -> MatchError {
        if let error = error as? MatchError { return error }
        if let dbError = error as? DatabaseError {
            if dbError.resultCode == .SQLITE_BUSY || dbError.resultCode == .SQLITE_LOCKED {
                return MatchError(.databaseBusy, "the database is busy (another process is writing); try again in a moment", underlying: "\(dbError)")
            }
            return MatchError(.database, "the database refused the change: \(dbError.message ?? "\(dbError.resultCode)")", underlying: "\(dbError)")
        }
        return MatchError(.database, "database error: \(error)", underlying: "\(error)")
    }
}
