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
    /// Creators kept in memory between calls (the server); nil reads them for each call.
    let warm: WarmCreators?

    public init(database: MatchDatabase, models: ModelCatalog, warm: WarmCreators? = nil, logger: Logger = Logger(label: "creatormatch.shortlist")) {
        self.database = database
        self.models = models
        self.warm = warm
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

        let ranking = BlendedRanking(model: models.ranking, taxonomy: models.taxonomy)
        struct Scored {
            var pool: CandidatePool
            var products: [Product]
            var productMatrix: FeatureMatrix
            var results: [[ScoredIndex]]
            /// Normalized vectors of the creators in the results, by candidate index.
            var resultVectors: [Int: [Float]]
            var suggestions: [ProductID: CommissionSuggestion]
        }
        let loadStart = clock.now
        var searchStart = clock.now
        // One read transaction: every creator, vector and invitation comes from the same snapshot.
        let scored: Scored = try database.read { db in
            guard let creatorSpace = try StoreQueries.vectorSpace(db, kind: .creator, model: model) else {
                throw MatchError(.noVectors, "no creator has a vector yet; import creators with a \"vector\" field")
            }
            if let productSpace = try StoreQueries.vectorSpace(db, kind: .product, model: model), productSpace.dimension != creatorSpace.dimension {
                throw MatchError(.dimensionMismatch, "product vectors have dimension \(productSpace.dimension) but creator vectors \(creatorSpace.dimension); re-import one side so both match")
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
            let productMatrix = FeatureMatrix(rows: products.count, dimension: creatorSpace.dimension, values: vectors.flatMap { $0 }).normalized()
            let exclusionsFor: (CandidatePool) throws -> [[Int32]] = { pool in
                try Self.exclusions(db, products: products, pool: pool, filters: request.filters, recentDays: recentDays, asOf: request.asOf)
            }
            let pool: CandidatePool
            let source: any CreatorTileSource
            var matrix: FeatureMatrix?
            if let warm, !request.streaming {
                let snapshot = try warm.current(db, model: model, dimension: creatorSpace.dimension, categoryIndex: categoryIndex, ranking: ranking)
                pool = try snapshot.pool.filtered(by: request.filters, catalog: models, categoryIndex: categoryIndex)
                if CandidatePool.narrows(request.filters) {
                    matrix = snapshot.matrix.gathering(pool.positions)
                    source = InMemoryCreators(normalized: matrix!)
                } else {
                    matrix = snapshot.matrix
                    source = InMemoryCreators(normalized: snapshot.matrix, packed: snapshot.packed)
                }
            } else {
                pool = try CandidatePool.load(db, model: model, categoryIndex: categoryIndex, ranking: ranking).filtered(by: request.filters, catalog: models, categoryIndex: categoryIndex)
                if request.streaming {
                    source = CreatorVectorStream(db: db, model: model, dimension: creatorSpace.dimension, keep: pool.keepMask)
                } else {
                    let kept = pool.keepMask
                    matrix = try VectorQueries.normalizedCreatorMatrix(db, model: model, dimension: creatorSpace.dimension, rows: pool.ids.count) { kept[$0] }
                    source = InMemoryCreators(normalized: matrix!)
                }
            }
            let exclusions = try exclusionsFor(pool)
            lap("load", since: loadStart)
            searchStart = clock.now
            let suggestions = try CommissionService(database: database, models: models).suggestions(for: products, db: db, asOf: request.asOf)
            let offeredRates = products.map { suggestions[$0.id]?.target_rate ?? $0.commissionRate }
            let adjustment = rankBy == .blended ? Self.blendedAdjustment(ranking: ranking, pool: pool, products: products, offeredRates: offeredRates, categoryIndex: categoryIndex) : nil
            let results: [[ScoredIndex]]
            do {
                results = try TopKSearch(configuration: request.tiles).search(
                    products: productMatrix, creators: source, k: request.k, exclusions: exclusions, adjustment: adjustment)
            } catch let error as MatchError {
                throw error
            } catch {
                throw MatchError(.database, "scoring failed: \(error)")
            }
            lap("search", since: searchStart)
            var resultVectors: [Int: [Float]] = [:]
            for c in Set(results.joined().map { Int($0.index) }) {
                if let matrix {
                    resultVectors[c] = Array(matrix.row(c))
                } else if let raw = try VectorQueries.creatorVector(db, model: model, id: CreatorID(pool.ids[c])) {
                    resultVectors[c] = FeatureMatrix(rows: 1, dimension: raw.count, values: raw).normalized().values
                }
            }
            return Scored(pool: pool, products: products, productMatrix: productMatrix, results: results, resultVectors: resultVectors, suggestions: suggestions)
        }

        let pool = scored.pool
        let productMatrix = scored.productMatrix
        let results = scored.results
        let productCategories = scored.products.map { categoryIndex[$0.category] ?? -1 }
        let productRates = scored.products.map { scored.suggestions[$0.id]?.target_rate ?? $0.commissionRate }
        let explainer = ReasonWriter(models: models, ranking: ranking, filters: request.filters, recentDays: recentDays)
        var shortlists: [Shortlist] = []
        for (p, product) in scored.products.enumerated() {
            let productRow = productMatrix.row(p)
            let entries = results[p].enumerated().map { rank, candidate -> ShortlistEntry in
                let c = Int(candidate.index)
                let similarity = Self.cosine(productRow, scored.resultVectors[c]?[...] ?? [])
                let parts = rankBy == .blended
                    ? ranking.parts(similarity: similarity, creator: pool.signals[c], productCategory: productCategories[p], offeredRate: productRates[p])
                    : nil
                return ShortlistEntry(
                    rank: rank + 1, creator_id: pool.ids[c], username: pool.usernames[c], followers: pool.followers[c],
                    tier: models.platform.tier(followers: pool.followers[c])?.name,
                    score: Self.rounded(Double(candidate.score)), similarity: Self.rounded(similarity),
                    score_parts: parts.map(Self.rounded),
                    reasons: explainer.reasons(product: product, offeredRate: productRates[p], creator: pool.signals[c], followers: pool.followers[c], similarity: similarity, parts: parts))
            }
            shortlists.append(Shortlist(
                product_id: product.id.rawValue, run_id: nil, shop_id: product.shopID.rawValue, category: product.category,
                offered_rate: productRates[p], suggested_open_rate: scored.suggestions[product.id]?.suggested_rate,
                current_rate: product.commissionRate, rank_by: rankBy.rawValue, creators: entries))
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

    /// Per product, the sorted candidate indices it must not return: creators already invited to it,
    /// invited by its shop in the last `recentDays` days, or (when asked) who declined the shop.
    static func exclusions(_ db: Database, products: [Product], pool: CandidatePool, filters: CreatorFilters, recentDays: Int, asOf: Day) throws -> [[Int32]] {
        var byShop: [ShopID: Set<Int32>] = [:]
        func indices(_ ids: [String]) -> [Int32] { ids.compactMap { pool.index(of: $0).map(Int32.init) } }
        return try products.map { product in
            var excluded = Set(indices(try StoreQueries.creatorsInvited(db, to: product.id)))
            if recentDays > 0 || filters.excludeDeclined {
                if byShop[product.shopID] == nil {
                    var shopExcluded = Set<Int32>()
                    if recentDays > 0 {
                        shopExcluded.formUnion(indices(try StoreQueries.creatorsInvited(db, byShop: product.shopID, since: asOf.advanced(by: -recentDays))))
                    }
                    if filters.excludeDeclined {
                        shopExcluded.formUnion(indices(try StoreQueries.creatorsWhoDeclined(db, shop: product.shopID)))
                    }
                    byShop[product.shopID] = shopExcluded
                }
                excluded.formUnion(byShop[product.shopID]!)
            }
            return excluded.sorted()
        }
    }

    /// `similarity_weight · cosine + bonus`, the bonus bounded per creator for the kernel's first pass.
    static func blendedAdjustment(ranking: BlendedRanking, pool: CandidatePool, products: [Product], offeredRates: [Int?], categoryIndex: [String: Int32]) -> ScoreAdjustment {
        let w = ranking.model.weights
        let signals = pool.signals
        let strengths = pool.strengths
        let posts = pool.postRates
        let bounds = pool.bonusBounds
        let productCategories = products.map { categoryIndex[$0.category] ?? -1 }
        let productRates = offeredRates
        return ScoreAdjustment(scale: Float(w.similarity), upperBounds: bounds) { p, c in
            let share = ranking.categoryShare(signals[c], productCategory: productCategories[p])
            let fit = ranking.commissionFit(signals[c], offeredRate: productRates[p])
            return Float(w.sales_strength * strengths[c] * share + w.post_rate * posts[c] + w.commission_fit * fit)
        }
    }

    /// Cosine of two normalized rows by the kernel's own definition (`ExactScore`), so the reported
    /// `similarity` is the score the ranking used.
    static func cosine(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Double {
        guard a.count == b.count, !a.isEmpty else { return 0 }
        return Array(a).withUnsafeBufferPointer { pa in
            Array(b).withUnsafeBufferPointer { pb in Double(ExactScore.cosine(pa.baseAddress!, pb.baseAddress!, dimension: a.count)) }
        }
    }

    static func rounded(_ value: Double) -> Double { (value * 1_000_000).rounded() / 1_000_000 }

    static func rounded(_ parts: ScoreParts) -> ScoreParts {
        ScoreParts(similarity: rounded(parts.similarity), salesStrength: rounded(parts.salesStrength), postRate: rounded(parts.postRate), commissionFit: rounded(parts.commissionFit))
    }
}
