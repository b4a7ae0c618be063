import CBLAS
import CMatchScan
import Foundation
import MatchCore

/// How the kernel computes the approximate scores it filters with. Every score it returns is
/// recomputed exactly (`ExactScore`), so the choice changes speed, never results.
public enum FilterPrecision: String, Sendable, CaseIterable {
    /// `cblas_sgemm` in float32.
    case float32
    /// bfloat16 products with float32 accumulation (AVX-512 BF16): twice the arithmetic rate.
    case bfloat16
    /// bfloat16 where the CPU has it and the dimension is even, else float32.
    case automatic

    /// The precision a search will really use for dimension `d` on this CPU.
    public func resolved(dimension d: Int) -> FilterPrecision {
        switch self {
        case .float32: return .float32
        case .bfloat16, .automatic: return cmatch_bf16_supported() != 0 && d % 2 == 0 ? .bfloat16 : .float32
        }
    }

    /// A bound on |approximate − exact| cosine for unit vectors of dimension `d`.
    func margin(dimension d: Int) -> Float {
        switch self {
        // Each bfloat16 rounding is within 2^-9 relative, so a product of two within 2^-8 + 2^-18, and
        // their sum within that times Σ|p_i c_i| <= 1 (Cauchy–Schwarz); float32 accumulation adds at
        // most d·2^-22.
        case .bfloat16: return 0.0040 + Float(d) * 0x1p-22 + 1e-4
        // float32 sgemm: at most d·2^-24 of rounding, doubled for safety.
        default: return Float(d) * 0x1p-23 + 1e-6
        }
    }
}

/// Tile sizes, threads and filter precision of a search: configuration values, passed in, never globals.
public struct TileConfiguration: Sendable, Equatable {
    /// Products scored together in one tile (the M of a tile).
    public var productBlock: Int
    /// Creators in one tile (the N of a tile).
    public var creatorTile: Int
    /// Worker threads; each runs single-threaded OpenBLAS on its own tiles.
    public var threads: Int
    public var precision: FilterPrecision

    public init(productBlock: Int = 256, creatorTile: Int = 4096, threads: Int = ProcessInfo.processInfo.activeProcessorCount, precision: FilterPrecision = .automatic) {
        precondition(productBlock > 0 && creatorTile > 0 && threads > 0, "tile sizes and threads must be positive")
        self.productBlock = productBlock
        self.creatorTile = creatorTile
        self.threads = threads
        self.precision = precision
    }
}

/// An optional change of the score before selection: `scale * cosine + bonus(product, creator)`.
/// The filter pass compares `scale * cosine + upperBound[creator]` (the same bound for every
/// product), and the exact bonus is computed only for the few candidates that pass.
public struct ScoreAdjustment: Sendable {
    public let scale: Float
    /// Per creator (index), a bound no product's bonus exceeds.
    public let upperBounds: [Float]
    /// The exact bonus of creator `creator` for product `product`; never above `upperBounds[creator]`.
    public let bonus: @Sendable (_ product: Int, _ creator: Int) -> Float

    public init(scale: Float, upperBounds: [Float], bonus: @escaping @Sendable (Int, Int) -> Float) {
        self.scale = scale
        self.upperBounds = upperBounds
        self.bonus = bonus
    }
}

/// The score every path returns: the dot product of the two normalized vectors accumulated in
/// double precision and rounded once (`cmatch_dot`), then adjusted. One definition, so results do
/// not depend on which tile, thread or filter precision found a candidate.
public enum ExactScore {
    public static func cosine(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, dimension d: Int) -> Float {
        cmatch_dot(a, b, d)
    }

    /// The adjusted score, `scale * cosine + bonus`, in the one order every path (the scan, the seeded
    /// floors, the reference) computes it, so a seed's score is exactly the scan's.
    @inline(__always)
    public static func adjusted(_ cosine: Float, scale: Float, bonus: Float) -> Float {
        cosine * scale + bonus
    }
}

/// Exact top-k of `products × creators` scores, filtered on the BLAS (or bfloat16) path and rescored
/// exactly. Creators come in tiles; each worker computes approximate scores of product blocks against
/// its tile, keeps those within the error margin of each product's running k-th best score (most
/// scores are rejected by one vector compare per 16), recomputes those exactly and offers them to the
/// product's collector. Per-product exclusions are checked only for candidates. Results are ordered by
/// score descending then creator index ascending, and do not depend on tile sizes, thread count or
/// filter precision.
public struct TopKSearch: Sendable {
    public let configuration: TileConfiguration

