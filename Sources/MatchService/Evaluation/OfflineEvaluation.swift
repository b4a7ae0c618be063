import Foundation
import GRDB
import MatchCore
import MatchKernels
import MatchStore

public struct EvaluationRequest: Sendable {
    /// Sales before this day train (profiles of products learn from them); sales on or after it test.
    public var split: Day
    public var k = 50
    /// Seeds the random baseline.
    public var seed: UInt64 = 1
    /// The concentration cap of the matcher's shortlists (nil: Models/ranking.json).
    public var maxShare: Double?
    /// Count only creators who had not sold the product before the split (and keep those who had out of
    /// every shortlist): what an invitation list is for. Otherwise every test seller counts.
    public var newSellersOnly = false

    public init(split: Day) {
        self.split = split
    }
}

public struct MethodResult: Codable, Sendable {
    public let method: String
    /// Mean over products of |shortlisted ∩ new test sellers| / |new test sellers|.
    public let recall_at_k: Double
    /// Mean normalized discounted cumulative gain (binary relevance).
    public let ndcg_at_k: Double
    /// Share of products whose shortlist holds at least one new test seller.
    public let hit_rate: Double
    /// Distinct creators shortlisted ÷ all creators.
    public let coverage: Double
    /// The largest share of shortlists one creator is in.
    public let max_share: Double
    /// Share of all shortlist slots held by the 10 most shortlisted creators.
    public let top10_slot_share: Double
}

public struct EvaluationReport: Codable, Sendable {
    public let split: String
    public let k: Int
    public let vector_model: String
    public let creators: Int
    public let products_evaluated: Int
    /// New test sellers: creators who sold a product on or after the split and not before.
    public let relevant_pairs: Int
    public let train_sales: Int
    public let max_shortlist_share: Double
    public let methods: [MethodResult]
    public let new_sellers_only: Bool
    public let note: String
}

/// Offline evaluation: the sales before `split` train, the creators who first sell a product on or
/// after it are what a shortlist should have found. Profile vectors are recomputed in memory with
/// products learning only from training sales; nothing is written.
public struct OfflineEvaluation: Sendable {
    let database: MatchDatabase
    let models: ModelCatalog

    public init(database: MatchDatabase, models: ModelCatalog) {
        self.database = database
        self.models = models
    }

    public func evaluate(_ request: EvaluationRequest) throws(MatchError) -> EvaluationReport {
        guard request.k > 0 else { throw MatchError(.invalidInput, "k must be at least 1") }
        return try database.read { db in
            let trainEnd = request.split.advanced(by: -1)
            let vectors = try FeatureService(database: database, models: models).compute(db, salesThrough: trainEnd)
            guard !vectors.creatorIDs.isEmpty else {
                throw MatchError(.noVectors, "no creators to evaluate; import creators (and products and outcomes) first")
            }
            let categoryIndex = Dictionary(uniqueKeysWithValues: models.taxonomy.categories.enumerated().map { ($0.element.name, Int32($0.offset)) })
            let ranking = BlendedRanking(model: models.ranking, taxonomy: models.taxonomy)
            let pool = CandidatePool.build(try ActivityQueries.allCreatorProfiles(db), categoryIndex: categoryIndex, ranking: ranking)
            precondition(pool.ids == vectors.creatorIDs, "profiles and vectors come in the same id order")
            let creatorIndex = Dictionary(uniqueKeysWithValues: pool.ids.enumerated().map { ($0.element, $0.offset) })

            // Train and test sellers per product.
            var train: [String: Set<Int>] = [:]
            var test: [String: Set<Int>] = [:]
            var trainSales = 0
            for sale in try ActivityQueries.sales(db) {
                guard let c = creatorIndex[sale.creatorID] else { continue }
                if sale.day < request.split {
                    train[sale.productID, default: []].insert(c)
                    trainSales += 1
                } else {
                    test[sale.productID, default: []].insert(c)
                }
            }
            let allProducts = Dictionary(uniqueKeysWithValues: try StoreQueries.products(db).map { ($0.id.rawValue, $0) })
            var products: [Product] = []
            var rows: [Float] = []
            var relevant: [Set<Int>] = []
            var exclusions: [[Int32]] = []
            for (p, id) in vectors.productIDs.enumerated() {
                let wanted = request.newSellersOnly ? (test[id] ?? []).subtracting(train[id] ?? []) : (test[id] ?? [])
                guard !wanted.isEmpty, let product = allProducts[id] else { continue }
                products.append(product)
                rows += vectors.products[p]
                relevant.append(wanted)
                exclusions.append(request.newSellersOnly ? (train[id] ?? []).map(Int32.init).sorted() : [])
            }
            guard !products.isEmpty else {
                throw MatchError(.notFound, "no product has a\(request.newSellersOnly ? " new" : "") seller on or after \(request.split); pick a split day inside the sales history")
            }
            let dimension = vectors.creators[0].count
            let productMatrix = FeatureMatrix(rows: products.count, dimension: dimension, values: rows).normalized()
            let creatorMatrix = FeatureMatrix(rows: pool.ids.count, dimension: dimension, values: vectors.creators.flatMap { $0 }).normalized()
            let source = InMemoryCreators(normalized: creatorMatrix)
            let productCategories = products.map { categoryIndex[$0.category] ?? -1 }
            // The rate the creators in the history saw: the product's own (a shortlist today offers the
            // suggested targeted rate instead).
            let offered = products.map(\.commissionRate)
            let share = request.maxShare ?? models.ranking.max_shortlist_share
            let maxLists = ConcentrationCap.maxLists(share: share, lists: products.count, fromLists: request.maxShare == nil ? models.ranking.max_shortlist_share_from_products : 0)
            let k = request.k

            func matcher(_ adjustment: ScoreAdjustment?) throws -> [[ScoredIndex]] {
                let search = TopKSearch()
                let first = try search.search(products: productMatrix, creators: source, k: k, exclusions: exclusions, adjustment: adjustment)
                guard maxLists < products.count, ShortlistService.mostLists(first) > maxLists else { return first }
                return try ShortlistService.capped(k: k, maxLists: maxLists) { depth throws(MatchError) in
                    do {
                        return try search.search(products: productMatrix, creators: source, k: depth, exclusions: exclusions, adjustment: adjustment)
                    } catch {
                        throw (error as? MatchError) ?? MatchError(.database, "scoring failed: \(error)")
                    }
                }
            }
            var lists: [(String, [[Int]])] = []
            do {
                lists.append(("random", randomLists(count: products.count, creators: pool.ids.count, k: k, exclusions: exclusions, seed: request.seed)))
                lists.append(("popularity", popularityLists(productCategories: productCategories, pool: pool, ranking: ranking, k: k, exclusions: exclusions)))
                lists.append(("similarity", try matcher(nil).map { $0.map { Int($0.index) } }))
                let adjustment = ShortlistService.blendedAdjustment(ranking: ranking, pool: pool, productCategories: productCategories, offeredRates: offered)
                lists.append(("blended", try matcher(adjustment).map { $0.map { Int($0.index) } }))
            } catch let error as MatchError {
                throw error
            } catch {
                throw MatchError(.database, "scoring failed: \(error)")
            }
            let methods = lists.map { name, shortlists in Self.metrics(name, shortlists, relevant: relevant, k: k, creators: pool.ids.count) }
            return EvaluationReport(
                split: request.split.description, k: k, vector_model: FeatureService.model, creators: pool.ids.count,
                products_evaluated: products.count, relevant_pairs: relevant.reduce(0) { $0 + $1.count }, train_sales: trainSales,
                max_shortlist_share: share, methods: methods, new_sellers_only: request.newSellersOnly,
                note: (request.newSellersOnly
                    ? "relevant = creators who sold the product on or after \(request.split) and not before; creators who sold it before are excluded from every shortlist"
                    : "relevant = every creator who sold the product on or after \(request.split) (--new-sellers-only counts only those who had not sold it before)")
                    + "; similarity and blended keep each creator in at most \(maxLists) of the \(products.count) shortlists")
        }
    }

