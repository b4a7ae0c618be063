import Foundation
import GRDB

/// The change log: each creatormatch write transaction adds one row naming its writer and tables.
public enum ChangeLog {
    public struct Entry: Sendable, Equatable {
        public let id: Int64
        public let writer: String
        public let tables: Set<String>
    }

    /// This process's writer name, unless a caller names itself.
    public static let processWriter = "creatormatch-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"

    public static func record(_ db: Database, writer: String, tables: Set<String>, at: String) throws {
        try db.execute(sql: "INSERT INTO change_log (writer, tables, at) VALUES (?, ?, ?)", arguments: [writer, tables.sorted().joined(separator: ","), at])
    }

    /// What the invitation triggers (schema v10) log when an invitation is deleted or re-dated.
    public static let invitationsRemoved = "invitations-removed"

    /// Whether an invitation was removed or re-dated after log entry `id`.
    public static func invitationsRemoved(_ db: Database, since id: Int64) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM change_log WHERE id > ? AND tables = ?)", arguments: [id, invitationsRemoved]) ?? true
    }

    public static func latestID(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT max(id) FROM change_log") ?? 0
    }

    public static func since(_ db: Database, id: Int64) throws -> [Entry] {
        try Row.fetchAll(db, sql: "SELECT id, writer, tables FROM change_log WHERE id > ? ORDER BY id", arguments: [id]).map {
            Entry(id: $0[0], writer: $0[1], tables: Set(($0[2] as String).split(separator: ",").map(String.init)))
        }
    }
}
