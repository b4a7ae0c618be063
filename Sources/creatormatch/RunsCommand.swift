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
                    /// From the manifest: full or incremental, and why a requested incremental run computed in full.
                    let mode: String?; let full_reason: String?
                }
                struct Manifest: Decodable { let mode: String?; let full_reason: String? }
                let lines = runs.map { run in
                    let manifest = try? JSONDecoder().decode(Manifest.self, from: Data(run.manifest.utf8))
                    return Line(id: run.id, status: run.status, started_at: run.started_at, finished_at: run.finished_at, as_of: run.as_of, rank_by: run.rank_by, k: run.k, models_digest: run.models_digest, inputs_digest: run.inputs_digest, code_version: run.code_version, error: run.error, mode: manifest?.mode, full_reason: manifest?.full_reason)
                }
                switch global.format {
                case .json: Terminal.printJSON(lines, pretty: true)
                case .jsonl, .csv: for line in lines { Terminal.printJSON(line, pretty: false) }
                case .text:
                    if lines.isEmpty { print("no runs yet; run `creatormatch rescore`") }
                    for l in lines {
                        var line = "\(String(l.id).padded(5)) \(l.status.padded(9)) as of \(l.as_of)  started \(l.started_at)  \(l.rank_by) k=\(l.k)"
                        if let mode = l.mode { line += "  \(mode)" }
                        if let reason = l.full_reason { line += " (\(reason))" }
                        if let error = l.error { line += "  (\(error))" }
                        print(line)
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