    public init(configuration: TileConfiguration = TileConfiguration()) {
        self.configuration = configuration
    }

    /// - Parameters:
    ///   - products: normalized product vectors (M × d).
    ///   - creators: normalized creator vectors (N × d), in id order.
    ///   - exclusions: per product, the sorted creator indices it must not return.
    ///   - floors: per product, a score below which no candidate is wanted (ties at the floor are
    ///     kept); nil wants the plain top k.
    ///   - seeds: per product, creators likely to rank high (say, yesterday's list). Their exact scores
    ///     raise the product's floor to the k-th best of them — at least k real candidates score that
    ///     much, so nothing below it can be in the top k — and the first pass starts near its final
    ///     threshold instead of at -infinity. The results are the same with or without seeds; used only
    ///     with creators in memory.
    /// - Returns: per product, up to `k` candidates scoring at least its floor, best first.
    public func search(
        products: FeatureMatrix, creators: any CreatorTileSource, k: Int,
        exclusions: [[Int32]]? = nil, adjustment: ScoreAdjustment? = nil, floors: [Float]? = nil, seeds: [[Int32]]? = nil
    ) throws -> [[ScoredIndex]] {
        precondition(floors == nil || floors!.count == products.rows, "one floor per product")
        precondition(seeds == nil || seeds!.count == products.rows, "one seed list per product")
        precondition(products.dimension == creators.dimension, "products and creators must share a dimension")
        precondition(exclusions == nil || exclusions!.count == products.rows, "one exclusion list per product")
        let m = products.rows
        guard m > 0, k > 0 else { return Array(repeating: [], count: m) }
        let floors = seeds.flatMap { seeds in
            (creators as? InMemoryCreators).map { memory in
                Self.seededFloors(products: products, creators: memory.matrix, k: k, seeds: seeds, exclusions: exclusions, adjustment: adjustment, floors: floors)
            }
        } ?? floors
        if let adjustment, let floors, let memory = creators as? InMemoryCreators {
            // Products with a floor score only the creators that can reach it. The lowest floor of a
            // group decides how many that is, so products go in groups by floor (the lowest tenth, the
            // rest of the lower half, the upper half); those without one (too few seeds) are searched
            // over every creator, apart, so they do not undo the others' pruning.
            let open = floors.indices.filter { floors[$0] == -.infinity }
            let bounded = floors.indices.filter { floors[$0] > -.infinity }.sorted { floors[$0] < floors[$1] }
            var groups = open.isEmpty ? [] : [open]
            if bounded.count >= 64 {
                groups += [Array(bounded[..<(bounded.count / 10)]), Array(bounded[(bounded.count / 10)..<(bounded.count / 2)]), Array(bounded[(bounded.count / 2)...])]
            } else if !bounded.isEmpty {
                groups.append(bounded)
            }
            if groups.count > 1 || !bounded.isEmpty {
                var results = [[ScoredIndex]](repeating: [], count: m)
                for group in groups {
                    let part = group.count == m ? Array(0..<m) : group.sorted()
                    let whole = part.count == m
                    let partFloors = part.map { floors[$0] }
                    let partAdjustment = whole ? adjustment : ScoreAdjustment(scale: adjustment.scale, upperBounds: adjustment.upperBounds) { p, c in adjustment.bonus(part[p], c) }
                    let partProducts = whole ? products : products.gathering(part)
                    let partExclusions = whole ? exclusions : exclusions.map { e in part.map { e[$0] } }
                    let found: [[ScoredIndex]]
                    if let members = Self.reachable(upperBounds: adjustment.upperBounds, scale: adjustment.scale, floors: partFloors) {
                        found = try scanReachable(members, products: partProducts, creators: memory.matrix, k: k, exclusions: partExclusions, adjustment: partAdjustment, floors: partFloors)
                    } else {
                        found = try scan(products: partProducts, creators: creators, k: k, exclusions: partExclusions, adjustment: partAdjustment, floors: partFloors)
                    }
                    for (j, p) in part.enumerated() { results[p] = found[j] }
                }
                return results
            }
        }
        return try scan(products: products, creators: creators, k: k, exclusions: exclusions, adjustment: adjustment, floors: floors)
    }

