import Foundation
import Logging
import MatchCore
import MatchKernels
import MatchProtocol
import MatchStore

/// Answers JSON-RPC requests with the same services the command line uses. Params mirror the CLI
/// options in snake_case; results are the CLI's `--format json` documents.
public final class RPCDispatcher: @unchecked Sendable {
    let database: MatchDatabase
    let models: ModelCatalog
    let clock: any WallClock
    let logger: Logger
    /// Creators kept in memory across requests, reloaded when the database changes.
    public let warm: WarmCreators
    /// Commission evidence kept across requests, forgotten when the database changes.
    let evidence: EvidenceCache

    public init(database: MatchDatabase, models: ModelCatalog, clock: any WallClock = SystemClock(), logger: Logger) throws(MatchError) {
        self.database = database
        self.models = models
        self.clock = clock
        self.logger = logger
        let warm = try WarmCreators(databasePath: database.path)
        self.warm = warm
        self.evidence = EvidenceCache { try warm.dataVersion() }
    }

    public static let methods = ["shortlist", "commission", "eligibility", "rescore", "upsert_creators", "upsert_products", "stats", "rpc.discover"]

    /// The JSON text of the result, or a failure to send back.
    public func handle(_ request: JSONRPC.Request) -> Result<String, JSONRPC.Failure> {
        do {
            return .success(try dispatch(request.method, request.params))
        } catch let failure as JSONRPC.Failure {
            return .failure(failure)
        } catch let error as MatchError {
            return .failure(JSONRPC.Failure(error))
        } catch {
            logger.error("rpc.internal_error", metadata: ["rpc.method": "\(request.method)", "error": "\(error)"])
            return .failure(JSONRPC.Failure(.internalError, "internal error while answering \(request.method); the server goes on"))
        }
    }

