import ArgumentParser
import MatchCore
import MatchService

struct EligibilityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eligibility",
        abstract: "Check which shops and products may take part in affiliate collaboration, and why not.",
        discussion: """
            Rules and thresholds come from Models/policies: each shop's region picks its policy (default.json
            holds the source article's numbers) unless --policy names one. A product's status is the worse
            of its own and its shop's.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("Only this shop and its products.", valueName: "id"), transform: commandLineID)
    var shop: ShopID?

    @Option(name: .long, help: ArgumentHelp("Only this product (and its shop).", valueName: "id"), transform: commandLineID)
    var product: ProductID?

    @Option(name: .customLong("as-of"), help: ArgumentHelp("The day to evaluate (YYYY-MM-DD, default today, UTC).", valueName: "date"))
    var asOf: Day?

    @Option(name: .long, help: ArgumentHelp("Apply this policy to every shop instead of choosing by region.", valueName: "name"))
    var policy: String?

    @Flag(name: .long, help: "In the text table, list eligible products too (json and jsonl always list everything).")
    var all = false

    func validate() throws {
        try global.rejectCSV()
        if shop != nil, product != nil {
            throw ValidationError("give --shop or --product, not both")
        }
    }

    func run() throws {
        try runReportingErrors {
            let models = try global.loadModels()
            let database = try global.openDatabase()
            let scope: EligibilityScope = shop.map { .shop($0) } ?? product.map { .product($0) } ?? .all
            let report = try EligibilityService(database: database, models: models).report(
                scope: scope, asOf: asOf ?? SystemClock().now().utcDay, policyName: policy)
            switch global.format {
            case .json: Terminal.printJSON(report, pretty: true)
            case .jsonl, .csv:
                for shop in report.shops { Terminal.printJSON(KindTagged(kind: "shop", as_of: report.as_of, entry: shop), pretty: false) }
                for product in report.products { Terminal.printJSON(KindTagged(kind: "product", as_of: report.as_of, entry: product), pretty: false) }
            case .text: printTable(report)
            }
        }
    }

    struct KindTagged<Entry: Encodable>: Encodable {
        let kind: String
        let as_of: String
        let entry: Entry

        func encode(to encoder: any Encoder) throws {
            try entry.encode(to: encoder)
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(kind, forKey: .kind)
            try container.encode(as_of, forKey: .as_of)
        }

        enum Keys: String, CodingKey { case kind, as_of }
    }

    func printTable(_ report: EligibilityReport) {
        print("Eligibility as of \(report.as_of) (policy: \(report.policy == "by-region" ? "by shop region" : report.policy))")
        print("")
        let shopWidth = max(4, report.shops.map(\.id.count).max() ?? 0)
        print("SHOP".padded(shopWidth) + "  " + "POLICY".padded(9) + "  " + "STATUS".padded(24) + "  WHY")
        for shop in report.shops {
            let why = shop.reasons.map { describe($0) }.joined(separator: "; ")
            print(shop.id.padded(shopWidth) + "  " + shop.policy.padded(9) + "  " + label(shop.status).padded(24) + "  " + (why.isEmpty ? "-" : why))
        }
        print("")
        let productWidth = max(7, report.products.map(\.id.count).max() ?? 0)
        print("PRODUCT".padded(productWidth) + "  " + "SHOP".padded(shopWidth) + "  " + "STATUS".padded(24) + "  WHY")
        let listed = all || shop != nil || product != nil ? report.products : report.products.filter { $0.status != "eligible" }
        for product in listed {
            let own = product.reasons.filter { $0.rule != "product.shop_eligibility" }.map { describe($0) }
            let shopFailed = product.reasons.contains { $0.rule == "product.shop_eligibility" }
            let why = (own + (shopFailed ? ["shop \(product.shop_id) is not eligible"] : [])).joined(separator: "; ")
            print(product.id.padded(productWidth) + "  " + product.shop_id.padded(shopWidth) + "  " + label(product.status).padded(24) + "  " + (why.isEmpty ? "-" : why))
        }
        if listed.count < report.products.count {
            print("(\(report.products.count - listed.count) eligible products not listed; --all lists them)")
        }
        print("")
        func line(_ counts: [String: Int]) -> String {
            EligibilityStatus.allCases.map { "\(counts[$0.rawValue] ?? 0) \($0.displayName)" }.joined(separator: ", ")
        }
        print("shops: \(line(report.summary.shops))")
        print("products: \(line(report.summary.products))")
    }

    func label(_ status: String) -> String {
        EligibilityStatus(rawValue: status)?.displayName ?? status
    }

    func describe(_ reason: EligibilityReport.Reason) -> String {
        var text = reason.message
        if let fix = reason.to_requalify, !fix.isEmpty { text += " → \(fix)" }
        return text
    }
}

extension String {
    func padded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