    /// The creators whose best possible score reaches the lowest floor: with normalized vectors the
    /// cosine is at most 1, so `scale * cosine + bonus` is at most `|scale| + upperBound` (with a margin
    /// for rounding). Nil when a floor is unknown or most creators can reach them. In a blended
    /// ranking where a product's k-th best score is already known (seeds), this is usually a few
    /// percent of the creators: the rest are never scored.
    static func reachable(upperBounds: [Float], scale: Float, floors: [Float]) -> [Int32]? {
        guard let lowest = floors.min(), lowest > -.infinity else { return nil }
        let cutoff = lowest - (abs(scale) * 1.001 + 1e-5)
        var members: [Int32] = []
        for (c, bound) in upperBounds.enumerated() where bound >= cutoff { members.append(Int32(c)) }
        return members.count * 2 <= upperBounds.count ? members : nil
    }

    /// The search over `members` (ascending creator indices) only, in their own indices (so ties still
    /// go to the lower creator index), mapped back. Exact when every other creator scores below every
    /// product's floor (`reachable`).
    func scanReachable(_ members: [Int32], products: FeatureMatrix, creators: FeatureMatrix, k: Int, exclusions: [[Int32]]?, adjustment: ScoreAdjustment, floors: [Float]) throws -> [[ScoredIndex]] {
        let memberAdjustment = ScoreAdjustment(scale: adjustment.scale, upperBounds: members.map { adjustment.upperBounds[Int($0)] }) { p, c in
            adjustment.bonus(p, Int(members[c]))
        }
        // Tiles small enough that every worker gets some.
        var tiles = configuration
        tiles.creatorTile = max(256, min(tiles.creatorTile, (members.count / max(1, 4 * tiles.threads) + 15) / 16 * 16))
        let found = try TopKSearch(configuration: tiles).scan(
            products: products, creators: InMemoryCreators(normalized: creators.gathering(members.map(Int.init))), k: k,
            exclusions: exclusions, excludedBy: members, adjustment: memberAdjustment, floors: floors)
        return found.map { list in list.map { ScoredIndex(score: $0.score, index: members[Int($0.index)]) } }
    }

    /// Every creator tile against every product block, in parallel.
    /// `excludedBy`: the creators' indices in `exclusions` when the tiles hold only some creators (the
    /// exclusions stay in the whole pool's indices, looked up only for candidates).
    func scan(products: FeatureMatrix, creators: any CreatorTileSource, k: Int, exclusions: [[Int32]]?, excludedBy: [Int32]? = nil, adjustment: ScoreAdjustment?, floors: [Float]?) throws -> [[ScoredIndex]] {
        let m = products.rows
        let iterator = try creators.makeIterator(tileRows: configuration.creatorTile)
        let workers = max(1, configuration.threads)
        let precision = configuration.precision.resolved(dimension: products.dimension)
        let packedProducts = precision == .bfloat16 ? Self.packPairs(products) : []
        let previousThreads = openblas_get_num_threads()
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(previousThreads) }

