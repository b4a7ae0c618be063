import CBLAS
import CMatchScan
import Foundation
import MatchCore

/// Tile sizes and thread count of a search: configuration values, passed in, never globals.
public struct TileConfiguration: Sendable, Equatable {
    /// Products scored together in one `sgemm` (the M of a tile).
    public var productBlock: Int
    /// Creators in one tile (the N of a tile).
    public var creatorTile: Int
    /// Worker threads; each runs single-threaded `sgemm` on its own tiles.
    public var threads: Int

    public init(productBlock: Int = 256, creatorTile: Int = 4096, threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        precondition(productBlock > 0 && creatorTile > 0 && threads > 0, "tile sizes and threads must be positive")
        self.productBlock = productBlock
        self.creatorTile = creatorTile
        self.threads = threads
    }
}

/// An optional change of the score before selection: `scale * cosine + bonus(product, creator)`.
/// The scan first compares `scale * cosine + upperBound[creator]` (one fused pass, the same bound for
/// every product) with the running threshold, and computes the exact bonus only for the few scores
/// that pass, so the adjusted search stays exact and on the BLAS path.
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

/// Exact top-k of `products × creators` scores, on the BLAS path:
/// creators come in tiles; each worker multiplies product blocks by its tile with one `cblas_sgemm`
/// into a reused buffer, then scans each score row against that product's running k-th best score
/// (one SIMD compare rejects most scores). Per-product exclusions (already invited, declined, …) are
/// checked only for scores that pass, so filtering stays on the BLAS path. Results are ordered by
/// score descending then creator index ascending, and do not depend on tile sizes or thread count.
public struct TopKSearch: Sendable {
    public let configuration: TileConfiguration

    public init(configuration: TileConfiguration = TileConfiguration()) {
        self.configuration = configuration
    }

    /// - Parameters:
    ///   - products: normalized product vectors (M × d).
    ///   - creators: normalized creator vectors (N × d), in id order.
    ///   - exclusions: per product, the sorted creator indices it must not return.
    /// - Returns: per product, up to `k` candidates, best first.
    public func search(
        products: FeatureMatrix, creators: any CreatorTileSource, k: Int,
        exclusions: [[Int32]]? = nil, adjustment: ScoreAdjustment? = nil
    ) throws -> [[ScoredIndex]] {
        precondition(products.dimension == creators.dimension, "products and creators must share a dimension")
        precondition(exclusions == nil || exclusions!.count == products.rows, "one exclusion list per product")
        let m = products.rows
        guard m > 0, k > 0 else { return Array(repeating: [], count: m) }

        let iterator = try creators.makeIterator(tileRows: configuration.creatorTile)
        let workers = max(1, configuration.threads)
        let previousThreads = openblas_get_num_threads()
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(previousThreads) }

        let results = WorkerResults(count: workers)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var state = WorkerState(products: products, k: k, configuration: configuration, adjustment: adjustment)
            do {
                while let tile = try iterator.next() {
                    state.score(tile, exclusions: exclusions)
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

/// One worker's collectors and its reused score and bonus buffers.
struct WorkerState {
    let products: FeatureMatrix
    let configuration: TileConfiguration
    let adjustment: ScoreAdjustment?
    var collectors: [TopKCollector]
    var scores: [Float]

    init(products: FeatureMatrix, k: Int, configuration: TileConfiguration, adjustment: ScoreAdjustment?) {
        self.products = products
        self.configuration = configuration
        self.adjustment = adjustment
        collectors = Array(repeating: TopKCollector(k: k), count: products.rows)
        scores = [Float](repeating: 0, count: min(configuration.productBlock, products.rows) * configuration.creatorTile)
    }

    /// Scores every product block against one creator tile and feeds the collectors.
    mutating func score(_ tile: CreatorTile, exclusions: [[Int32]]?) {
        let d = products.dimension
        let n = tile.rows
        let block = configuration.productBlock
        var start = 0
        while start < products.rows {
            let mb = min(block, products.rows - start)
            products.values.withUnsafeBufferPointer { p in
                tile.values.withUnsafeBufferPointer { c in
                    scores.withUnsafeMutableBufferPointer { out in
                        // out (mb × n) = P[start..<start+mb] (mb × d) · C_tile (n × d)ᵀ
                        cblas_sgemm(
                            CblasRowMajor, CblasNoTrans, CblasTrans,
                            Int32(mb), Int32(n), Int32(d),
                            1, p.baseAddress! + start * d, Int32(d),
                            c.baseAddress! + tile.firstRow * d, Int32(d),
                            0, out.baseAddress!, Int32(n))
                    }
                }
            }
            scan(rows: start..<(start + mb), tile: tile, exclusions: exclusions)
            start += mb
        }
    }

    /// Feeds one score tile's rows to their collectors.
    mutating func scan(rows: Range<Int>, tile: CreatorTile, exclusions: [[Int32]]?) {
        let n = tile.rows
        for p in rows {
            let rowOffset = (p - rows.lowerBound) * n
            let excluded = exclusions?[p] ?? []
            scores.withUnsafeBufferPointer { s in
                let row = s.baseAddress! + rowOffset
                if let adjustment {
                    adjustment.upperBounds.withUnsafeBufferPointer { bounds in
                        Self.scanRow(row, count: n, base: tile.base, product: p, excluded: excluded,
                                     adjustment: adjustment, bounds: bounds.baseAddress! + tile.base, collector: &collectors[p])
                    }
                } else {
                    Self.scanRow(row, count: n, base: tile.base, excluded: excluded, collector: &collectors[p])
                }
            }
        }
    }

    /// The hot loop: a vectorized scan (CMatchScan) skips to the next score at or above the running
    /// threshold; only those reach the collector.
    static func scanRow(_ row: UnsafePointer<Float>, count n: Int, base: Int, excluded: [Int32], collector: inout TopKCollector) {
        var j = 0
        while true {
            j = cmatch_first_at_least(row, j, n, collector.threshold)
            guard j < n else { return }
            let index = Int32(base + j)
            if excluded.isEmpty || !excluded.sortedContains(index) {
                collector.offer(score: row[j], index: index)
            }
            j += 1
        }
    }

    /// The adjusted hot loop: bound first, exact bonus only for scores whose bound passes.
    static func scanRow(
        _ row: UnsafePointer<Float>, count n: Int, base: Int, product: Int, excluded: [Int32],
        adjustment: ScoreAdjustment, bounds: UnsafePointer<Float>, collector: inout TopKCollector
    ) {
        let scale = adjustment.scale
        var j = 0
        while true {
            j = cmatch_first_at_least_affine(row, bounds, j, n, scale, collector.threshold)
            guard j < n else { return }
            let index = Int32(base + j)
            let score = row[j] * scale + adjustment.bonus(product, base + j)
            if score >= collector.threshold, excluded.isEmpty || !excluded.sortedContains(index) {
                collector.offer(score: score, index: index)
            }
            j += 1
        }
    }
}

extension Array where Element == Int32 {
    /// Binary search in a sorted array.
    @inline(__always)
    func sortedContains(_ value: Int32) -> Bool {
        var low = 0
        var high = count
        while low < high {
            let mid = (low + high) / 2
            if self[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low < count && self[low] == value
    }
}
