import Foundation
import GRDB
import Logging
import MatchCore
import MatchKernels
import MatchStore

/// Builds invitation shortlists: exact top-k over every creator that passes the filters, ranked by
/// similarity or by the blended ranking, with reasons computed from the score itself.
public struct ShortlistService: Sendable {
    let database: MatchDatabase
    let models: ModelCatalog
    let logger: Logger

    public init(database: MatchDatabase, models: ModelCatalog, logger: Logger = Logger(label: "creatormatch.shortlist")) {
        self.database = database
        self.models = models
        self.logger = logger
    }

    public static let vectorModel = ImportService.suppliedVectorModel

    public func shortlists(_ request: ShortlistRequest) throws(MatchError) -> ShortlistReport {
        let clock = ContinuousClock()
        var timings: [String: Int] = [:]
        func lap(_ name: String, since start: ContinuousClock.Instant) {
            let elapsed = clock.now - start
            timings[name] = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        }
        let started = clock.now

        // Which products, and which of them may be shortlisted today.
        let eligibility = EligibilityService(database: database, models: models)
        let scope: EligibilityScope
        switch request.selection {
        case .ids(let ids) where ids.count == 1: scope = .product(ids[0])
        case .shop(let shop): scope = .shop(shop)
        default: scope = .all
        }
        let report = try eligibility.report(scope: scope, asOf: request.asOf)
        var statusByProduct = Dictionary(uniqueKeysWithValues: report.products.map { ($0.id, $0) })
        let wanted: [String]
        switch request.selection {
        case .ids(let ids):
            for id in ids where statusByProduct[id.rawValue] == nil {
                throw MatchError(.notFound, "no product with id \"\(id)\"; check the id or import the product first")
            }
            wanted = ids.map(\.rawValue)
        case .shop, .allEligible:
            wanted = report.products.map(\.id)
        }
        var skipped: [SkippedProduct] = []
        var eligibleIDs: [ProductID] = []
        for id in wanted {
            let entry = statusByProduct[id]!
            if entry.status == EligibilityStatus.eligible.rawValue {
                eligibleIDs.append(ProductID(id))
            } else {
                skipped.append(SkippedProduct(product_id: id, status: entry.status, reasons: entry.reasons.map { $0.message + ($0.to_requalify.map { " → " + $0 } ?? "") }))
            }
        }
        statusByProduct.removeAll()
        if case .ids(let ids) = request.selection, ids.count == 1, let only = skipped.first {
            throw MatchError(.ineligible, "product \(only.product_id) is \(only.status.replacingOccurrences(of: "_", with: " ")), so it gets no shortlist: \(only.reasons.joined(separator: "; "))")
        }
        lap("eligibility", since: started)

        let categoryIndex = Dictionary(uniqueKeysWithValues: models.taxonomy.categories.enumerated().map { ($0.element.name, Int32($0.offset)) })
        let model = Self.vectorModel
        let rankBy = request.rankBy
        let recentDays = request.filters.recentlyInvitedDays ?? (rankBy == .blended ? models.ranking.recently_invited_days : 0)

        struct Loaded {
            var pool: CandidatePool
            var matrix: FeatureMatrix
            var products: [Product]
            var productVectors: [[Float]]
            var exclusions: [[Int32]]
        }
        let loadStart = clock.now
        let loaded: Loaded = try database.read { db in
            guard let creatorSpace = try VectorSpaceQuery.space(db, kind: .creator, model: model) else {
                throw MatchError(.noVectors, "no creator has a vector yet; import creators with a \"vector\" field")
            }
            let productSpace = try VectorSpaceQuery.space(db, kind: .product, model: model)
            guard productSpace?.dimension == creatorSpace.dimension || productSpace == nil else {
                throw MatchError(.dimensionMismatch, "product vectors have dimension \(productSpace!.dimension) but creator vectors \(creatorSpace.dimension); re-import one side so both match")
            }
            var products: [Product] = []
            var vectors: [[Float]] = []
            let found = try VectorQueries.productVectors(db, model: model, ids: eligibleIDs)
            for id in eligibleIDs {
                guard let product = try StoreQueries.product(db, id: id) else { continue }
                guard let vector = found[id] else {
                    skipped.append(SkippedProduct(product_id: id.rawValue, status: "no_vector", reasons: ["the product has no vector; re-import it with a \"vector\" of \(creatorSpace.dimension) numbers"]))
                    continue
                }
                products.append(product)
                vectors.append(vector)
            }
            let pool = try CandidatePool.load(db, model: model, filters: request.filters, catalog: models, categoryIndex: categoryIndex)
            let kept = pool.keptPositions
            var matrix = try VectorQueries.creatorMatrix(db, model: model, dimension: creatorSpace.dimension) { kept[$0] }
            matrix = matrix.normalized()
            var exclusions: [[Int32]] = []
            var byShopCache: [ShopID: Set<Int32>] = [:]
            for product in products {
                var excluded = Set<Int32>()
                for id in try StoreQueries.creatorsInvited(db, to: product.id) {
                    if let i = pool.index(of: id) { excluded.insert(Int32(i)) }
                }
                if recentDays > 0 || request.filters.excludeDeclined {
                    if byShopCache[product.shopID] == nil {
                        var shopExcluded = Set<Int32>()
                        if recentDays > 0 {
                            for id in try StoreQueries.creatorsInvited(db, byShop: product.shopID, since: request.asOf.advanced(by: -recentDays)) {
                                if let i = pool.index(of: id) { shopExcluded.insert(Int32(i)) }
                            }
                        }
                        if request.filters.excludeDeclined {
                            for id in try StoreQueries.creatorsWhoDeclined(db, shop: product.shopID) {
                                if let i = pool.index(of: id) { shopExcluded.insert(Int32(i)) }
                            }
                        }
                        byShopCache[product.shopID] = shopExcluded
                    }
                    excluded.formUnion(byShopCache[product.shopID]!)
                }
                exclusions.append(excluded.sorted())
            }
            return Loaded(pool: pool, matrix: matrix, products: products, productVectors: vectors, exclusions: exclusions)
        }
        lap("load", since: loadStart)

        let pool = loaded.pool
        let d = loaded.matrix.dimension
        let productMatrix = FeatureMatrix(rows: loaded.products.count, dimension: d, values: loaded.productVectors.flatMap { $0 }).normalized()
        let ranking = BlendedRanking(model: models.ranking, taxonomy: models.taxonomy)
        let productCategories = loaded.products.map { categoryIndex[$0.category] ?? -1 }
        let productRates = loaded.products.map(\.commissionRate)

        var adjustment: ScoreAdjustment?
        if rankBy == .blended {
            let w = models.ranking.weights
            let strengths = pool.signals.map { ranking.strength($0) }
            let posts = pool.signals.map { ranking.postRate($0) }
            let bounds = pool.signals.indices.map { Float(ranking.bonusUpperBound(pool.signals[$0])) }
            let signals = pool.signals
            adjustment = ScoreAdjustment(scale: Float(w.similarity), upperBounds: bounds) { p, c in
                let share = ranking.categoryShare(signals[c], productCategory: productCategories[p])
                let fit = ranking.commissionFit(signals[c], offeredRate: productRates[p])
                return Float(w.sales_strength * strengths[c] * share + w.post_rate * posts[c] + w.commission_fit * fit)
            }
        }
        let searchStart = clock.now
        let results: [[ScoredIndex]]
        do {
            results = try TopKSearch(configuration: request.tiles).search(
                products: productMatrix, creators: InMemoryCreators(normalized: loaded.matrix), k: request.k,
                exclusions: loaded.exclusions, adjustment: adjustment)
        } catch {
            throw MatchError(.database, "scoring failed: \(error)")
        }
        lap("search", since: searchStart)

        let explainer = ReasonWriter(models: models, ranking: ranking, filters: request.filters, recentDays: recentDays)
        var shortlists: [Shortlist] = []
        for (p, product) in loaded.products.enumerated() {
            let productRow = productMatrix.row(p)
            let entries = results[p].enumerated().map { rank, candidate -> ShortlistEntry in
                let c = Int(candidate.index)
                let similarity = Self.cosine(productRow, loaded.matrix.row(c))
                let parts = rankBy == .blended
                    ? ranking.parts(similarity: similarity, creator: pool.signals[c], productCategory: productCategories[p], offeredRate: productRates[p])
                    : nil
                return ShortlistEntry(
                    rank: rank + 1, creator_id: pool.ids[c], username: pool.usernames[c], followers: pool.followers[c],
                    tier: models.platform.tier(followers: pool.followers[c])?.name,
                    score: Self.rounded(Double(candidate.score)), similarity: Self.rounded(similarity),
                    score_parts: parts.map(Self.rounded),
                    reasons: explainer.reasons(product: product, creator: pool.signals[c], followers: pool.followers[c], similarity: similarity, parts: parts))
            }
            shortlists.append(Shortlist(
                product_id: product.id.rawValue, run_id: nil, shop_id: product.shopID.rawValue, category: product.category,
                offered_rate: product.commissionRate, rank_by: rankBy.rawValue, creators: entries))
        }
        lap("total", since: started)
        logger.info("shortlist.finished", metadata: [
            "shortlist.products": "\(shortlists.count)", "shortlist.candidates": "\(pool.ids.count)",
            "job.duration_ms": "\(timings["total"] ?? 0)",
        ])
        return ShortlistReport(
            as_of: request.asOf.description, rank_by: rankBy.rawValue, k: request.k, vector_model: model,
            candidates: pool.ids.count, filters: explainer.filterDescriptions, shortlists: shortlists,
            skipped: skipped, timings_ms: timings)
    }

    /// Cosine of two normalized rows, in double precision (what the reasons and `similarity` report).
    static func cosine(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Double {
        var sum = 0.0
        for (x, y) in zip(a, b) { sum += Double(x) * Double(y) }
        return sum
    }

    static func rounded(_ value: Double) -> Double { (value * 1_000_000).rounded() / 1_000_000 }

    static func rounded(_ parts: ScoreParts) -> ScoreParts {
        ScoreParts(similarity: rounded(parts.similarity), salesStrength: rounded(parts.salesStrength), postRate: rounded(parts.postRate), commissionFit: rounded(parts.commissionFit))
    }
}

enum VectorSpaceQuery {
    static func space(_ db: Database, kind: VectorOwnerKind, model: String) throws -> VectorSpace? {
        try StoreQueries.vectorSpace(db, kind: kind, model: model)
    }
}
