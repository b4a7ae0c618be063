import Foundation
import MatchCore
import MatchKernels

/// Everything a set of shortlists is computed from, read in one snapshot: the products and their
/// normalized vectors, the creator pool and its vectors, exclusions, commission suggestions and the
/// ranking. Searching and writing entries read it only, so products can be processed in parallel.
struct ShortlistInputs: @unchecked Sendable {
    let rankBy: RankBy
    let tiles: TileConfiguration
    let models: ModelCatalog
    let ranking: BlendedRanking
    var skipped: [SkippedProduct]
    let pool: CandidatePool
    let products: [Product]
    /// Normalized, one row per product.
    let productMatrix: FeatureMatrix
    /// Normalized, one row per pool creator (nil when streaming from SQLite).
    let creatorMatrix: FeatureMatrix?
    let source: any CreatorTileSource
    /// Per product, sorted pool indices it must not return.
    let exclusions: [[Int32]]
    let suggestions: [ProductID: CommissionService.SuggestedRates]
    /// The rate an invitation offers: the suggested targeted rate, else the product's own.
    let offeredRates: [Int?]
    let productCategories: [Int32]
    let explainer: ReasonWriter
    let vectorModel: String
    /// Milliseconds per part of `ShortlistService.load` (products, creators, exclusions, commission).
    let loadTimings: [String: Int]
    /// Set when scoring profile vectors: reasons then name each block's part of the fit.
    let featurizer: ProfileFeaturizer?

    /// Exact top-k of the products at `productIndices` over `creators`, whose rows are the creators
    /// of `pool` (the whole pool or a part of it) with `exclusions` in that pool's indices. `seeds`
    /// (per product, pool indices likely to rank high) only speed the search up.
    func search(products productIndices: [Int], creators: any CreatorTileSource, pool: CandidatePool, k: Int, exclusions: [[Int32]], floors: [Float]? = nil, seeds: [[Int32]]? = nil) throws(MatchError) -> [[ScoredIndex]] {
        // Blended, creators in memory, several categories or many products: one search per category
        // with that category's flattened bonus and bounds, which are much tighter than the shared ones:
        // with each product's floor known from its seeds, the search scores only the creators whose
        // bound can reach it (`TopKSearch.reachable`), a few percent of them in a blended ranking. The
        // results are the same (the bounds only decide what gets scored). Setting a category up reads
        // every creator once, so a few products of one category (an interactive request) keep the
        // shared bounds. Searches without seeds or floors (a concentration cap's deep refill) scan every
        // creator of every category: the creators are packed for the bfloat16 pass once for all of them.
        let groups = Dictionary(grouping: productIndices.indices) { productCategories[productIndices[$0]] }
        if rankBy == .blended, let memory = creators as? InMemoryCreators, groups.count > 1 || productIndices.count >= 32 {
            let seeded = floors != nil || k <= 256
            let source = groups.count > 1 && !seeded && memory.packed == nil
                ? InMemoryCreators(normalized: memory.matrix, packed: TopKSearch.packForBFloat16(memory.matrix))
                : memory
            var results = [[ScoredIndex]](repeating: [], count: productIndices.count)
            for category in groups.keys.sorted() {
                let positions = groups[category]!
                let part = positions.map { productIndices[$0] }
                let rates = part.map { offeredRates[$0] }
                let adjustment = ShortlistService.categoryAdjustment(ranking: ranking, pool: pool, category: category, rates: rates)
                // A product without enough seeds of its own (no previous list, or a shorter one) is seeded
                // with the category's strongest creators by bonus bound: in a blended ranking they head
                // many of its lists. (Not when the caller gives floors: an incremental run's merge search
                // of changed creators starts at each list's boundary already; nor for the deep searches
                // of a concentration cap's refill, where scoring 2k seeds per product would cost more
                // than it saves.)
                let strongest = floors == nil && k <= 256 ? Self.highest(adjustment.upperBounds, count: 2 * k) : []
                // Seeds the product now excludes (say, creators invited from yesterday's list) do not count.
                let groupSeeds = positions.map { position -> [Int32] in
                    let excluded = exclusions[position]
                    let own = (seeds?[position] ?? []).filter { !excluded.sortedContains($0) }
                    return own.count >= k ? own : own + strongest
                }
                let found = try searchOnce(
                    products: part, creators: source, k: k, exclusions: positions.map { exclusions[$0] },
                    floors: floors.map { f in positions.map { f[$0] } }, seeds: groupSeeds, adjustment: adjustment)
                for (j, position) in positions.enumerated() { results[position] = found[j] }
            }
            return results
        }
        let adjustment = rankBy == .blended
            ? ShortlistService.blendedAdjustment(
                ranking: ranking, pool: pool, productCategories: productIndices.map { productCategories[$0] },
                offeredRates: productIndices.map { offeredRates[$0] })
            : nil
        return try searchOnce(products: productIndices, creators: creators, k: k, exclusions: exclusions, floors: floors, seeds: seeds, adjustment: adjustment)
    }

