import ArgumentParser
import Foundation
import MatchCore
import MatchService

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "The performance report over a period: what sold, who sells, rates against uptake, and what to do.",
        discussion: """
            Products promoted or not, creators ranked by GMV and by GMV per invitation, acceptance rates,
            commission rate against outcome per category, GMV by creator tier, shortlist health over the published
            runs, and actions: raise or lower a rate (with the commission suggestion's evidence), remove a product
            that draws no creators, re-invite the creators who sell, stop inviting the ones who never post.
            --html writes a self-contained page with charts (no network needed to open it).
            """
    )
    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("First day (default 30 days before --to).", valueName: "date"))
    var from: Day?

    @Option(name: .long, help: ArgumentHelp("Last day (default today, UTC).", valueName: "date"))
    var to: Day?

    @Option(name: .long, help: ArgumentHelp("Only this shop's products.", valueName: "id"), transform: commandLineID)
    var shop: ShopID?

    @Option(name: .long, help: ArgumentHelp("Also write the report as an HTML page to this file (- for standard output).", valueName: "path"))
    var html: String?

    func validate() throws { try global.rejectCSV() }

    func run() throws {
        try runReportingErrors {
            let service = PerformanceReportService(database: try global.openDatabase(), models: try global.loadModels())
            let end = to ?? SystemClock().now().utcDay
            let report = try service.report(from: from ?? end.advanced(by: -29), to: end, shop: shop)
            if let html {
                let page = ReportHTML.render(report)
                if html == "-" {
                    print(page)
                    return
                }
                do {
                    try page.write(toFile: html, atomically: true, encoding: .utf8)
                } catch {
                    throw MatchError(.io, "cannot write \(html): \(error.localizedDescription); check the folder exists and is writable")
                }
            }
            switch global.format {
            case .json: Terminal.printJSON(report, pretty: true)
            case .jsonl, .csv: Terminal.printJSON(report, pretty: false)
            case .text: print(ReportText.render(report), terminator: "")
            }
            if let html, global.format == .text { print("wrote \(html)") }
        }
    }
}
