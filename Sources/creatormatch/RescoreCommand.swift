import ArgumentParser
import Foundation
import MatchCore
import MatchService

struct RescoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rescore",
        abstract: "Recompute eligibility, every eligible product's shortlist and commission, and publish them as a new run.",
        discussion: """
            The run is published in one transaction: readers see the previous published run until it commits.
            One rescore at a time per database. Exit status: 0 published, 1 failed (the run is marked failed,
            the last published run is untouched), 64 usage error, 75 another rescore is running (use --wait).
            --incremental recomputes only what changed since the last published run and publishes exactly
            what a full run would; it computes in full (and says why) when there is no comparable previous run
            (none yet, another k or ranking, Models/ or the code version changed) or more than 25% of creators
            changed.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "Creators per product.")
    var limit = 50

    @Option(name: .customLong("rank-by"), help: "similarity or blended.")
    var rankBy: RankBy = .blended

    @Option(name: .customLong("as-of"), help: ArgumentHelp("The day to compute for (default today, UTC).", valueName: "date"))
    var asOf: Day?

    @Option(name: .long, help: ArgumentHelp("Keep only the newest N published runs.", valueName: "n"))
    var keep: Int?

    @Flag(name: .long, help: "Wait for a running rescore instead of exiting with status 75.")
    var wait = false

    @Flag(name: .long, help: "Print nothing on success (for cron); errors still go to stderr.")
    var quiet = false

    @Flag(name: .long, help: "Recompute only what changed since the last published run (same result as a full run).")
    var incremental = false

    @OptionGroup var kernel: KernelOptions

    func validate() throws {
        try global.rejectCSV()
        guard limit >= 0 else { throw ValidationError("--limit must be >= 0") }
        if let keep, keep < 1 { throw ValidationError("--keep must be at least 1") }
    }

    func run() throws {
        var failure: MatchError?
        do {
            try perform()
        } catch let error as MatchError {
            failure = error
        }
        if let failure {
            Terminal.standardError("error: \(failure.message)\n")
            throw ExitCode(failure.code == .locked ? 75 : 1)
        }
    }

    func perform() throws {
        do {
            let service = RescoreService(database: try global.openDatabase(), models: try global.loadModels(), logger: global.logger)
            var request = RescoreRequest(asOf: asOf ?? SystemClock().now().utcDay)
            request.k = limit
            request.rankBy = rankBy
            request.keep = keep
            request.wait = wait
            request.incremental = incremental
            request.tiles = kernel.configuration
            let showProgress = !quiet && Terminal.standardErrorIsTerminal
            let started = Date()
            let expected = showProgress ? service.expectedDurationMs() : nil
            let summary = try service.rescore(request, progress: showProgress ? { stage in
                let elapsed = Date().timeIntervalSince(started)
                var line = "\r\u{1B}[Krescore: \(stage)… \(Int(elapsed))s"
                if let expected { line += ", ETA ~\(max(0, Int(Double(expected) / 1000 - elapsed)))s (the last run took \(expected / 1000)s)" }
                Terminal.standardError(line)
            } : nil)
            if showProgress { Terminal.standardError("\r\u{1B}[K") }
            if quiet { return }
            switch global.format {
            case .json: Terminal.printJSON(summary, pretty: true)
            case .jsonl, .csv: Terminal.printJSON(summary, pretty: false)
            case .text:
                var line = "run \(summary.run_id) published (\(summary.mode)): \(summary.products_scored) products scored (\(summary.products_skipped) skipped), \(summary.creators) creators, \(String(format: "%.1f", Double(summary.duration_ms) / 1000)) s"
                if summary.mode == "incremental", let changed = summary.creators_changed {
                    line += "; \(changed) creators changed, \(summary.products_searched) products searched in full, \(summary.lists_written) lists written"
                }
                if let reason = summary.full_reason { line += "; full run because \(reason)" }
                if let c = summary.changes {
                    line += "; vs previous: \(c.products_changed) products changed, +\(c.creators_added)/-\(c.creators_dropped) creators, \(c.rate_changes) rate changes, \(c.became_eligible) became eligible, \(c.became_ineligible) ineligible"
                }
                if summary.pruned_runs > 0 { line += "; pruned \(summary.pruned_runs) old runs" }
                if !summary.cleaned_up_failed_runs.isEmpty { line += "; marked interrupted runs \(summary.cleaned_up_failed_runs.map(String.init).joined(separator: ", ")) failed" }
                print(line)
            }
        }
    }
}

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

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a published run: shortlists (jsonl), or the invitations new since an earlier run.",
        subcommands: [Shortlists.self, Invitations.self]
    )

    struct Shortlists: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print one JSON object per eligible product of a run (jsonl).")
        @OptionGroup var global: GlobalOptions
        @Option(name: .customLong("run"), help: ArgumentHelp("The run (default: the latest published).", valueName: "id")) var runID: Int64?

        func run() throws {
            try runReportingErrors {
                for line in try RunExports(database: try global.openDatabase(), models: try global.loadModels()).shortlistLines(run: runID) { print(line) }
            }
        }
    }

    struct Invitations: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print invitation batches of the creators new since a run (csv or jsonl).")
        @OptionGroup var global: GlobalOptions
        @Option(name: .long, help: ArgumentHelp("The run to compare with: only creators not shortlisted for the product there.", valueName: "id")) var since: Int64
        @Option(name: .customLong("run"), help: ArgumentHelp("The run to export (default: the latest published).", valueName: "id")) var runID: Int64?

        func run() throws {
            try runReportingErrors {
                let models = try global.loadModels()
                let shortlists = try RunExports(database: try global.openDatabase(), models: try global.loadModels()).newInvitations(run: runID, since: since)
                let plan = InvitationBatches.plan(shortlists, limits: models.platform.target_collaboration)
                if global.format == .jsonl || global.format == .json {
                    for row in plan { Terminal.printJSON(row, pretty: false) }
                } else {
                    print(InvitationBatches.csv(plan), terminator: "")
                }
            }
        }
    }
}