        let results = WorkerResults(count: workers)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var state = WorkerState(
                products: products, packedProducts: packedProducts, k: k, configuration: configuration,
                precision: precision, adjustment: adjustment, exclusions: exclusions, excludedBy: excludedBy, floors: floors)
            do {
                while let tile = try iterator.next() {
                    state.score(tile)
                }
                results.store(worker, .success(state.collectors))
            } catch {
                results.store(worker, .failure(error))
            }
        }
        var merged = [TopKCollector](repeating: TopKCollector(k: k), count: m)
        for result in results.all() {
            let collectors = try result.get()
            for p in 0..<m { merged[p].merge(collectors[p]) }
        }
        return merged.map { $0.sorted() }
    }

    /// Per product, the higher of its floor and the k-th best exact score among its seeds (distinct,
    /// in range and not excluded; at least k of them, else the floor stays). The score is the one the
    /// scan computes (`ExactScore.cosine`, then `scale * cosine + bonus`), stepped down one ulp so a
    /// seed is never above its own threshold.
    static func seededFloors(products: FeatureMatrix, creators: FeatureMatrix, k: Int, seeds: [[Int32]], exclusions: [[Int32]]?, adjustment: ScoreAdjustment?, floors: [Float]?) -> [Float] {
        let d = products.dimension
        return parallelMap(products.rows) { p in
            let floor = floors?[p] ?? -.infinity
            guard seeds[p].count >= k else { return floor }
            var candidates = seeds[p].filter { c in c >= 0 && Int(c) < creators.rows && !(exclusions?[p].sortedContains(c) ?? false) }
            candidates.sort()
            var distinct = 0
            for c in candidates where distinct == 0 || candidates[distinct - 1] != c {
                candidates[distinct] = c
                distinct += 1
            }
            guard distinct >= k else { return floor }
            var scores = products.values.withUnsafeBufferPointer { pv in
                creators.values.withUnsafeBufferPointer { cv in
                    candidates.prefix(distinct).map { c -> Float in
                        let cosine = ExactScore.cosine(pv.baseAddress! + p * d, cv.baseAddress! + Int(c) * d, dimension: d)
                        guard let adjustment else { return cosine }
                        return ExactScore.adjusted(cosine, scale: adjustment.scale, bonus: adjustment.bonus(p, Int(c)))
                    }
                }
            }
            // The k-th best: the lowest when there are exactly k, else after a sort.
            if scores.count == k { return max(floor, scores.min()!.nextDown) }
            scores.sort(by: >)
            return max(floor, scores[k - 1].nextDown)
        }
    }

    /// The whole matrix in the bfloat16 kernel's layout, for a source that keeps it (nil where this
    /// CPU or the dimension rules the bfloat16 pass out).
    public static func packForBFloat16(_ matrix: FeatureMatrix) -> [UInt32]? {
        guard FilterPrecision.automatic.resolved(dimension: matrix.dimension) == .bfloat16 else { return nil }
        var out = [UInt32](repeating: 0, count: (matrix.rows + 15) / 16 * 16 * matrix.dimension / 2)
        matrix.values.withUnsafeBufferPointer { rows in
            out.withUnsafeMutableBufferPointer { cmatch_pack_bf16_groups(rows.baseAddress!, matrix.rows, matrix.dimension, $0.baseAddress!) }
        }
        return out
    }

    /// Re-packs the group of 16 rows holding `row` after that row changed.
    public static func repackGroup(of row: Int, in matrix: FeatureMatrix, packed: inout [UInt32]) {
        let d = matrix.dimension
        let group = row / 16
        let first = group * 16
        let rows = min(16, matrix.rows - first)
        matrix.values.withUnsafeBufferPointer { values in
            packed.withUnsafeMutableBufferPointer { out in
                cmatch_pack_bf16_groups(values.baseAddress! + first * d, rows, d, out.baseAddress! + group * 16 * d / 2)
            }
        }
    }

    static func packPairs(_ matrix: FeatureMatrix) -> [UInt32] {
        var out = [UInt32](repeating: 0, count: matrix.rows * matrix.dimension / 2)
        matrix.values.withUnsafeBufferPointer { rows in
            out.withUnsafeMutableBufferPointer { cmatch_pack_bf16_pairs(rows.baseAddress!, matrix.rows, matrix.dimension, $0.baseAddress!) }
        }
        return out
    }
}

/// Per-worker collectors, handed back after the workers finish.
final class WorkerResults: @unchecked Sendable {
    private var slots: [Result<[TopKCollector], any Error>?]
    private let lock = Lock()

    init(count: Int) {
        slots = Array(repeating: nil, count: count)
    }

    func store(_ worker: Int, _ result: Result<[TopKCollector], any Error>) {
        lock.withLock { slots[worker] = result }
    }

    func all() -> [Result<[TopKCollector], any Error>] {
        lock.withLock { slots.compactMap { $0 } }
    }
}

/// One worker's collectors and its reused buffers.
struct WorkerState {
    let products: FeatureMatrix
    let packedProducts: [UInt32]
    let configuration: TileConfiguration
    let precision: FilterPrecision
    let margin: Float
    let adjustment: ScoreAdjustment?
    /// The adjustment's bonus, never optional, so the inner loops call it without copying an optional
    /// closure per candidate (zero and unused without an adjustment).
    let bonus: @Sendable (Int, Int) -> Float
    let exclusions: [[Int32]]?
    /// Per tile row index, the index `exclusions` use (nil: the same).
    let excludedBy: [Int32]?
    var collectors: [TopKCollector]
    let maxTileRows: Int
    /// float32: the score tile. bfloat16: unused.
    var scores: [Float] = []
    /// bfloat16: the packed creator tile, the block's filter thresholds and the candidate lists.
    var packedTile: [UInt32] = []
    /// The packed rows the current tile is scored from: the tile's own, or `packedTile`.
    var packedSource: [UInt32] = []
    var packedBase = 0
    var thresholds: [Float] = []
    var candidateRows: [Int32] = []
    var candidateColumns: [Int32] = []

