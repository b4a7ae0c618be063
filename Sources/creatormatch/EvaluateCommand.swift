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
            are drawn from those; the files show only noisy, partly missing profiles (no vectors). README
            "Market simulator" tells the whole story.
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

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Offline evaluation: do shortlists built from sales before a day find the creators who sell after it?",
        discussion: """
            Sales before --split train (products' profile vectors learn only from them); the creators who sell a
            product on or after it, and not before, are what a shortlist should find. Reports recall@k, NDCG@k,
            hit rate, catalog coverage and concentration for random, popularity (most GMV in the category),
            profile similarity and the blended ranking. Reads only; nothing is written.
            """
    )
    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("The first test day.", valueName: "date"))
    var split: Day

    @Option(name: .long, help: "Shortlist length.")
    var limit = 50

    @Option(name: .long, help: "Seed of the random baseline.")
    var seed: UInt64 = 1

    @Option(name: .customLong("max-share"), help: ArgumentHelp("Concentration cap of the matcher's shortlists (default Models/ranking.json).", valueName: "share"))
    var maxShare: Double?

    @Flag(name: .customLong("new-sellers-only"), help: "Count only creators who had not sold the product before the split (and keep those who had out of the shortlists).")
    var newSellersOnly = false

    func validate() throws {
        try global.rejectCSV()
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
        if let maxShare, !(maxShare > 0 && maxShare <= 1) { throw ValidationError("--max-share must be a share above 0 and at most 1") }
    }

    func run() throws {
        try runReportingErrors {
            var request = EvaluationRequest(split: split)
            request.k = limit
            request.seed = seed
            request.maxShare = maxShare
            request.newSellersOnly = newSellersOnly
            let report = try OfflineEvaluation(database: try global.openDatabase(), models: try global.loadModels()).evaluate(request)
            switch global.format {
            case .json: Terminal.printJSON(report, pretty: true)
            case .jsonl, .csv: for method in report.methods { Terminal.printJSON(method, pretty: false) }
            case .text:
                print("split \(report.split), k = \(report.k): \(report.products_evaluated) products with\(report.new_sellers_only ? " new" : "") sellers (\(report.relevant_pairs) creator-product pairs), \(report.creators) creators, \(report.train_sales) training sales")
                print("method       recall@\(report.k)  NDCG@\(report.k)  hit rate  coverage  max share  top-10 slots")
                for m in report.methods {
                    func f(_ x: Double) -> String { String(format: "%.3f", x) }
                    print("\(m.method.padded(12)) \(f(m.recall_at_k).padded(9)) \(f(m.ndcg_at_k).padded(7)) \(f(m.hit_rate).padded(9)) \(f(m.coverage).padded(9)) \(f(m.max_share).padded(10)) \(f(m.top10_slot_share))")
                }
                if let popularity = report.methods.first(where: { $0.method == "popularity" }), let blended = report.methods.first(where: { $0.method == "blended" }), popularity.recall_at_k > 0 {
                    print(String(format: "blended recall = %.2f× popularity", blended.recall_at_k / popularity.recall_at_k))
                }
                print(report.note)
            }
        }
    }
}
