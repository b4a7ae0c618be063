import MatchStore

/// What a database holds: `stats` on the command line and over JSON-RPC.
public struct StoreStats: Codable, Sendable {
    public struct Space: Codable, Sendable {
        public let owner_kind: String
        public let model: String
        public let model_version: Int
        public let dimension: Int
        public let vectors: Int
    }
    public let database: String
    public let schema: [String]
    public let shops, products, creators, outcomes, invitations: Int
    public let vector_spaces: [Space]
    /// In the server: how many times the warm creators were loaded from the database.
    public var warm_loads: Int?

    public static func read(_ database: MatchDatabase) throws(MatchError) -> StoreStats {
        let counts = try database.read { db in try StoreQueries.counts(db) }
        return StoreStats(
            database: database.path, schema: try database.appliedMigrations(),
            shops: counts.shops, products: counts.products, creators: counts.creators,
            outcomes: counts.outcomes, invitations: counts.invitations,
            vector_spaces: counts.vectorSpaces
                .sorted { ($0.key.ownerKind.rawValue, $0.key.model) < ($1.key.ownerKind.rawValue, $1.key.model) }
                .map { .init(owner_kind: $0.key.ownerKind.rawValue, model: $0.key.model, model_version: $0.key.modelVersion, dimension: $0.key.dimension, vectors: $0.value) })
    }
}

import MatchCore
