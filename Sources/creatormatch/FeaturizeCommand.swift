import ArgumentParser
import Foundation
import MatchCore
import MatchService

struct FeaturizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "featurize",
        abstract: "Compute profile vectors (category, audience, price band, content type) for every creator and product.",
        discussion: """
            Stores them as the `profile` vector model beside any imported (`supplied`) vectors; shortlists use
            them with --vectors profile, or by default when no creator has a supplied vector. Products learn
            from sales: their audience, price and content blocks move toward the creators who sold them.
            A block the data lacks is filled with the average and counted in the summary. Models/features.json
            holds the blocks' weights; CreatorMatch.docc (Matching.md) explains the model.
            """
    )
    @OptionGroup var global: GlobalOptions

    func validate() throws { try global.rejectCSV() }

    func run() throws {
        try runReportingErrors {
            let summary = try FeatureService(database: try global.openDatabase(), models: try global.loadModels()).featurize()
            switch global.format {
            case .json: Terminal.printJSON(summary, pretty: true)
            case .jsonl, .csv: Terminal.printJSON(summary, pretty: false)
            case .text:
                print("profile vectors (\(summary.dimension) dimensions) for \(summary.creators) creators and \(summary.products) products; \(summary.products_learned_from_sales) products learned from sales")
                func assumed(_ counts: [String: Int]) -> String {
                    counts.isEmpty ? "none" : counts.keys.sorted().map { "\($0) \(counts[$0]!)" }.joined(separator: ", ")
                }
                print("blocks filled with the average (data missing): creators \(assumed(summary.creators_assumed)); products \(assumed(summary.products_assumed))")
            }
        }
    }
}
