import ArgumentParser
import MatchCore
import MatchService

struct CommissionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commission",
        abstract: "Suggest the commission rate to offer for a category or a product, with the evidence.",
        discussion: """
            The suggestion blends the platform's own rule (the rates of the top-performing 30% of products in
            the category, by GMV in the window) with the category norm in Models/commission.json, weighted by
            how many top performers there are. It never exceeds what the product's margin allows after the
            platform fee. Rates are shown as percent; --format json gives hundredths of a percent.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("A category (platform name or group).", valueName: "name"))
    var category: String?

    @Option(name: .long, help: ArgumentHelp("A product.", valueName: "id"), transform: commandLineID)
    var product: ProductID?

    @Flag(name: .long, help: "Every category that has products.")
    var all = false

    @Option(name: .customLong("as-of"), help: ArgumentHelp("The last day of the performance window (default today, UTC).", valueName: "date"))
    var asOf: Day?

    func validate() throws {
        try global.rejectCSV()
        guard [category != nil, product != nil, all].filter({ $0 }).count == 1 else {
            throw ValidationError("give exactly one of --category, --product or --all")
        }
    }

    func run() throws {
        try runReportingErrors {
            let service = CommissionService(database: try global.openDatabase(), models: try global.loadModels())
            let day = asOf ?? SystemClock().now().utcDay
            let suggestions: [CommissionSuggestion]
            if all {
                suggestions = try service.report(asOf: day)
            } else if let category {
                suggestions = [try service.suggest(.category(category), asOf: day)]
            } else {
                suggestions = [try service.suggest(.product(product!), asOf: day)]
            }
            switch global.format {
            case .json:
                if all { Terminal.printJSON(suggestions, pretty: true) } else { Terminal.printJSON(suggestions[0], pretty: true) }
            case .jsonl, .csv:
                for suggestion in suggestions { Terminal.printJSON(suggestion, pretty: false) }
            case .text:
                for (i, suggestion) in suggestions.enumerated() {
                    if i > 0 { print("") }
                    let subject = suggestion.product_id.map { "\($0) (\(suggestion.category))" } ?? suggestion.category
                    let current = suggestion.current_rate.map { ", now \(CommissionRate.formatPercent($0))" } ?? ""
                    print("\(subject): offer \(CommissionRate.formatPercent(suggestion.suggested_rate)) in open collaboration (band \(CommissionRate.formatPercent(suggestion.band.low))–\(CommissionRate.formatPercent(suggestion.band.high))\(current)), \(CommissionRate.formatPercent(suggestion.target_rate)) for targeted invitations (+\(CommissionRate.formatPercent(suggestion.target_premium).dropLast()) points)")
                    for line in suggestion.explanation { print("  - \(line)") }
                    if !suggestion.response.fitted { print("  - Response to rates: \(suggestion.response.note).") }
                }
            }
        }
    }
}
