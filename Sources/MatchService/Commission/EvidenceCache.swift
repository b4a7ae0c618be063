import MatchCore

/// Commission evidence kept between requests (the JSON-RPC server), by as-of day and category. It is
/// forgotten as soon as the database changes: `version` is SQLite's `data_version` on a connection
/// kept for watching, which moves whenever any other connection commits.
public final class EvidenceCache: @unchecked Sendable {
    private let lock = Lock()
    private let version: () throws -> Int
    private var seen: Int?
    private var entries: [String: CommissionService.CategoryEvidence] = [:]

    init(version: @escaping () throws -> Int) {
        self.version = version
    }

    /// The evidence of `categories` as of `asOf`, by category name; `compute` is called once with the
    /// categories not kept yet.
    func evidence(asOf: Day, categories: [Category], compute: ([Category]) throws -> [String: CommissionService.CategoryEvidence]) throws -> [String: CommissionService.CategoryEvidence] {
        try lock.withLock {
            let now = try version()
            if now != seen {
                entries = [:]
                seen = now
            }
            func key(_ name: String) -> String { "\(asOf) \(name)" }
            let missing = categories.filter { entries[key($0.name)] == nil }
            if !missing.isEmpty {
                for (name, evidence) in try compute(missing) { entries[key(name)] = evidence }
            }
            var found: [String: CommissionService.CategoryEvidence] = [:]
            for category in categories { found[category.name] = entries[key(category.name)] }
            return found
        }
    }
}
