import ArgumentParser
import Foundation
import MatchCore
import MatchService

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Write a seeded market whose sales come from hidden preferences (for `evaluate`), as JSON Lines.",
        discussion: """
            Creators have a hidden taste over leaf categories, a price comfort, an audience, a commission threshold,
            reliability and heavy-tailed popularity; products a category, price, audience, rate and quality. Sales
            are drawn from those; the files show only noisy, partly missing profiles (no vectors). The
            documentation's Evaluation article (Sources/creatormatch/CreatorMatch.docc) tells the whole story.
            """
    )
    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("The folder to write the .jsonl files to.", valueName: "dir"))
    var out = "sim-data"

    @Option(name: .long, help: "Random seed; the same seed writes the same files.")
    var seed: UInt64 = 11

    @Option(name: .long, help: "Number of creators.")
    var creators = 20_000

    @Option(name: .long, help: "Number of products.")
    var products = 1_500

    @Option(name: .long, help: "Number of shops.")
    var shops = 12

    @Option(name: .long, help: "Days of sales history, ending on --as-of.")
    var days = 120

    @Option(name: .customLong("as-of"), help: ArgumentHelp("The last day of the history (default today, UTC).", valueName: "date"))
    var asOf: Day?

    func validate() throws {
        try global.rejectCSV()
        guard creators >= 1, products >= 1, shops >= 1 else { throw ValidationError("--creators, --products and --shops must be at least 1") }
        guard days >= 2 else { throw ValidationError("--days must be at least 2") }
    }

    func run() throws {
        try runReportingErrors {
            var settings = SimulationSettings(asOf: asOf ?? SystemClock().now().utcDay)
            settings.seed = seed
            settings.creators = creators
            settings.products = products
            settings.shops = shops
            settings.days = days
            let summary = try MarketSimulator(taxonomy: try global.loadModels().taxonomy).write(to: out, settings: settings)
            switch global.format {
            case .json: Terminal.printJSON(summary, pretty: true)
            case .jsonl, .csv: Terminal.printJSON(summary, pretty: false)
            case .text:
                print("wrote simulated market (seed \(seed), \(summary.first_day) to \(summary.as_of)) to \(out):")
                for name in ["shops.jsonl", "products.jsonl", "creators.jsonl", "outcomes.jsonl"] {
                    print("  \(name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(summary.files[name] ?? 0) records")
                }
            }
        }
    }
}