    func dispatch(_ method: String, _ params: Params) throws -> String {
        let today = clock.now().utcDay
        switch method {
        case "stats":
            try params.allowOnly([])
            var stats = try StoreStats.read(database)
            stats.warm_loads = warm.loads
            return try JSONRPC.encode(stats)

        case "eligibility":
            try params.allowOnly(["shop_id", "product_id", "as_of", "policy"])
            let shop = try params.id("shop_id", ShopID.self)
            let product = try params.id("product_id", ProductID.self)
            guard shop == nil || product == nil else { throw JSONRPC.Failure(.invalidParams, "give \"shop_id\" or \"product_id\", not both") }
            let scope: EligibilityScope = shop.map { .shop($0) } ?? product.map { .product($0) } ?? .all
            let report = try EligibilityService(database: database, models: models)
                .report(scope: scope, asOf: try params.day("as_of") ?? today, policyName: try params.string("policy"))
            return try JSONRPC.encode(report)

        case "commission":
            try params.allowOnly(["category", "product_id", "all", "as_of"])
            let service = CommissionService(database: database, models: models)
            let day = try params.day("as_of") ?? today
            let category = try params.string("category")
            let product = try params.id("product_id", ProductID.self)
            let all = try params.bool("all") ?? false
            guard [category != nil, product != nil, all].filter({ $0 }).count == 1 else {
                throw JSONRPC.Failure(.invalidParams, "give exactly one of \"category\", \"product_id\" or \"all\": true")
            }
            if all { return try JSONRPC.encode(try service.report(asOf: day)) }
            let scope: CommissionScope = category.map { .category($0) } ?? .product(product!)
            return try JSONRPC.encode(try service.suggest(scope, asOf: day))

        case "shortlist":
            try params.allowOnly([
                "product_id", "product_ids", "shop_id", "all", "limit", "rank_by", "as_of", "min_tier", "max_tier", "min_gmv",
                "categories", "recently_invited_days", "exclude_declined", "allow", "deny", "stream", "from_run", "run_id",
                "vectors", "max_share",
            ])
            // From a published run: one indexed read, no scoring.
            if try params.bool("from_run") == true || params.values["run_id"] != nil {
                guard let product = try params.id("product_id", ProductID.self)?.rawValue else {
                    throw JSONRPC.Failure(.invalidParams, "\"from_run\" answers one \"product_id\" at a time")
                }
                let run = try params.int("run_id", in: 1...Int(Int32.max)).map(Int64.init)
                return try RunExports(database: database, models: models).shortlistLine(product: product, run: run)
            }
            let single = try params.id("product_id", ProductID.self)
            let list = try params.ids("product_ids", ProductID.self)
            let shop = try params.id("shop_id", ShopID.self)
            let all = try params.bool("all") ?? false
            guard [single != nil, list != nil, shop != nil, all].filter({ $0 }).count == 1 else {
                throw JSONRPC.Failure(.invalidParams, "give exactly one of \"product_id\", \"product_ids\", \"shop_id\" or \"all\": true")
            }
            let selection: ProductSelection = single.map { .ids([$0]) } ?? list.map { .ids($0) } ?? shop.map { .shop($0) } ?? .allEligible
            var request = ShortlistRequest(selection: selection, asOf: try params.day("as_of") ?? today)
            request.k = try params.int("limit", in: 0...10_000) ?? 50
            if let rankBy = try params.string("rank_by") {
                guard let parsed = RankBy(rawValue: rankBy) else {
                    throw JSONRPC.Failure(.invalidParams, "param \"rank_by\": expected \"similarity\" or \"blended\", got \"\(rankBy.prefix(40))\"")
                }
                request.rankBy = parsed
            }
            var filters = CreatorFilters()
            filters.minTier = try params.string("min_tier")
            filters.maxTier = try params.string("max_tier")
            if let minGMV = try params.number("min_gmv") {
                guard minGMV >= 0 else { throw JSONRPC.Failure(.invalidParams, "param \"min_gmv\": expected a number >= 0") }
                filters.minGMV = minGMV
            }
            filters.categories = try params.strings("categories") ?? []
            filters.recentlyInvitedDays = try params.int("recently_invited_days", in: 0...3650)
            filters.excludeDeclined = try params.bool("exclude_declined") ?? false
            do { try filters.validate(platform: models.platform) } catch { throw JSONRPC.Failure(.invalidParams, "params \"min_tier\"/\"max_tier\": \(error.message)") }
            filters.allow = try params.ids("allow", CreatorID.self).map { Set($0.map(\.rawValue)) }
            filters.deny = Set(try params.ids("deny", CreatorID.self)?.map(\.rawValue) ?? [])
            request.filters = filters
            request.streaming = try params.bool("stream") ?? false
            if let vectors = try params.string("vectors") {
                guard ["supplied", "profile"].contains(vectors) else {
                    throw JSONRPC.Failure(.invalidParams, "param \"vectors\": expected \"supplied\" or \"profile\", got \"\(vectors.prefix(40))\"")
                }
                request.vectorModel = vectors
            }
            if let share = try params.number("max_share") {
                guard share > 0, share <= 1 else { throw JSONRPC.Failure(.invalidParams, "param \"max_share\": expected a share above 0 and at most 1") }
                request.maxShare = share
            }
            let report = try ShortlistService(database: database, models: models, warm: warm, evidence: evidence, logger: logger).shortlists(request)
            // Written directly (the same bytes JSONEncoder writes, tested): a request for every product
            // answers with a million entries.
            if single != nil, let only = report.shortlists.first { return only.jsonText }
            return report.jsonText

        case "upsert_creators", "upsert_products":
            let key = method == "upsert_creators" ? "creators" : "products"
            try params.allowOnly([key])
            let values = try params.objects(key)
            let importer = ImportService(database: database, models: models, clock: clock, logger: logger, writer: warm.writer)
            do {
                let result = try importer.importValues(method == "upsert_creators" ? .creators : .products, values, label: key)
                let creators = result.entities.compactMap { entity -> Creator? in
                    if case .creator(let creator) = entity { return creator }
                    return nil
                }
                if !creators.isEmpty {
                    let categoryIndex = Dictionary(uniqueKeysWithValues: models.taxonomy.categories.enumerated().map { ($0.element.name, Int32($0.offset)) })
                    warm.apply(creators, model: ShortlistService.vectorModel, categoryIndex: categoryIndex,
                               ranking: BlendedRanking(model: models.ranking, taxonomy: models.taxonomy))
                }
                return try JSONRPC.encode(["upserted": result.imported, "vectors": result.vectors])
            } catch let error as MatchError where error.code == .invalidInput {
                throw JSONRPC.Failure(.invalidParams, error.message)
            }

        case "rescore":
            try params.allowOnly(["limit", "rank_by", "as_of", "keep", "wait", "incremental"])
            var request = RescoreRequest(asOf: try params.day("as_of") ?? today)
            request.k = try params.int("limit", in: 0...10_000) ?? 50
            if let rankBy = try params.string("rank_by") {
                guard let parsed = RankBy(rawValue: rankBy) else {
                    throw JSONRPC.Failure(.invalidParams, "param \"rank_by\": expected \"similarity\" or \"blended\", got \"\(rankBy.prefix(40))\"")
                }
                request.rankBy = parsed
            }
            request.keep = try params.int("keep", in: 1...100_000)
            request.wait = try params.bool("wait") ?? false
            request.incremental = try params.bool("incremental") ?? false
            return try JSONRPC.encode(try RescoreService(database: database, models: models, clock: clock, logger: logger, warm: warm).rescore(request))

        case "rpc.discover":
            return OpenRPC.document

        default:
            throw JSONRPC.Failure(.methodNotFound, "no method \"\(method.prefix(60))\"; methods: \(Self.methods.joined(separator: ", "))")
        }
    }
}
