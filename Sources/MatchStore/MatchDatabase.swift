import Foundation
import GRDB
import Logging
import MatchCore

/// A CreatorMatch database file: WAL mode, foreign keys on, schema migrated on open.
public final class MatchDatabase: Sendable {
    public let path: String
    let pool: any DatabaseWriter
    /// Opened read-only: the file or its folder cannot be written (a published snapshot, a mounted
    /// copy). Reads work; a write fails with a message that says so.
    public let isReadOnly: Bool
    /// How long a statement waits for another connection's lock before it fails as busy.
    static let busyTimeoutMs = 5000

    /// Opens (creating when missing) and migrates the database at `path`. Fails with a message a
    /// person can act on when the file is not a database, belongs to another program, or was
    /// written by a newer CreatorMatch.
    public init(path: String, logger: Logger = Logger(label: "creatormatch.store")) throws(MatchError) {
        self.path = path
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(Double(Self.busyTimeoutMs) / 1000)
        configuration.prepareDatabase { db in
            // 16 KiB pages for new files: a run's stored list (~6 KB) fits in one page instead of a
            // chain of overflow pages, so publishing and pruning touch a third of the pages. (Ignored
            // for an existing file, which keeps its page size.)
            try db.execute(sql: "PRAGMA page_size = 16384")
            try db.execute(sql: "PRAGMA cache_size = -65536")
            // Debian's SQLite zeroes every deleted byte by default (secure_delete on), which makes
            // pruning a run rewrite every page its lists held; FAST zeroes only where it costs no I/O.
            try db.execute(sql: "PRAGMA secure_delete = FAST")
            // Reads through a memory map instead of a copy per page read: loading 200,000 creators
            // 0.73 → 0.64 s (system time 0.34 → 0.25 s). Mapped pages count in the process's RSS.
            try db.execute(sql: "PRAGMA mmap_size = 2147418112")
        }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            throw MatchError(.io, "the folder of the database \(path) does not exist; create it or pass another --db")
        }
        let readOnly = Self.cannotWrite(path)
        isReadOnly = readOnly
        do {
            if readOnly {
                pool = try Self.openReadOnly(path, configuration)
            } else {
                pool = try DatabasePool(path: path, configuration: configuration)
            }
        } catch let error as MatchError {
            throw error
        } catch {
            throw Self.openError(path, error)
        }
        let migrator = Schema.migrator
        if readOnly {
            try Self.checkReadOnlySchema(pool, path: path, migrator: migrator)
            logger.debug("store.opened_read_only", metadata: ["db.path": "\(path)"])
            return
        }
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

    /// Whether the database exists but this process may not write it or its folder (where SQLite keeps
    /// its write-ahead log).
    static func cannotWrite(_ path: String) -> Bool {
        guard access(path, F_OK) == 0 else { return false }
        let directory = (path as NSString).deletingLastPathComponent
        return access(path, W_OK) != 0 || access(directory.isEmpty ? "." : directory, W_OK) != 0
    }

