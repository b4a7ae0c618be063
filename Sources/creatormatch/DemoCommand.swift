import ArgumentParser
import Foundation
import MatchCore
import MatchService

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Write a seeded demo marketplace (shops, products, creators, outcomes, invitations, sample requests) as JSON Lines.",
        discussion: "Planted shops and products sit at every eligibility boundary; their ids say which."
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("The folder to write the .jsonl files to.", valueName: "dir"))
    var out: String = "demo-data"

    @Option(name: .long, help: "Random seed; the same seed writes the same files.")
    var seed: UInt64 = 7

    @Option(name: .long, help: "Number of shops (5 planted at eligibility boundaries, the rest regular).")
    var shops = 12

    @Option(name: .long, help: "Number of products.")
    var products = 240

    @Option(name: .long, help: "Number of creators.")
    var creators = 20_000

    @Option(name: .customLong("vector-dim"), help: "Dimension of the supplied vectors (0: none).")
    var vectorDimension = 32

    @Option(name: .customLong("as-of"), help: ArgumentHelp("The day the data describes (YYYY-MM-DD, default today, UTC).", valueName: "date"))
    var asOf: Day?

    func validate() throws {
        try global.rejectCSV()
        guard shops >= 6 else { throw ValidationError("--shops must be at least 6 (5 planted shops and one regular)") }
        guard products >= 13 else { throw ValidationError("--products must be at least 13 (the planted products)") }
        guard creators >= 1 else { throw ValidationError("--creators must be at least 1") }
        guard (0...4096).contains(vectorDimension) else { throw ValidationError("--vector-dim must be within 0...4096") }
    }

    func run() throws {
        try runReportingErrors {
            let models = try global.loadModels()
            var settings = DemoSettings(asOf: asOf ?? SystemClock().now().utcDay)
            settings.seed = seed
            settings.shops = shops
            settings.products = products
            settings.creators = creators
            settings.vectorDimension = vectorDimension
            let summary = try DemoGenerator(taxonomy: models.taxonomy).write(to: out, settings: settings)
            switch global.format {
            case .json: Terminal.printJSON(summary, pretty: true)
            case .jsonl, .csv: Terminal.printJSON(summary, pretty: false)
            case .text:
                print("wrote demo market (seed \(seed), as of \(summary.as_of)) to \(out):")
                for name in ["shops.jsonl", "products.jsonl", "creators.jsonl", "outcomes.jsonl", "invitations.jsonl", "sample_requests.jsonl"] {
                    print("  \(name.padding(toLength: 22, withPad: " ", startingAt: 0)) \(summary.files[name] ?? 0) records")
                }
            }
        }
    }
}
