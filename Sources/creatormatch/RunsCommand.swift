import ArgumentParser
import Foundation
import MatchCore
import MatchService

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List rescoring runs, or compare two of them.",
        subcommands: [List.self, Diff.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the runs, newest first.")
        @OptionGroup var global: GlobalOptions

        func validate() throws { try global.rejectCSV() }

        func run() throws {
            try runReportingErrors {
                let runs = try RunExports(database: try global.openDatabase(), models: try global.loadModels()).runs()
                struct Line: Encodable {
                    let id: Int64; let status: String; let started_at: String; let finished_at: String?; let as_of: String
                    let rank_by: String; let k: Int; let models_digest: String; let inputs_digest: String; let code_version: String; let error: String?
                }
                let lines = runs.map { Line(id: $0.id, status: $0.status, started_at: $0.started_at, finished_at: $0.finished_at, as_of: $0.as_of, rank_by: $0.rank_by, k: $0.k, models_digest: $0.models_digest, inputs_digest: $0.inputs_digest, code_version: $0.code_version, error: $0.error) }
                switch global.format {
                case .json: Terminal.printJSON(lines, pretty: true)
                case .jsonl, .csv: for line in lines { Terminal.printJSON(line, pretty: false) }
                case .text:
                    if lines.isEmpty { print("no runs yet; run `creatormatch rescore`") }
                    for l in lines {
                        print("\(String(l.id).padded(5)) \(l.status.padded(9)) as of \(l.as_of)  started \(l.started_at)  \(l.rank_by) k=\(l.k)\(l.error.map { "  (\($0))" } ?? "")")
                    }
                }
            }
        }
    }

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show what changed between two published runs, per product.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The older run.") var from: Int64
        @Argument(help: "The newer run.") var to: Int64

        func validate() throws { try global.rejectCSV() }

        func run() throws {
            try runReportingErrors {
                let report = try RunExports(database: try global.openDatabase(), models: try global.loadModels()).diff(from: from, to: to)
                switch global.format {
                case .json: Terminal.printJSON(report, pretty: true)
                case .jsonl, .csv: for product in report.products { Terminal.printJSON(product, pretty: false) }
                case .text:
                    let s = report.summary
                    print("runs \(from) → \(to): \(s.products_changed) products changed, +\(s.creators_added)/-\(s.creators_dropped) creators, \(s.rank_moves) rank moves, \(s.rate_changes) rate changes, \(s.became_eligible) became eligible, \(s.became_ineligible) became ineligible")
                    for p in report.products {
                        var parts: [String] = []
                        if let status = p.status { parts.append("\(status.from ?? "absent") → \(status.to ?? "absent")\(status.reasons.isEmpty ? "" : " (" + status.reasons.joined(separator: "; ") + ")")") }
                        if !p.added.isEmpty { parts.append("+\(p.added.count) [\(p.added.prefix(5).joined(separator: ", "))\(p.added.count > 5 ? ", …" : "")]") }
                        if !p.dropped.isEmpty { parts.append("-\(p.dropped.count) [\(p.dropped.prefix(5).joined(separator: ", "))\(p.dropped.count > 5 ? ", …" : "")]") }
                        if !p.moved.isEmpty { parts.append("\(p.moved.count) moved") }
                        if let rate = p.target_rate { parts.append("rate \(rate.from.map { CommissionRate.formatPercent($0) } ?? "-") → \(rate.to.map { CommissionRate.formatPercent($0) } ?? "-")") }
                        print("  \(p.product_id): " + parts.joined(separator: "; "))
                    }
                }
            }
        }
    }
}