    init(products: FeatureMatrix, packedProducts: [UInt32], k: Int, configuration: TileConfiguration,
         precision: FilterPrecision, adjustment: ScoreAdjustment?, exclusions: [[Int32]]?, excludedBy: [Int32]? = nil, floors: [Float]?) {
        self.products = products
        self.packedProducts = packedProducts
        self.configuration = configuration
        self.precision = precision
        self.margin = precision.margin(dimension: products.dimension) * (adjustment?.scale ?? 1)
        self.adjustment = adjustment
        if let adjustment {
            bonus = adjustment.bonus
        } else {
            bonus = { @Sendable (_: Int, _: Int) -> Float in 0 }
        }
        self.exclusions = exclusions
        self.excludedBy = excludedBy
        collectors = floors.map { $0.map { TopKCollector(k: k, floor: $0) } } ?? Array(repeating: TopKCollector(k: k), count: products.rows)
        let block = min(configuration.productBlock, products.rows)
        // A pre-packed source rounds tiles up to whole groups of 16 creators.
        maxTileRows = (configuration.creatorTile + 15) / 16 * 16
        if precision == .bfloat16 {
            thresholds = [Float](repeating: 0, count: block)
            candidateRows = [Int32](repeating: 0, count: block * maxTileRows)
            candidateColumns = candidateRows
        } else {
            scores = [Float](repeating: 0, count: block * maxTileRows)
        }
    }

    /// Scores every product block against one creator tile and feeds the collectors.
    mutating func score(_ tile: CreatorTile) {
        precondition(tile.rows <= maxTileRows, "a creator tile is larger than the configured tile size")
        let d = products.dimension
        if precision == .bfloat16 {
            if let packed = tile.packed {
                packedSource = packed
                packedBase = tile.packedOffset
            } else {
                packedSource = []
                let groups = (tile.rows + 15) / 16
                if packedTile.count < groups * 16 * d / 2 { packedTile = [UInt32](repeating: 0, count: groups * 16 * d / 2) }
                tile.values.withUnsafeBufferPointer { c in
                    packedTile.withUnsafeMutableBufferPointer { cmatch_pack_bf16_groups(c.baseAddress! + tile.firstRow * d, tile.rows, d, $0.baseAddress!) }
                }
                packedSource = packedTile
                packedBase = 0
            }
        }
        var start = 0
        while start < products.rows {
            let mb = min(configuration.productBlock, products.rows - start)
            if precision == .bfloat16 {
                filterBFloat16(rows: start..<(start + mb), tile: tile)
            } else {
                filterFloat32(rows: start..<(start + mb), tile: tile)
            }
            start += mb
        }
    }

    /// sgemm into the score tile, then a vectorized scan of each row for scores within the margin.
    mutating func filterFloat32(rows: Range<Int>, tile: CreatorTile) {
        let d = products.dimension
        let n = tile.rows
        let mb = rows.count
        products.values.withUnsafeBufferPointer { p in
            tile.values.withUnsafeBufferPointer { c in
                scores.withUnsafeMutableBufferPointer { out in
                    // out (mb × n) = P[rows] (mb × d) · C_tile (n × d)ᵀ
                    cblas_sgemm(
                        CblasRowMajor, CblasNoTrans, CblasTrans,
                        Int32(mb), Int32(n), Int32(d),
                        1, p.baseAddress! + rows.lowerBound * d, Int32(d),
                        c.baseAddress! + tile.firstRow * d, Int32(d),
                        0, out.baseAddress!, Int32(n))
                }
            }
        }
        let scale = adjustment?.scale ?? 1
        let bounds = adjustment?.upperBounds ?? []
        let scoreTile = scores
        let productValues = products.values
        scoreTile.withUnsafeBufferPointer { s in
            bounds.withUnsafeBufferPointer { b in
                productValues.withUnsafeBufferPointer { pv in
                    tile.values.withUnsafeBufferPointer { cv in
                        let creatorBase = cv.baseAddress! + tile.firstRow * d
                        let bonus = self.bonus
                        let adjusted = adjustment != nil
                        for p in rows {
                            let row = s.baseAddress! + (p - rows.lowerBound) * n
                            let productRow = pv.baseAddress! + p * d
                            var j = 0
                            while true {
                                let cutoff = collectors[p].threshold - margin
                                j = b.isEmpty
                                    ? cmatch_first_at_least(row, j, n, cutoff)
                                    : cmatch_first_at_least_affine(row, b.baseAddress! + tile.base, j, n, scale, cutoff)
                                guard j < n else { break }
                                let index = tile.base + j
                                var score = ExactScore.cosine(productRow, creatorBase + j * d, dimension: d)
                                if adjusted { score = ExactScore.adjusted(score, scale: scale, bonus: bonus(p, index)) }
                                offer(product: p, index: Int32(index), score: score)
                                j += 1
                            }
                        }
                    }
                }
            }
        }
    }

