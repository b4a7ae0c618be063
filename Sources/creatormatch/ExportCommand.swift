import ArgumentParser
import Foundation
import MatchCore
import MatchService

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

        func validate() throws {
            guard global.format == .text || global.format == .jsonl else {
                throw ValidationError("export shortlists writes JSON Lines only; drop --format or use --format jsonl")
            }
        }

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

        func validate() throws {
            guard global.format != .json else {
                throw ValidationError("export invitations writes csv (default) or jsonl; use --format csv or --format jsonl")
            }
        }

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