    /// A read-only connection. In a folder that cannot be written, SQLite cannot make the shared-memory
    /// file a WAL database needs, so the file is opened as immutable (nothing may change it meanwhile,
    /// which holds for a file nobody here can write).
    static func openReadOnly(_ path: String, _ base: Configuration) throws -> any DatabaseWriter {
        var configuration = base
        configuration.readonly = true
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA cache_size = -65536")
            try db.execute(sql: "PRAGMA mmap_size = 2147418112")
        }
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            _ = try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }
            return queue
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CANTOPEN || error.resultCode == .SQLITE_READONLY {
            let url = URL(fileURLWithPath: path).absoluteString + "?immutable=1"
            let queue = try DatabaseQueue(path: url, configuration: configuration)
            _ = try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }
            return queue
        }
    }

    /// A read-only file cannot be migrated: it must already have this version's schema.
    static func checkReadOnlySchema(_ pool: any DatabaseWriter, path: String, migrator: DatabaseMigrator) throws(MatchError) {
        do {
            try pool.read { db in
                let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
                guard tables.contains("grdb_migrations") else {
                    throw MatchError(.database, "\(path) is read-only and has no CreatorMatch schema; pass another --db")
                }
                if try migrator.hasBeenSuperseded(db) {
                    throw MatchError(.newerSchema, "\(path) was written by a newer CreatorMatch; upgrade creatormatch to open it")
                }
                guard try migrator.hasCompletedMigrations(db) else {
                    throw MatchError(.io, "\(path) is read-only and was written by an older CreatorMatch; open it once with write access (or copy it somewhere writable) so its schema can be upgraded")
                }
            }
        } catch let error as MatchError {
            throw error
        } catch {
            throw openError(path, error)
        }
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
        try read { db in
            let applied = try Schema.migrator.appliedIdentifiers(db)
            return Schema.migrator.migrations.filter { applied.contains($0) }
        }
    }

    /// Runs `body` in one read transaction (a consistent snapshot).
    public func read<T>(_ body: (Database) throws -> T) throws(MatchError) -> T {
        do {
            return try pool.read(body)
        } catch {
            throw Self.mapped(error)
        }
    }

    /// Runs `first` and `second` at the same time, each on a thread and in a read transaction of its
    /// own, both on one snapshot: the write lock is held (so nothing can commit) until both have begun
    /// reading, then released; the reads then go on while others write. When another connection holds
    /// the write lock (a long import), both run one after the other in one read transaction instead,
    /// rather than wait for it.
    public func readConcurrently<A, B>(_ first: @escaping @Sendable (Database) throws -> A, _ second: @escaping @Sendable (Database) throws -> B) throws(MatchError) -> (A, B) {
        let pool = self.pool
        if isReadOnly {
            // Nothing can commit to a read-only file: one read transaction, one after the other.
            do { return try pool.read { db in (try first(db), try second(db)) } } catch { throw Self.mapped(error) }
        }
        let begun = DispatchSemaphore(value: 0)
        func reader<T>(_ body: @escaping @Sendable (Database) throws -> T) -> Background<T> {
            Background {
                let signal = Once { begun.signal() }
                defer { signal.run() }   // also when the read could not begin
                return try pool.read { db in
                    // The first read of the file fixes the transaction's snapshot.
                    _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master")
                    signal.run()
                    return try body(db)
                }
            }
        }
        do {
            let readers: (Background<A>, Background<B>)? = try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA busy_timeout = 100")
                defer { try? db.execute(sql: "PRAGMA busy_timeout = \(Self.busyTimeoutMs)") }
                do {
                    try db.execute(sql: "BEGIN IMMEDIATE")
                } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
                    return nil
                }
                defer { try? db.execute(sql: "ROLLBACK") }
                let readers = (reader(first), reader(second))
                begun.wait()
                begun.wait()
                return readers
            }
            guard let readers else {
                return try pool.read { db in (try first(db), try second(db)) }
            }
            return (try readers.0.value(), try readers.1.value())
        } catch {
            throw Self.mapped(error)
        }
    }

    /// Runs `body` with this connection's automatic checkpoints off: a large commit then returns
    /// without copying the log into the database file, which `checkpointInBackground` does beside
    /// other work. (Restored afterwards, however `body` ends.)
    public func withoutAutomaticCheckpoints<T>(_ body: () throws(MatchError) -> T) throws(MatchError) -> T {
        try write { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
        defer { try? pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 1000") } }
        return try body()
    }

    /// Copies the write-ahead log into the database file on another thread and connection, without
    /// waiting for readers or writers (a passive checkpoint; writes may go on meanwhile). Wait for it
    /// before the process ends. Failing, it leaves the work to the next checkpoint.
    public func checkpointInBackground() -> Background<Void> {
        let path = self.path
        return Background {
            guard let queue = try? DatabaseQueue(path: path) else { return }
            _ = try? queue.inDatabase { db in try db.checkpoint(.passive) }
        }
    }

    /// Copies the write-ahead log into the database file now, on the writing connection (passive: it
    /// does not wait for readers). Failing, it leaves the work to the next checkpoint.
    public func checkpoint() {
        _ = try? pool.writeWithoutTransaction { db in try db.checkpoint(.passive) }
    }

    /// Runs `body` in one write transaction: everything it writes commits together or not at all.
    public func write<T>(_ body: (Database) throws -> T) throws(MatchError) -> T {
        do {
            return try pool.write(body)
        } catch {
            throw Self.mapped(error)
        }
    }

    /// Runs its body the first time `run` is called, never again.
    final class Once: @unchecked Sendable {
        private let lock = Lock()
        private var body: (() -> Void)?
        init(_ body: @escaping () -> Void) { self.body = body }
        func run() {
            let pending = lock.withLock { () -> (() -> Void)? in
                defer { body = nil }
                return body
            }
            pending?()
        }
    }

    /// Runs `body`, turning its errors into `MatchError`s as `read` and `write` do.
    public static func mappingErrors<T>(_ body: () throws -> T) throws(MatchError) -> T {
        do {
            return try body()
        } catch {
            throw mapped(error)
        }
    }

    static func mapped(_ error: any Error) -> MatchError {
        if let error = error as? MatchError { return error }
        if let dbError = error as? DatabaseError {
            if dbError.resultCode == .SQLITE_READONLY {
                return MatchError(.io, "the database is read-only here (the file or its folder cannot be written); this command writes: run it on a writable copy", underlying: "\(dbError)")
            }
            if dbError.resultCode == .SQLITE_BUSY || dbError.resultCode == .SQLITE_LOCKED {
                return MatchError(.databaseBusy, "the database is busy (another process is writing); try again in a moment", underlying: "\(dbError)")
            }
            return MatchError(.database, "the database refused the change: \(dbError.message ?? "\(dbError.resultCode)")", underlying: "\(dbError)")
        }
        return MatchError(.database, "database error: \(error)", underlying: "\(error)")
    }
}
