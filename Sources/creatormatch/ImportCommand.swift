import ArgumentParser
import MatchCore
import MatchInterchange
import MatchService

extension EntityKind: ExpressibleByArgument {}
extension InterchangeFormat: ExpressibleByArgument {}

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import shops, products, creators, outcomes or invitations from JSON Lines or CSV.",
        discussion: """
            One transaction per file: by default a file with any bad record writes nothing, and the error
            names the file, line and field. Re-importing an id updates it. Import shops before products,
            and creators and products before outcomes and invitations.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "What the file holds: shops, products, creators, outcomes or invitations.")
    var entity: EntityKind

    @Argument(help: ArgumentHelp("The file to read, or - for standard input.", valueName: "file"))
    var file: String

    @Option(name: .customLong("input-format"), help: "jsonl or csv (default: from the file extension, else from the first character).")
    var inputFormat: InterchangeFormat?

    @Flag(name: .long, help: "Write the good records and put the bad ones, with reasons, in a rejects file.")
    var skipInvalid = false

    @Option(name: .long, help: ArgumentHelp("Where --skip-invalid writes rejected records (default: FILE.rejects.jsonl).", valueName: "path"))
    var rejects: String?

    @Option(name: .customLong("max-record-bytes"), help: ArgumentHelp("Longest accepted record (one JSON line, or one CSV row with its quoted line breaks). A longer one is refused with its line number; without --skip-invalid reading stops there.", valueName: "bytes"))
    var maxRecordBytes = RecordReader.defaultMaxRecordBytes

    func validate() throws {
        try global.rejectCSV()
        guard maxRecordBytes >= 1024 else { throw ValidationError("--max-record-bytes must be at least 1024") }
        if rejects != nil, !skipInvalid {
            throw ValidationError("--rejects goes with --skip-invalid")
        }
    }

    func run() throws {
        try runReportingErrors {
            let models = try global.loadModels()
            let database = try global.openDatabase()
            let service = ImportService(database: database, models: models, logger: global.logger)
            let showProgress = Terminal.standardErrorIsTerminal && global.format == .text
            let report = try service.importFile(
                entity, path: file,
                options: ImportOptions(format: inputFormat, skipInvalid: skipInvalid, rejectsPath: rejects, maxRecordBytes: maxRecordBytes),
                progress: showProgress ? { progress in
                    var line = "\rimporting \(entity.rawValue): \(progress.records) records"
                    if let total = progress.totalBytes, total > 0 {
                        line += " (\(Int(Double(progress.bytesRead) * 100 / Double(total)))%)"
                    }
                    Terminal.standardError(line)
                } : nil)
            if showProgress { Terminal.standardError("\r\u{1B}[K") }
            switch global.format {
            case .json: Terminal.printJSON(report, pretty: true)
            case .jsonl, .csv: Terminal.printJSON(report, pretty: false)
            case .text:
                var line = "imported \(report.imported) \(entity.rawValue) from \(report.file)"
                if report.vectors > 0 { line += " (\(report.vectors) vectors)" }
                line += " in \(String(format: "%.2f", report.durationSeconds)) s"
                if let profiles = report.profileVectors {
                    line += "; profile vectors refreshed (\(profiles.creators) creators, \(profiles.products) products)"
                }
                print(line)
                if report.rejected > 0 {
                    print("rejected \(report.rejected) record\(report.rejected == 1 ? "" : "s"); see \(report.rejectsFile ?? "the rejects file"):")
                    for issue in report.issues {
                        print("  " + ImportService.describe(issue, in: report.file))
                    }
                    if report.rejected > report.issues.count {
                        print("  … and \(report.rejected - report.issues.count) more")
                    }
                }
            }
        }
    }
}