    /// bfloat16 scores computed and compared in registers; only candidates leave the kernel. While a
    /// product of the block has no k-th best score yet, the tile goes in doubling column chunks (64,
    /// 128, …) so thresholds rise before most creators are compared, instead of every score of the
    /// first tile being a candidate.
    mutating func filterBFloat16(rows: Range<Int>, tile: CreatorTile) {
        let d = products.dimension
        let scale = adjustment?.scale ?? 1
        let bounds = adjustment?.upperBounds ?? []
        var column = 0
        var chunk = rows.contains { collectors[$0].threshold == -.infinity } ? 64 : tile.rows
        while column < tile.rows {
            let n = min(chunk, tile.rows - column)
            for (i, p) in rows.enumerated() { thresholds[i] = collectors[p].threshold - margin }
            let count = packedProducts.withUnsafeBufferPointer { a in
                packedSource.withUnsafeBufferPointer { c in
                    thresholds.withUnsafeBufferPointer { t in
                        bounds.withUnsafeBufferPointer { b in
                            candidateRows.withUnsafeMutableBufferPointer { r in
                                candidateColumns.withUnsafeMutableBufferPointer { cols in
                                    cmatch_bf16_candidates(
                                        a.baseAddress! + rows.lowerBound * d / 2, rows.count,
                                        c.baseAddress! + packedBase + (column / 16) * 16 * d / 2, n, d,
                                        t.baseAddress!, scale, b.isEmpty ? nil : b.baseAddress! + tile.base + column,
                                        r.baseAddress!, cols.baseAddress!)
                                }
                            }
                        }
                    }
                }
            }
            let productValues = products.values
            productValues.withUnsafeBufferPointer { pv in
                tile.values.withUnsafeBufferPointer { cv in
                    let creatorBase = cv.baseAddress! + tile.firstRow * d
                    let bonus = self.bonus
                    let adjusted = adjustment != nil
                    for i in 0..<count {
                        let p = rows.lowerBound + Int(candidateRows[i])
                        let j = column + Int(candidateColumns[i])
                        let index = tile.base + j
                        var score = ExactScore.cosine(pv.baseAddress! + p * d, creatorBase + j * d, dimension: d)
                        if adjusted { score = ExactScore.adjusted(score, scale: scale, bonus: bonus(p, index)) }
                        offer(product: p, index: Int32(index), score: score)
                    }
                }
            }
            column += n
            chunk *= 2
        }
    }

    /// Offers a candidate's exact score (`ExactScore.cosine`, adjusted), unless the product excludes the
    /// creator (looked up only for candidates that would enter).
    @inline(__always)
    mutating func offer(product p: Int, index: Int32, score: Float) {
        guard score >= collectors[p].threshold else { return }
        if let exclusions, exclusions[p].sortedContains(excludedBy.map { $0[Int(index)] } ?? index) { return }
        collectors[p].offer(score: score, index: index)
    }
}

extension Array where Element == Int32 {
    /// Binary search in a sorted array.
    @inline(__always)
    public func sortedContains(_ value: Int32) -> Bool {
        var low = 0
        var high = count
        while low < high {
            let mid = (low + high) / 2
            if self[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low < count && self[low] == value
    }
}
