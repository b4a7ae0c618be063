import ArgumentParser
import MatchStore

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Print how many shops, products, creators, vectors, outcomes and invitations the database holds."
    )

    @OptionGroup var global: GlobalOptions

    struct Output: Encodable {
        struct Space: Encodable {
            let owner_kind: String
            let model: String
            let model_version: Int
            let dimension: Int
            let vectors: Int
        }
        let database: String
        let schema: [String]
        let shops, products, creators, outcomes, invitations: Int
        let vector_spaces: [Space]
    }

    func validate() throws {
        try global.rejectCSV()
    }

    func run() throws {
        try runReportingErrors {
            let database = try global.openDatabase()
            let counts = try database.read { db in try StoreQueries.counts(db) }
            let output = Output(
                database: database.path, schema: try database.appliedMigrations(),
                shops: counts.shops, products: counts.products, creators: counts.creators,
                outcomes: counts.outcomes, invitations: counts.invitations,
                vector_spaces: counts.vectorSpaces.sorted { ($0.key.ownerKind.rawValue, $0.key.model) < ($1.key.ownerKind.rawValue, $1.key.model) }
                    .map { .init(owner_kind: $0.key.ownerKind.rawValue, model: $0.key.model, model_version: $0.key.modelVersion, dimension: $0.key.dimension, vectors: $0.value) })
            switch global.format {
            case .json: Terminal.printJSON(output, pretty: true)
            case .jsonl, .csv: Terminal.printJSON(output, pretty: false)
            case .text:
                print("database     \(output.database) (schema \(output.schema.joined(separator: ", ")))")
                print("shops        \(output.shops)")
                print("products     \(output.products)")
                print("creators     \(output.creators)")
                print("outcomes     \(output.outcomes)")
                print("invitations  \(output.invitations)")
                for space in output.vector_spaces {
                    print("vectors      \(space.vectors) \(space.owner_kind) vectors, model \(space.model) v\(space.model_version), dimension \(space.dimension)")
                }
            }
        }
    }
}
