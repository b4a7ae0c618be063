import ArgumentParser
import Foundation
import Logging
import MatchCore
import MatchService
import MatchStore

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, jsonl, csv
}

/// Options every subcommand takes: where the database and the models are, and how to print.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The SQLite database file (default: $CREATORMATCH_DB, else creatormatch.sqlite in the working folder).", valueName: "path"))
    var db: String?

    @Option(name: .long, help: "Output: text for people, json (one document) or jsonl (one object a line) for machines; csv for invitation batches.")
    var format: OutputFormat = .text

    @Option(name: .long, help: ArgumentHelp("The Models folder (default: $CREATORMATCH_MODELS, ./Models, or the checkout the binary was built in).", valueName: "dir"))
    var models: String?

    @Flag(name: .long, help: "Log debug details to stderr.")
    var verbose = false

    /// csv is only an invitation-batch format.
    func rejectCSV() throws {
        if format == .csv { throw ValidationError("--format csv is only for shortlist --batches; use text, json or jsonl") }
    }

    var databasePath: String {
        if let db { return db }
        if let fromEnvironment = ProcessInfo.processInfo.environment["CREATORMATCH_DB"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return "creatormatch.sqlite"
    }

    var logger: Logger {
        var logger = Logger(label: "creatormatch")
        logger.logLevel = verbose ? .debug : .warning
        return logger
    }

    func openDatabase() throws(MatchError) -> MatchDatabase {
        try MatchDatabase(path: databasePath, logger: logger)
    }

    func loadModels() throws(MatchError) -> ModelCatalog {
        try ModelCatalog.load(from: try ModelCatalog.locate(explicit: models))
    }
}

/// Runs a command body, turning a `MatchError` into a one-line message on stderr and exit status 1.
func runReportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as MatchError {
        Terminal.standardError("error: \(error.message)\n")
        throw ExitCode.failure
    }
}

enum Terminal {
    static func standardError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    static var standardErrorIsTerminal: Bool { isatty(2) != 0 }

    /// Prints an Encodable as one JSON document (pretty) or one line. A value JSON cannot carry (a
    /// non-finite number) is a failure with a message, never an empty output and exit 0.
    static func printJSON<T: Encodable>(_ value: T, pretty: Bool) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        do {
            print(String(decoding: try encoder.encode(value), as: UTF8.self))
        } catch {
            standardError("error: cannot write the answer as JSON (\(error)); check the values in Models/ and report this\n")
            Foundation.exit(1)
        }
    }
}

extension Day: ExpressibleByArgument {
    public init?(argument: String) {
        guard argument.utf8.count == 10 else { return nil }
        self.init(iso8601: argument)
    }

    public var defaultValueDescription: String { description }
}

/// Ids given on the command line pass the rule every imported id passed (`IdentifierRule`); a bad one
/// is a usage error that says what is wrong with it.
func commandLineID<Entity>(_ text: String) throws -> EntityID<Entity> {
    try EntityID(validating: text)
}

/// Comma-separated ids (`--product a,b`), each checked like `commandLineID`.
func commandLineIDs<Entity>(_ texts: [String], option: String) throws -> [EntityID<Entity>] {
    var ids: [EntityID<Entity>] = []
    for text in texts {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        for part in parts {
            // "a, b": spaces beside a comma belong to the separator (an id never starts or ends with one).
            let part = parts.count > 1 ? part.trimmingCharacters(in: .init(charactersIn: " ")) : String(part)
            if part.isEmpty, parts.count > 1 { continue }
            do { ids.append(try EntityID(validating: part)) } catch {
                throw ValidationError("\(option) \"\(part.prefix(40))\": \(error)")
            }
        }
    }
    return ids
}
