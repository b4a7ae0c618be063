import ArgumentParser
import Foundation
import MatchCore
import MatchService

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
