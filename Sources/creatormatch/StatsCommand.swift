import ArgumentParser
import MatchService

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Print how many shops, products, creators, vectors, outcomes and invitations the database holds."
    )

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        try global.rejectCSV()
    }

    func run() throws {
        try runReportingErrors {
            let output = try StoreStats.read(try global.openDatabase())
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