    /// k creators drawn uniformly (seeded), none excluded.
    func randomLists(count: Int, creators: Int, k: Int, exclusions: [[Int32]], seed: UInt64) -> [[Int]] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { p in
            let excluded = Set(exclusions[p].map(Int.init))
            var picked: [Int] = []
            var seen = Set<Int>()
            let available = creators - excluded.count
            while picked.count < min(k, available) {
                let c = random.int(0...(creators - 1))
                if excluded.contains(c) || !seen.insert(c).inserted { continue }
                picked.append(c)
            }
            return picked
        }
    }

    /// The creators with the most GMV in the product's category (30-day GMV × category share, related
    /// categories half), the same for every product of a category.
    func popularityLists(productCategories: [Int32], pool: CandidatePool, ranking: BlendedRanking, k: Int, exclusions: [[Int32]]) -> [[Int]] {
        var byCategory: [Int32: [Int]] = [:]
        return productCategories.enumerated().map { p, category in
            if byCategory[category] == nil {
                let scores = pool.signals.map { $0.gmv * ranking.categoryShare($0, productCategory: category) }
                byCategory[category] = pool.ids.indices.filter { scores[$0] > 0 }
                    .sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
            }
            let excluded = Set(exclusions[p].map(Int.init))
            return Array(byCategory[category]!.lazy.filter { !excluded.contains($0) }.prefix(k))
        }
    }

    static func metrics(_ method: String, _ lists: [[Int]], relevant: [Set<Int>], k: Int, creators: Int) -> MethodResult {
        var recall = 0.0, ndcg = 0.0, hits = 0
        var uses: [Int: Int] = [:]
        var slots = 0
        for (p, list) in lists.enumerated() {
            var found = 0
            var dcg = 0.0
            for (rank, c) in list.prefix(k).enumerated() {
                uses[c, default: 0] += 1
                slots += 1
                if relevant[p].contains(c) {
                    found += 1
                    dcg += 1 / log2(Double(rank) + 2)
                }
            }
            let ideal = (0..<min(k, relevant[p].count)).reduce(0.0) { $0 + 1 / log2(Double($1) + 2) }
            recall += Double(found) / Double(relevant[p].count)
            ndcg += ideal > 0 ? dcg / ideal : 0
            if found > 0 { hits += 1 }
        }
        let n = Double(max(1, lists.count))
        let top10 = uses.values.sorted(by: >).prefix(10).reduce(0, +)
        func r(_ x: Double) -> Double { (x * 10_000).rounded() / 10_000 }
        return MethodResult(
            method: method, recall_at_k: r(recall / n), ndcg_at_k: r(ndcg / n), hit_rate: r(Double(hits) / n),
            coverage: r(Double(uses.count) / Double(max(1, creators))), max_share: r(Double(uses.values.max() ?? 0) / n),
            top10_slot_share: r(Double(top10) / Double(max(1, slots))))
    }
}
