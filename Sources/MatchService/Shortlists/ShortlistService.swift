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
    /// Commission evidence kept between calls (the server).
    let evidence: EvidenceCache?

    public init(database: MatchDatabase, models: ModelCatalog, warm: WarmCreators? = nil, evidence: EvidenceCache? = nil, logger: Logger = Logger(label: "creatormatch.shortlist")) {
        self.database = database
        self.models = models
        self.warm = warm
        self.evidence = evidence
        self.logger = logger
    }

    public static let vectorModel = ImportService.suppliedVectorModel

    public func shortlists(_ request: ShortlistRequest) throws(MatchError) -> ShortlistReport {
        let clock = ContinuousClock()
        var timings: [String: Int] = [:]
        func lap(_ name: String, since start: ContinuousClock.Instant) {
            timings[name] = (clock.now - start).milliseconds
        }
        let started = clock.now
        let selection = try selectProducts(request)
        lap("eligibility", since: started)

        let loadStart = clock.now
        struct Scored {
            var inputs: ShortlistInputs
            var results: [[ScoredIndex]]
            /// Normalized vectors of the creators in the results when streaming (no matrix in memory).
            var streamedVectors: [Int: [Float]]
        }
        // One read transaction: every creator, vector and invitation comes from the same snapshot.
        let scored: Scored = try database.read { db in
            let inputs = try load(db, request, selection: selection)
            lap("load", since: loadStart)
            let searchStart = clock.now
            var results = try search(inputs, k: request.k)
            // The concentration cap: only when some creator is in more shortlists than allowed, search
            // deeper and let products refill.
            // By default only the blended ranking is capped: similarity promises the exact cosine top-k.
            let defaultShare = request.rankBy == .blended ? models.ranking.max_shortlist_share : 1
            let maxLists = ConcentrationCap.maxLists(
                share: request.maxShare ?? defaultShare, lists: results.count,
                fromLists: request.maxShare == nil ? models.ranking.max_shortlist_share_from_products : 0)
            if maxLists < results.count, Self.mostLists(results) > maxLists {
                results = try Self.capped(k: request.k, maxLists: maxLists) { depth throws(MatchError) in try search(inputs, k: depth) }
            }
            lap("search", since: searchStart)
            var streamed: [Int: [Float]] = [:]
            if inputs.creatorMatrix == nil {
                for c in Set(results.joined().map { Int($0.index) }) {
                    if let raw = try VectorQueries.creatorVector(db, model: inputs.vectorModel, id: CreatorID(inputs.pool.ids[c])) {
                        streamed[c] = FeatureMatrix(rows: 1, dimension: raw.count, values: raw).normalized().values
                    }
                }
            }
            return Scored(inputs: inputs, results: results, streamedVectors: streamed)
        }

        // Entries (with their reasons) for every product, on every core.
        let inputs = scored.inputs
        let (results, streamed) = (scored.results, scored.streamedVectors)
        let shortlists = parallelMap(inputs.products.count) { p in
            inputs.shortlist(p, entries: inputs.entries(p, results[p]) { streamed[$0]?[...] ?? [] })
        }
        lap("total", since: started)
        logger.info("shortlist.finished", metadata: [
            "shortlist.products": "\(shortlists.count)", "shortlist.candidates": "\(inputs.pool.ids.count)",
            "job.duration_ms": "\(timings["total"] ?? 0)",
        ])
        return ShortlistReport(
            as_of: request.asOf.description, rank_by: request.rankBy.rawValue, k: request.k, vector_model: inputs.vectorModel,
            candidates: inputs.pool.ids.count, filters: inputs.explainer.filterDescriptions, shortlists: shortlists,
            skipped: inputs.skipped, timings_ms: timings)
    }

    /// Which products were asked for, which of them may be shortlisted today, and why the others not.
    struct ProductSelection {
        var eligible: [ProductID]
        var skipped: [SkippedProduct]
    }

    func selectProducts(_ request: ShortlistRequest, eligibility precomputed: EligibilityReport? = nil) throws(MatchError) -> ProductSelection {
        let scope: EligibilityScope
        switch request.selection {
        case .ids(let ids) where ids.count == 1: scope = .product(ids[0])
        case .shop(let shop): scope = .shop(shop)
        default: scope = .all
        }
        let report: EligibilityReport
        if let precomputed {
            report = precomputed
        } else {
            report = try EligibilityService(database: database, models: models).report(scope: scope, asOf: request.asOf)
        }
        let statusByProduct = Dictionary(uniqueKeysWithValues: report.products.map { ($0.id, $0) })
        let wanted: [String]
        switch request.selection {
        case .ids(let ids):
            for id in ids where statusByProduct[id.rawValue] == nil {
                throw MatchError(.notFound, "no product with id \"\(id)\"; check the id or import the product first")
            }
            wanted = ids.map(\.rawValue)
        case .shop(let shop):
            wanted = report.products.filter { precomputed == nil || $0.shop_id == shop.rawValue }.map(\.id)
        case .allEligible:
            wanted = report.products.map(\.id)
        }
        var selection = ProductSelection(eligible: [], skipped: [])
        for id in wanted {
            let entry = statusByProduct[id]!
            if entry.status == EligibilityStatus.eligible.rawValue {
                selection.eligible.append(ProductID(id))
            } else {
                selection.skipped.append(SkippedProduct(product_id: id, status: entry.status, reasons: entry.reasons.map { $0.message + ($0.to_requalify.map { " → " + $0 } ?? "") }))
            }
        }
        if case .ids(let ids) = request.selection, ids.count == 1, let only = selection.skipped.first {
            throw MatchError(.ineligible, "product \(only.product_id) is \(only.status.replacingOccurrences(of: "_", with: " ")), so it gets no shortlist: \(only.reasons.joined(separator: "; "))")
        }
        return selection
    }

    /// The creators a request scores: the vector model, the pool (global filters applied) and where the
    /// kernel reads their vectors. Needs no product, so a caller can read them while something else
    /// (a rescore's eligibility) runs.
    struct LoadedCreators {
        let model: String
        let dimension: Int
        let pool: CandidatePool
        let source: any CreatorTileSource
        /// Normalized, one row per pool creator (nil when streaming from SQLite).
        let matrix: FeatureMatrix?
        let milliseconds: Int
    }

    func loadCreators(_ db: Database, _ request: ShortlistRequest) throws -> LoadedCreators {
        let started = ContinuousClock().now
        let categoryIndex = Dictionary(uniqueKeysWithValues: models.taxonomy.categories.enumerated().map { ($0.element.name, Int32($0.offset)) })
        let ranking = BlendedRanking(model: models.ranking, taxonomy: models.taxonomy)
        let model = try Self.resolveVectorModel(db, request.vectorModel)
        guard let creatorSpace = try StoreQueries.vectorSpace(db, kind: .creator, model: model) else {
            throw MatchError(.noVectors, "no creator has a \(model) vector yet; import creators with a \"vector\" field, or run `creatormatch featurize` for profile vectors")
        }
        if let productSpace = try StoreQueries.vectorSpace(db, kind: .product, model: model), productSpace.dimension != creatorSpace.dimension {
            throw MatchError(.dimensionMismatch, "product vectors have dimension \(productSpace.dimension) but creator vectors \(creatorSpace.dimension); re-import one side so both match")
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
        return LoadedCreators(model: model, dimension: creatorSpace.dimension, pool: pool, source: source, matrix: matrix,
                              milliseconds: (ContinuousClock().now - started).milliseconds)
    }

    /// Reads everything the selected products' shortlists depend on, in the caller's read transaction
    /// (`creators` when the caller read them already, in the same transaction).
    func load(_ db: Database, _ request: ShortlistRequest, selection: ProductSelection, creators: LoadedCreators? = nil) throws -> ShortlistInputs {
        let creators = try creators ?? loadCreators(db, request)
        let side = try loadProducts(db, request, selection: selection, model: creators.model, dimension: creators.dimension, pool: creators.pool)
        return try assemble(request, creators: creators, products: side, db: db)
    }

    /// What the shortlists read about their products, which needs no creator: the products and their
    /// vectors, their commission suggestions and (for many products, or when asked) every invitation.
    /// A rescore reads it beside the creators, in a transaction of its own on the same snapshot.
    struct LoadedProducts {
        var skipped: [SkippedProduct]
        var products: [Product]
        var productMatrix: FeatureMatrix
        var suggestions: [ProductID: CommissionService.SuggestedRates]
        /// Every invitation (`StoreQueries.invitationLinks`) grouped by what it excludes, when read;
        /// else `assemble` reads each product's own.
        var invitations: InvitationGroups?
        /// The invitations themselves, when read.
        var links: [InvitationLink]?
        /// The exclusions from them, when the creators were known as they were read (computed on
        /// another thread while the commission evidence is read).
        var exclusions: Background<[[Int32]]>?
        var timings: [String: Int]
    }

    /// The vector model and its dimension, as `loadCreators` resolves them (for a products-only read).
    func vectorSpace(_ db: Database, _ request: ShortlistRequest) throws -> (model: String, dimension: Int) {
        let model = try Self.resolveVectorModel(db, request.vectorModel)
        guard let space = try StoreQueries.vectorSpace(db, kind: .creator, model: model) else {
            throw MatchError(.noVectors, "no creator has a \(model) vector yet; import creators with a \"vector\" field, or run `creatormatch featurize` for profile vectors")
        }
        return (model, space.dimension)
    }

    func loadProducts(_ db: Database, _ request: ShortlistRequest, selection: ProductSelection, model: String, dimension: Int, pool: CandidatePool? = nil, allLinks: Bool = false) throws -> LoadedProducts {
        var timings: [String: Int] = [:]
        var lapStart = ContinuousClock().now
        func lap(_ name: String) {
            let now = ContinuousClock().now
            timings[name] = (now - lapStart).milliseconds
            lapStart = now
        }
        var skipped = selection.skipped
        var products: [Product] = []
        var vectors: [Float] = []
        let found = try VectorQueries.productVectors(db, model: model, ids: selection.eligible)
        // Many products: one query for all of them, not one each (the commission evidence reads them too).
        let catalog = selection.eligible.count > 64 ? try StoreQueries.products(db) : nil
        let all = catalog.map { Dictionary(uniqueKeysWithValues: $0.map { ($0.id, $0) }) }
        for id in selection.eligible {
            guard let product = try all.map({ $0[id] }) ?? StoreQueries.product(db, id: id) else { continue }
            guard let vector = found[id] else {
                skipped.append(SkippedProduct(product_id: id.rawValue, status: "no_vector", reasons: ["the product has no vector; re-import it with a \"vector\" of \(dimension) numbers"]))
                continue
            }
            products.append(product)
            vectors.append(contentsOf: vector)
        }
        let productMatrix = FeatureMatrix(rows: products.count, dimension: dimension, values: vectors).normalized()
        lap("products")
        // Many products: every invitation in one query (turned into exclusions once the creators are known).
        let links = allLinks || products.count > 64 ? try StoreQueries.invitationLinks(db) : nil
        let invitations = links.map { InvitationGroups(links: $0, filters: request.filters, recentDays: recentlyInvitedDays(request), asOf: request.asOf) }
        let exclusions = pool.flatMap { pool in
            invitations.map { groups in
                let loaded = products
                return Background { Self.exclusions(groups, products: loaded, pool: pool) }
            }
        }
        lap("exclusions")
        let suggestions = try CommissionService(database: database, models: models, cache: evidence).suggestedRates(for: products, db: db, asOf: request.asOf, catalog: catalog)
        lap("commission")
        return LoadedProducts(skipped: skipped, products: products, productMatrix: productMatrix, suggestions: suggestions, invitations: invitations, links: links, exclusions: exclusions, timings: timings)
    }

    /// Days during which a shop's invitation excludes the creator from its other products.
    func recentlyInvitedDays(_ request: ShortlistRequest) -> Int {
        request.filters.recentlyInvitedDays ?? (request.rankBy == .blended ? models.ranking.recently_invited_days : 0)
    }

    /// The shortlists' inputs from the creators and the products read for them. `db` (the same
    /// snapshot) is needed only when the products came without every invitation.
    func assemble(_ request: ShortlistRequest, creators: LoadedCreators, products side: LoadedProducts, db: Database?, creatorIndex: [String: Int]? = nil) throws -> ShortlistInputs {
        var timings = side.timings
        timings["creators"] = creators.milliseconds
        let started = ContinuousClock().now
        let categoryIndex = Dictionary(uniqueKeysWithValues: models.taxonomy.categories.enumerated().map { ($0.element.name, Int32($0.offset)) })
        let model = creators.model
        let (pool, source, matrix) = (creators.pool, creators.source, creators.matrix)
        let recentDays = recentlyInvitedDays(request)
        let ranking = BlendedRanking(model: models.ranking, taxonomy: models.taxonomy)
        let products = side.products
        let exclusions: [[Int32]]
        if let ahead = side.exclusions {
            exclusions = try ahead.value()
        } else if let groups = side.invitations {
            exclusions = Self.exclusions(groups, products: products, pool: pool, index: creatorIndex)
        } else if let db {
            exclusions = try Self.exclusions(db, products: products, pool: pool, filters: request.filters, recentDays: recentDays, asOf: request.asOf)
        } else {
            preconditionFailure("products loaded without their invitations need the database to assemble")
        }
        timings["exclusions", default: 0] += (ContinuousClock().now - started).milliseconds
        let suggestions = side.suggestions
        let offeredRates = products.map { suggestions[$0.id]?.target ?? $0.commissionRate }
        let productCategories = products.map { categoryIndex[$0.category] ?? -1 }
        return ShortlistInputs(
            rankBy: request.rankBy, tiles: request.tiles, models: models, ranking: ranking, skipped: side.skipped, pool: pool, products: products,
            productMatrix: side.productMatrix, creatorMatrix: matrix, source: source, exclusions: exclusions, suggestions: suggestions,
            offeredRates: offeredRates, productCategories: productCategories,
            explainer: ReasonWriter(models: models, ranking: ranking, filters: request.filters, recentDays: recentDays),
            vectorModel: model, loadTimings: timings,
            featurizer: model == FeatureService.model && creators.dimension == FeatureService(database: database, models: models).featurizer.dimension
                ? FeatureService(database: database, models: models).featurizer : nil)
    }

    /// The vector model to use: the one asked for (which must exist), else `supplied` when creators
    /// have it, else `profile`.
    static func resolveVectorModel(_ db: Database, _ asked: String?) throws -> String {
        if let asked {
            guard [vectorModel, FeatureService.model].contains(asked) else {
                throw MatchError(.invalidInput, "unknown vector model \"\(asked)\"; use \(vectorModel) (imported vectors) or \(FeatureService.model) (from `creatormatch featurize`)")
            }
            return asked
        }
        if try StoreQueries.vectorSpace(db, kind: .creator, model: vectorModel) != nil { return vectorModel }
        if try StoreQueries.vectorSpace(db, kind: .creator, model: FeatureService.model) != nil { return FeatureService.model }
        return vectorModel
    }

    /// The capped shortlists: candidates searched twice as deep as k, deeper (up to 16k) while some
    /// product came out short though its candidates were not exhausted.
    static func capped(k: Int, maxLists: Int, search: (Int) throws(MatchError) -> [[ScoredIndex]]) throws(MatchError) -> [[ScoredIndex]] {
        var depth = 2 * k
        while true {
            let candidates = try search(depth)
            let selected = ConcentrationCap.select(candidates, k: k, maxLists: maxLists)
            let short = zip(selected, candidates).contains { $0.count < k && $1.count == depth }
            if !short || depth >= 16 * k { return selected }
            depth *= 2
        }
    }

    /// The most shortlists any one creator is in.
    static func mostLists(_ results: [[ScoredIndex]]) -> Int {
        var counts: [Int32: Int] = [:]
        for list in results { for c in list { counts[c.index, default: 0] += 1 } }
        return counts.values.max() ?? 0
    }

    /// Exact top-k of every loaded product over the pool.
    func search(_ inputs: ShortlistInputs, k: Int) throws(MatchError) -> [[ScoredIndex]] {
        try inputs.search(products: Array(inputs.products.indices), creators: inputs.source, pool: inputs.pool, k: k, exclusions: inputs.exclusions)
    }

    /// Per product, the sorted candidate indices it must not return: creators already invited to it,
    /// invited by its shop in the last `recentDays` days, or (when asked) who declined the shop.
    /// Many products read every invitation in one query (`exclusions(links:…)`); a few read theirs.
    static func exclusions(_ db: Database, products: [Product], pool: CandidatePool, filters: CreatorFilters, recentDays: Int, asOf: Day) throws -> [[Int32]] {
        if products.count > 64 {
            return exclusions(links: try StoreQueries.invitationLinks(db), products: products, pool: pool, filters: filters, recentDays: recentDays, asOf: asOf)
        }
        var byShop: [ShopID: [Int32]] = [:]
        func indices(_ ids: [String]) -> [Int32] { ids.compactMap { pool.index(of: $0).map(Int32.init) } }
        return try products.map { product in
            let own = Set(indices(try StoreQueries.creatorsInvited(db, to: product.id))).sorted()
            guard recentDays > 0 || filters.excludeDeclined else { return own }
            if byShop[product.shopID] == nil {
                var shopExcluded = Set<Int32>()
                if recentDays > 0 {
                    shopExcluded.formUnion(indices(try StoreQueries.creatorsInvited(db, byShop: product.shopID, since: asOf.advanced(by: -recentDays))))
                }
                if filters.excludeDeclined {
                    shopExcluded.formUnion(indices(try StoreQueries.creatorsWhoDeclined(db, shop: product.shopID)))
                }
                byShop[product.shopID] = shopExcluded.sorted()
            }
            // Products of a shop share its (often long) list unless they add creators of their own.
            return Self.mergeSorted(own, byShop[product.shopID]!)
        }
    }

    /// The same from every invitation (`StoreQueries.invitationLinks`), without the database: each
    /// product's own invitations, each shop's recent and declined ones.
    static func exclusions(links: [InvitationLink], products: [Product], pool: CandidatePool, filters: CreatorFilters, recentDays: Int, asOf: Day) -> [[Int32]] {
        exclusions(InvitationGroups(links: links, filters: filters, recentDays: recentDays, asOf: asOf), products: products, pool: pool)
    }

    /// Every invitation grouped by what it excludes, by creator id (no creators needed): each product's
    /// invited creators, and each shop's recently invited or (when asked) declined ones.
    struct InvitationGroups: Sendable {
        var invited: [String: [String]] = [:]
        var byShop: [String: Set<String>] = [:]
        /// Whether shops exclude creators from all their products (recent invitations or declines).
        let shopWide: Bool

        init(links: [InvitationLink], filters: CreatorFilters, recentDays: Int, asOf: Day) {
            shopWide = recentDays > 0 || filters.excludeDeclined
            let since = asOf.advanced(by: -recentDays).description
            for link in links {
                invited[link.productID, default: []].append(link.creatorID)
                if (recentDays > 0 && link.sentDay >= since) || (filters.excludeDeclined && link.status == "declined") {
                    byShop[link.shopID, default: []].insert(link.creatorID)
                }
            }
        }
    }

    /// The exclusions from grouped invitations, as pool indices (products in parallel); `index` (the
    /// pool's ids to indices, when the caller has it) instead of a binary search per id.
    static func exclusions(_ groups: InvitationGroups, products: [Product], pool: CandidatePool, index: [String: Int]? = nil) -> [[Int32]] {
        func position(_ id: String) -> Int? { index.map { $0[id] } ?? pool.index(of: id) }
        func indices<S: Sequence<String>>(_ ids: S) -> [Int32] { Set(ids.compactMap { position($0).map(Int32.init) }).sorted() }
        let shops = Array(Set(products.map(\.shopID.rawValue)))
        let shopLists = parallelMap(shops.count) { indices(groups.byShop[shops[$0], default: []]) }
        let byShop = Dictionary(uniqueKeysWithValues: zip(shops, shopLists))
        return parallelMap(products.count) { p in
            let own = indices(groups.invited[products[p].id.rawValue] ?? [])
            guard groups.shopWide else { return own }
            return Self.mergeSorted(own, byShop[products[p].shopID.rawValue]!)
        }
    }

    /// The union of two ascending lists, ascending; `b` itself (shared, not copied) when `a` adds nothing.
    static func mergeSorted(_ a: [Int32], _ b: [Int32]) -> [Int32] {
        if a.allSatisfy({ RescorePlan.position(of: $0, in: b) != nil }) { return b }
        var out: [Int32] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if j == b.count || (i < a.count && a[i] < b[j]) {
                out.append(a[i]); i += 1
            } else if i == a.count || b[j] < a[i] {
                out.append(b[j]); j += 1
            } else {
                out.append(a[i]); i += 1; j += 1
            }
        }
        return out
    }

    /// `similarity_weight · cosine + bonus`, the bonus bounded per creator for the kernel's first pass.
    /// `productCategories` and `offeredRates` are per searched product; creators are the pool's.
    static func blendedAdjustment(ranking: BlendedRanking, pool: CandidatePool, productCategories: [Int32], offeredRates: [Int?]) -> ScoreAdjustment {
        let w = ranking.model.weights
        let signals = pool.signals
        let strengths = pool.strengths
        let posts = pool.postRates
        return ScoreAdjustment(scale: Float(w.similarity), upperBounds: pool.bonusBounds) { p, c in
            let share = ranking.categoryShare(signals[c], productCategory: productCategories[p])
            let fit = ranking.commissionFit(signals[c], offeredRate: offeredRates[p])
            return Float(w.sales_strength * strengths[c] * share + w.post_rate * posts[c] + w.commission_fit * fit)
        }
    }

    /// The blended adjustment for products of one category, flattened for the search's inner loop: per
    /// creator the bonus's product-independent part (sales strength × the category's share + post rate,
    /// computed in the bonus's own order, so the sum is the same float) plus the commission fit at the
    /// product's rate. The bound of each creator takes the best fit over `rates`: the fit rises with the
    /// offered rate, so it is the fit at the highest rate (or the "unknown" value when some product
    /// offers none) — never below any of those products' bonus, and much tighter than the bound over
    /// every category for creators who do not sell this one. `rates` are the searched products' own.
    static func categoryAdjustment(ranking: BlendedRanking, pool: CandidatePool, category: Int32, rates: [Int?]) -> ScoreAdjustment {
        let w = ranking.model.weights
        let highest = rates.compactMap { $0 }.max()
        let someUnknown = rates.contains { $0 == nil }
        let averages = pool.signals.map(\.avgCommissionRate)
        // Every creator once, in chunks on both cores.
        let chunk = 16_384
        let parts = parallelMap((pool.signals.count + chunk - 1) / chunk) { j -> (base: [Double], bounds: [Float]) in
            let range = (j * chunk)..<min(pool.signals.count, (j + 1) * chunk)
            var base: [Double] = []
            var bounds: [Float] = []
            base.reserveCapacity(range.count)
            bounds.reserveCapacity(range.count)
            for c in range {
                let share = ranking.categoryShare(pool.signals[c], productCategory: category)
                let part = w.sales_strength * pool.strengths[c] * share + w.post_rate * pool.postRates[c]
                var fit = highest.map { ranking.commissionFit(average: averages[c], offeredRate: $0) } ?? 0
                if someUnknown { fit = max(fit, ranking.commissionFit(average: averages[c], offeredRate: nil)) }
                base.append(part)
                bounds.append(Float(part + w.commission_fit * fit))
            }
            return (base, bounds)
        }
        let base = parts.flatMap(\.base)
        let bounds = parts.flatMap(\.bounds)
        let weight = w.commission_fit
        return ScoreAdjustment(scale: Float(w.similarity), upperBounds: bounds) { p, c in
            Float(base[c] + weight * ranking.commissionFit(average: averages[c], offeredRate: rates[p]))
        }
    }

    /// Cosine of two normalized rows by the kernel's own definition (`ExactScore`), so the reported
    /// `similarity` is the score the ranking used.
    static func cosine(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Double {
        guard a.count == b.count, !a.isEmpty else { return 0 }
        return a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in Double(ExactScore.cosine(pa.baseAddress!, pb.baseAddress!, dimension: a.count)) }
        }
    }

    static func rounded(_ value: Double) -> Double { (value * 1_000_000).rounded() / 1_000_000 }

    static func rounded(_ parts: ScoreParts) -> ScoreParts {
        ScoreParts(similarity: rounded(parts.similarity), salesStrength: rounded(parts.salesStrength), postRate: rounded(parts.postRate), commissionFit: rounded(parts.commissionFit))
    }
}
