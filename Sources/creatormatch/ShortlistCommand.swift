import ArgumentParser
import Foundation
import MatchCore
import MatchKernels
import MatchService

extension RankBy: ExpressibleByArgument {}
extension FilterPrecision: ExpressibleByArgument {}

/// Creator filters shared by `shortlist` and `similar`.
struct CreatorFilterOptions: ParsableArguments {
    @Option(name: .customLong("min-tier"), help: ArgumentHelp("Lowest follower tier (nano, micro, mid, macro, mega; Models/platform.json).", valueName: "tier"))
    var minTier: String?

    @Option(name: .customLong("max-tier"), help: ArgumentHelp("Highest follower tier.", valueName: "tier"))
    var maxTier: String?

    @Option(name: .customLong("min-gmv"), help: ArgumentHelp("Lowest 30-day GMV (the top of a range counts).", valueName: "amount"))
    var minGMV: Double?

    @Option(name: .customLong("category"), help: ArgumentHelp("Only creators selling in this category or its children (repeatable).", valueName: "name"))
    var categories: [String] = []

    @Option(name: .customLong("recently-invited-days"), help: ArgumentHelp("Drop creators the shop invited in the last N days (default: 90 with --rank-by blended, 0 with similarity).", valueName: "days"))
    var recentlyInvitedDays: Int?

    @Flag(name: .customLong("exclude-declined"), help: "Drop creators who ever declined an invitation from the shop.")
    var excludeDeclined = false

    @Option(name: .customLong("allow"), help: ArgumentHelp("Only these creator ids (comma-separated, or @FILE with one id a line).", valueName: "ids"), transform: { try CreatorFilterOptions.ids($0) })
    var allow: Set<String>?

    @Option(name: .customLong("deny"), help: ArgumentHelp("Never these creator ids (comma-separated, or @FILE).", valueName: "ids"), transform: { try CreatorFilterOptions.ids($0) })
    var deny: Set<String>?

    func validate() throws {
        if let minGMV, !(minGMV >= 0) { throw ValidationError("--min-gmv must be a number >= 0") }
        if let recentlyInvitedDays, recentlyInvitedDays < 0 { throw ValidationError("--recently-invited-days must be >= 0") }
    }

    /// Tier names and their order come from Models/platform.json: checked at parse time too (exit 64).
    func validateTiers(_ global: GlobalOptions) throws {
        guard minTier != nil || maxTier != nil else { return }
        guard let models = try? global.loadModels() else { return }  // run() reports the Models problem
        var filters = CreatorFilters()
        filters.minTier = minTier
        filters.maxTier = maxTier
        do { try filters.validate(platform: models.platform) } catch { throw ValidationError("--min-tier/--max-tier: \(error.message)") }
    }

    func filters() -> CreatorFilters {
        var filters = CreatorFilters()
        filters.minTier = minTier
        filters.maxTier = maxTier
        filters.minGMV = minGMV
        filters.categories = categories
        filters.recentlyInvitedDays = recentlyInvitedDays
        filters.excludeDeclined = excludeDeclined
        filters.allow = allow
        filters.deny = deny ?? []
        return filters
    }

    /// Comma-separated creator ids, or `@FILE` with one id a line (blank lines skipped); every id passes
    /// the rule imported ids passed, so a list cannot name a creator some other way. Read once, when the
    /// option is parsed; a bad id or an unreadable file is a usage error.
    static func ids(_ text: String) throws -> Set<String> {
        if text.hasPrefix("@") {
            let path = String(text.dropFirst())
            guard let contents = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ValidationError("cannot read the id list \(path); check the path")
            }
            var ids: Set<String> = []
            for (number, line) in contents.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let text = line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
                if text.isEmpty { continue }
                do { ids.insert(try CreatorID(validating: text).rawValue) } catch {
                    throw ValidationError("\(path), line \(number + 1): \(error)")
                }
            }
            return ids
        }
        return Set(try commandLineIDs([text], option: "id list").map { (id: CreatorID) in id.rawValue })
    }
}

