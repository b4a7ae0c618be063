import ArgumentParser
import MatchService

@main
struct CreatorMatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "creatormatch",
        abstract: "Match TikTok Shop products with the creators to invite, and check affiliate eligibility.",
        discussion: """
            Global options (--db, --format, --models) may be given before or after the subcommand.
            Exit status: 0 success, 64 usage error, 1 failure (the message says what to do).
            """,
        version: CreatorMatchVersion.current,
        subcommands: [ImportCommand.self, EligibilityCommand.self, ShortlistCommand.self, SimilarCommand.self, CommissionCommand.self, RescoreCommand.self, RunsCommand.self, ExportCommand.self, ServeCommand.self, StatsCommand.self, SamplesCommand.self, ReportCommand.self, FeaturizeCommand.self, SimulateCommand.self, EvaluateCommand.self, DemoCommand.self]
    )

    /// Lets global options stand before the subcommand (`creatormatch --db x.sqlite import …`) by
    /// moving them after it, where each subcommand's `GlobalOptions` reads them.
    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        var moved: [String] = []
        let valued: Set<String> = ["--db", "--format", "--models"]
        while let first = arguments.first, first.hasPrefix("--") {
            let name = String(first.split(separator: "=", maxSplits: 1)[0])
            guard valued.contains(name) || first == "--verbose" else { break }
            moved.append(arguments.removeFirst())
            if valued.contains(first), !arguments.isEmpty { moved.append(arguments.removeFirst()) }
        }
        if !moved.isEmpty, !arguments.isEmpty {
            // After the whole command path: a command with subcommands (`runs list`) has two words.
            let groups = Set(configuration.subcommands.filter { !$0.configuration.subcommands.isEmpty }.compactMap { $0.configuration.commandName })
            let depth = groups.contains(arguments[0]) && arguments.count >= 2 && !arguments[1].hasPrefix("-") ? 2 : 1
            arguments.insert(contentsOf: moved, at: depth)
        } else {
            arguments.insert(contentsOf: moved, at: 0)
        }
        main(arguments)
    }
}
