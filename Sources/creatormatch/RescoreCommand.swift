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