    /// The indices of the `count` highest values (ties by lower index).
    static func highest(_ values: [Float], count: Int) -> [Int32] {
        var top = TopKCollector(k: min(count, values.count))
        for (i, v) in values.enumerated() where v >= top.threshold { top.offer(score: v, index: Int32(i)) }
        return top.sorted().map(\.index)
    }

    func searchOnce(products productIndices: [Int], creators: any CreatorTileSource, k: Int, exclusions: [[Int32]], floors: [Float]?, seeds: [[Int32]]? = nil, adjustment: ScoreAdjustment?) throws(MatchError) -> [[ScoredIndex]] {
        let matrix = productIndices.count == products.count ? productMatrix : productMatrix.gathering(productIndices)
        do {
            return try TopKSearch(configuration: tiles).search(products: matrix, creators: creators, k: k, exclusions: exclusions, adjustment: adjustment, floors: floors, seeds: seeds)
        } catch let error as MatchError {
            throw error
        } catch {
            throw MatchError(.database, "scoring failed: \(error)")
        }
    }

    /// The entries of product `p` for its ranked pool indices. `streamed` gives a creator's normalized
    /// vector when there is no matrix in memory.
    func entries(_ p: Int, _ ranked: [ScoredIndex], streamed: (Int) -> ArraySlice<Float> = { _ in [] }) -> [ShortlistEntry] {
        let context = cardContext(p)
        return cards(p, ranked, streamed: streamed).enumerated().map { context.entry($0.element, rank: $0.offset + 1) }
    }

    /// What a run keeps of those entries (rendered by `cardContext(p)` into the same entries).
    func cards(_ p: Int, _ ranked: [ScoredIndex], streamed: (Int) -> ArraySlice<Float> = { _ in [] }) -> [EntryCard] {
        let productRow = productMatrix.row(p)
        return ranked.map { candidate in
            let c = Int(candidate.index)
            let creatorRow = creatorMatrix?.row(c) ?? streamed(c)
            let similarity = ShortlistService.cosine(productRow, creatorRow)
            let signals = pool.signals[c]
            return EntryCard(
                creatorID: pool.ids[c], creator: creatorPart(c), score: candidate.score, similarity: similarity,
                parts: rankBy == .blended
                    ? ranking.parts(similarity: similarity, creator: signals, productCategory: productCategories[p], offeredRate: offeredRates[p])
                    : nil,
                share: ranking.categoryShare(signals, productCategory: productCategories[p]),
                blocks: featurizer?.blockDots(productRow, creatorRow),
                profileNote: featurizer?.profileNote(creator: creatorRow, product: productRow))
        }
    }

    /// What creator `c` contributes to each of its entries (in its cards, and once per published run).
    func creatorPart(_ c: Int) -> CreatorPart {
        let signals = pool.signals[c]
        return CreatorPart(
            username: pool.usernames[c], followers: pool.followers[c], gmv: signals.gmv, gmvEstimated: signals.gmvEstimated,
            gpm: signals.gpm, postRate: signals.postRate, avgCommissionRate: signals.avgCommissionRate)
    }

    func cardContext(_ p: Int) -> CardContext {
        CardContext(models: models, explainer: explainer, category: products[p].category, offeredRate: offeredRates[p])
    }

    func shortlist(_ p: Int, entries: [ShortlistEntry], runID: Int64? = nil) -> Shortlist {
        let product = products[p]
        return Shortlist(
            product_id: product.id.rawValue, run_id: runID, shop_id: product.shopID.rawValue, category: product.category,
            offered_rate: offeredRates[p], suggested_open_rate: suggestions[product.id]?.suggested,
            current_rate: product.commissionRate, rank_by: rankBy.rawValue, creators: entries)
    }
}

extension Duration {
    var milliseconds: Int {
        Int(components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000)
    }
}