/// Tile sizes and threads of the scoring kernel.
struct KernelOptions: ParsableArguments {
    @Option(name: .customLong("tile-products"), help: ArgumentHelp("Products per sgemm tile.", valueName: "n"))
    var tileProducts = TileConfiguration().productBlock

    @Option(name: .customLong("tile-creators"), help: ArgumentHelp("Creators per sgemm tile.", valueName: "n"))
    var tileCreators = TileConfiguration().creatorTile

    @Option(name: .long, help: ArgumentHelp("Scoring threads (default: the number of cores; each runs single-threaded OpenBLAS).", valueName: "n"))
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .customLong("filter-precision"), help: "How the kernel pre-filters before exact rescoring: automatic (bfloat16 where the CPU has AVX-512 BF16), float32 or bfloat16. Results are the same.")
    var filterPrecision: FilterPrecision = .automatic

    func validate() throws {
        guard tileProducts > 0, tileCreators > 0, threads > 0 else { throw ValidationError("tile sizes and --threads must be positive") }
    }

    var configuration: TileConfiguration {
        TileConfiguration(productBlock: tileProducts, creatorTile: tileCreators, threads: threads, precision: filterPrecision)
    }
}

struct ShortlistCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shortlist",
        abstract: "Rank the creators to invite for one product, a list, a shop, or every eligible product.",
        discussion: """
            --rank-by similarity is the exact cosine top-k (ties by creator id) over every creator that passes
            the filters; --rank-by blended (default) adds sales strength in the category, post rate and
            commission fit (Models/ranking.json). Creators already invited to the product are never listed.
            Only eligible products get shortlists. --batches exports target-collaboration invitation batches
            (at most 50 creators and 100 products each) as csv or jsonl.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("A product id (repeatable, or comma-separated).", valueName: "id"))
    var product: [String] = []

    @Option(name: .long, help: ArgumentHelp("Every product of this shop.", valueName: "id"), transform: commandLineID)
    var shop: ShopID?

    @Flag(name: .long, help: "Every eligible product.")
    var all = false

    @Option(name: .long, help: "Creators per product.")
    var limit = 50

    @Option(name: .customLong("rank-by"), help: "similarity or blended.")
    var rankBy: RankBy = .blended

    @Option(name: .long, help: ArgumentHelp("Vector model: supplied (imported) or profile (creatormatch featurize); default supplied when creators have it.", valueName: "model"))
    var vectors: String?

    @Option(name: .customLong("max-share"), help: ArgumentHelp("A creator is in at most this share of the request's shortlists (default Models/ranking.json's max_shortlist_share; 1 = no cap).", valueName: "share"))
    var maxShare: Double?

    @Option(name: .customLong("as-of"), help: ArgumentHelp("The day for eligibility and invitation windows (default today, UTC).", valueName: "date"))
    var asOf: Day?

    @Flag(name: .long, help: "Print invitation batches (with --format csv or jsonl) instead of shortlists.")
    var batches = false

    @Flag(name: .long, help: "Stream creator vectors from the database tile by tile instead of loading them all (for creator sets larger than memory).")
    var stream = false

    @OptionGroup var filterOptions: CreatorFilterOptions
    @OptionGroup var kernel: KernelOptions

    var productIDs: [ProductID] { (try? commandLineIDs(product, option: "--product")) ?? [] }

    func validate() throws {
        _ = try commandLineIDs(product, option: "--product") as [ProductID]
        let ways = (productIDs.isEmpty ? 0 : 1) + (shop == nil ? 0 : 1) + (all ? 1 : 0)
        guard ways == 1 else { throw ValidationError("give exactly one of --product, --shop or --all") }
        guard limit >= 0 else { throw ValidationError("--limit must be >= 0") }
        if let maxShare, !(maxShare > 0 && maxShare <= 1) { throw ValidationError("--max-share must be a share above 0 and at most 1") }
        if let vectors, !["supplied", "profile"].contains(vectors) { throw ValidationError("--vectors must be supplied or profile") }
        if batches, global.format != .csv, global.format != .jsonl {
            throw ValidationError("--batches needs --format csv or --format jsonl")
        }
        if !batches, global.format == .csv {
            throw ValidationError("--format csv is only for invitation batches (--batches); use text, json or jsonl for shortlists")
        }
        try filterOptions.validateTiers(global)
    }

    func run() throws {
        try runReportingErrors {
            let models = try global.loadModels()
            let database = try global.openDatabase()
            let selection: ProductSelection = !productIDs.isEmpty ? .ids(productIDs) : shop.map { .shop($0) } ?? .allEligible
            var request = ShortlistRequest(selection: selection, asOf: asOf ?? SystemClock().now().utcDay)
            request.k = limit
            request.rankBy = rankBy
            request.vectorModel = vectors
            request.maxShare = maxShare
            request.filters = filterOptions.filters()
            request.tiles = kernel.configuration
            request.streaming = stream
            let report = try ShortlistService(database: database, models: models, logger: global.logger).shortlists(request)
            if batches {
                let plan = InvitationBatches.plan(report.shortlists, limits: models.platform.target_collaboration)
                switch global.format {
                case .csv: print(InvitationBatches.csv(plan), terminator: "")
                default: for row in plan { Terminal.printJSON(row, pretty: false) }
                }
                return
            }
            switch global.format {
            case .json:
                if productIDs.count == 1, let only = report.shortlists.first {
                    Terminal.printJSON(only, pretty: true)
                } else {
                    Terminal.printJSON(report, pretty: true)
                }
            case .jsonl, .csv:
                // Written directly and in parallel, a chunk at a time (a million entries take seconds
                // through JSONEncoder, and all the lines at once would double the memory).
                let shortlists = report.shortlists
                for start in stride(from: 0, to: shortlists.count, by: 512) {
                    let end = min(shortlists.count, start + 512)
                    for line in parallelMap(end - start, { shortlists[start + $0].jsonText }) { print(line) }
                }
            case .text:
                ShortlistText.print(report)
            }
            for skipped in report.skipped where global.format != .text {
                Terminal.standardError("skipped \(skipped.product_id): \(skipped.status.replacingOccurrences(of: "_", with: " ")): \(skipped.reasons.joined(separator: "; "))\n")
            }
        }
    }
}

enum ShortlistText {
    static func print(_ report: ShortlistReport) {
        Swift.print("Shortlists as of \(report.as_of), ranked by \(report.rank_by), top \(report.k) of \(report.candidates) candidate creators")
        Swift.print("filters: \(report.filters.joined(separator: "; "))")
        for shortlist in report.shortlists {
            Swift.print("")
            var rate = shortlist.offered_rate.map { ", invite at \(CommissionRate.formatPercent($0))" } ?? ""
            if let open = shortlist.suggested_open_rate { rate += " (suggested open rate \(CommissionRate.formatPercent(open))" + (shortlist.current_rate.map { ", now \(CommissionRate.formatPercent($0)))" } ?? ")") }
            Swift.print("\(shortlist.product_id) (\(shortlist.category), shop \(shortlist.shop_id)\(rate))")
            if shortlist.creators.isEmpty { Swift.print("  no creator passes the filters") }
            for entry in shortlist.creators {
                let name = entry.username.map { " @\($0)" } ?? ""
                Swift.print("  \(String(entry.rank).padded(3)) \(entry.creator_id)\(name)  score \(String(format: "%.3f", entry.score))  similarity \(String(format: "%.3f", entry.similarity))")
                for reason in entry.reasons.prefix(entry.reasons.count - 1) {
                    Swift.print("        - \(reason)")
                }
            }
        }
        if !report.skipped.isEmpty {
            Swift.print("")
            Swift.print("not shortlisted:")
            for skipped in report.skipped {
                Swift.print("  \(skipped.product_id): \(skipped.status.replacingOccurrences(of: "_", with: " ")) — \(skipped.reasons.joined(separator: "; "))")
            }
        }
    }
}
