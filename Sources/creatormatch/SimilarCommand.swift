import ArgumentParser
import MatchCore
import MatchService

struct SimilarCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "similar",
        abstract: "List the creators most like a given creator (lookalikes of your best performer).",
        discussion: "Exact cosine top-k over every creator that passes the filters, ties by creator id."
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("The creator to find lookalikes of.", valueName: "id"), transform: commandLineID)
    var creator: CreatorID

    @Option(name: .long, help: "How many creators to list.")
    var limit = 50

    @OptionGroup var filterOptions: CreatorFilterOptions
    @OptionGroup var kernel: KernelOptions

    func validate() throws {
        try global.rejectCSV()
        guard limit >= 0 else { throw ValidationError("--limit must be >= 0") }
        try filterOptions.validateTiers(global)
    }

    func run() throws {
        try runReportingErrors {
            let models = try global.loadModels()
            let database = try global.openDatabase()
            let report = try ShortlistService(database: database, models: models, logger: global.logger)
                .lookalikes(of: creator, k: limit, filters: filterOptions.filters(), tiles: kernel.configuration)
            switch global.format {
            case .json: Terminal.printJSON(report, pretty: true)
            case .jsonl, .csv: for entry in report.creators { Terminal.printJSON(entry, pretty: false) }
            case .text:
                print("Creators most like \(report.creator_id) (top \(report.k) of \(report.candidates) candidates)")
                for entry in report.creators {
                    let name = entry.username.map { " @\($0)" } ?? ""
                    print("  \(String(entry.rank).padded(3)) \(entry.creator_id)\(name)  similarity \(String(format: "%.3f", entry.similarity))")
                    for reason in entry.reasons.dropFirst() { print("        - \(reason)") }
                }
            }
        }
    }
}
