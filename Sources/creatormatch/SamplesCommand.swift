import ArgumentParser
import Foundation
import MatchCore
import MatchService

struct SamplesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "samples",
        abstract: "Triage free-sample requests, or propose auto-approval rules from the past ones.",
        discussion: "Import requests first: creatormatch import sample_requests FILE. Settings: Models/samples.json.",
        subcommands: [Triage.self, Policy.self]
    )

    struct Triage: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recommend approve or reject for every pending sample request, with the reasons.",
            discussion: """
                A request is approved when the creator matches the product (sells its category, or profile fit at
                least min_fit), is likely to post (fulfilment estimated from the platform's rate and this seller's
                own closed samples) and the expected GMV of the sample is at least min_gmv_per_cost times its cost
                (unit cost from price and margin, plus shipping). Approvals come first, best return first.
                """
        )
        @OptionGroup var global: GlobalOptions

        @Option(name: .long, help: ArgumentHelp("Only requests for this product.", valueName: "id"), transform: commandLineID)
        var product: ProductID?

        @Option(name: .customLong("as-of"), help: ArgumentHelp("The day of the triage (default today, UTC).", valueName: "date"))
        var asOf: Day?

        func run() throws {
            try runReportingErrors {
                let service = SampleService(database: try global.openDatabase(), models: try global.loadModels())
                let report = try service.triage(asOf: asOf ?? SystemClock().now().utcDay, product: product)
                switch global.format {
                case .json: Terminal.printJSON(report, pretty: true)
                case .jsonl: for decision in report.decisions { Terminal.printJSON(decision, pretty: false) }
                case .csv:
                    print("request_id,creator_id,product_id,recommendation,gmv_per_cost,fit,category_share,fulfillment,expected_gmv,sample_cost,reasons")
                    for d in report.decisions {
                        // Text cells through CSVText.cell (safe in a spreadsheet); numbers as written.
                        let cells = [CSVText.cell(d.request_id), CSVText.cell(d.creator_id), CSVText.cell(d.product_id), d.recommendation,
                                     "\(d.gmv_per_cost)", d.fit.map { "\($0)" } ?? "", "\(d.category_share)", "\(d.fulfillment)",
                                     "\(d.expected_gmv)", "\(d.sample_cost)", CSVText.cell(d.reasons.joined(separator: "; "))]
                        print(cells.joined(separator: ","))
                    }
                case .text:
                    if report.decisions.isEmpty { print("no pending sample request\(product.map { " for \($0)" } ?? ""); import them with `creatormatch import sample_requests FILE`") }
                    print("\(report.pending) pending: approve \(report.approve), reject \(report.reject)")
                    for d in report.decisions {
                        print("\(d.recommendation.uppercased().padded(8)) \(d.request_id)  \(d.creator_id) → \(d.product_id)  expected GMV \(String(format: "%.2f", d.expected_gmv)) / sample \(String(format: "%.2f", d.sample_cost))")
                        for reason in d.reasons { print("         - \(reason)") }
                    }
                }
            }
        }
    }

    struct Policy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Propose an auto-approval rule per category or product from the past requests, and export it.",
            discussion: """
                For each category (or product) with enough decided requests, tries every combination of the
                thresholds in Models/samples.json (minimum followers, minimum 30-day GMV, minimum fulfilment,
                category match) and keeps the one whose approved requests that got a sample sold the most within
                the sales window, less the samples' cost. Shows how many past requests it approves and what those
                creators went on to sell, against approving all. --out writes the rules as JSON.
                """
        )
        @OptionGroup var global: GlobalOptions

        @Option(name: .long, help: "category or product.")
        var by = "category"

        @Option(name: .customLong("as-of"), help: ArgumentHelp("Count requests and sales up to this day (default today, UTC).", valueName: "date"))
        var asOf: Day?

        @Option(name: .long, help: ArgumentHelp("Write the proposed rules to this JSON file.", valueName: "path"))
        var out: String?

        func validate() throws {
            try global.rejectCSV()
            guard ["category", "product"].contains(by) else { throw ValidationError("--by must be category or product") }
        }

        func run() throws {
            try runReportingErrors {
                let service = SampleService(database: try global.openDatabase(), models: try global.loadModels())
                let report = try service.policies(asOf: asOf ?? SystemClock().now().utcDay, byProduct: by == "product")
                if let out {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                    do {
                        try encoder.encode(report).write(to: URL(fileURLWithPath: out))
                    } catch {
                        throw MatchError(.io, "cannot write \(out): \(error.localizedDescription); check the folder exists and is writable")
                    }
                }
                switch global.format {
                case .json: Terminal.printJSON(report, pretty: true)
                case .jsonl, .csv: for policy in report.policies { Terminal.printJSON(policy, pretty: false) }
                case .text:
                    if report.policies.isEmpty { print("no \(by) has enough decided sample requests for a rule") }
                    for p in report.policies {
                        let r = p.rule
                        print("\(p.name): auto-approve followers ≥ \(r.min_followers), 30-day GMV ≥ \(Int(r.min_gmv_30d)), fulfilment ≥ \(Int((r.min_fulfillment * 100).rounded()))%\(r.require_category_match ? ", sells the category" : "")")
                        print("  \(p.note)")
                    }
                    for name in report.too_few_requests { print("too few requests for a rule: \(name)") }
                    if let out { print("wrote the rules to \(out)") }
                }
            }
        }
    }
}
