import CBLAS
import Foundation
import MatchCore

/// The ceiling for `TopKSearch`: the same tiled `cblas_sgemm` calls on the same threads, with the
/// selection left out. Benchmarks report the search's time as a ratio to this.
public enum GEMMBaseline {
    /// Multiplies every product block by every creator tile; returns a checksum of the scores so the
    /// work cannot be optimized away.
    public static func run(products: FeatureMatrix, creators: FeatureMatrix, configuration: TileConfiguration) -> Double {
        let previousThreads = openblas_get_num_threads()
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(previousThreads) }
        let source = InMemoryCreators(normalized: creators)
        let iterator = source.makeIterator(tileRows: configuration.creatorTile)
        let sums = WorkerSums(count: configuration.threads)
        DispatchQueue.concurrentPerform(iterations: configuration.threads) { worker in
            var buffer = [Float](repeating: 0, count: min(configuration.productBlock, max(1, products.rows)) * configuration.creatorTile)
            var checksum = 0.0
            while let tile = (try? iterator.next()) ?? nil {
                var start = 0
                while start < products.rows {
                    let mb = min(configuration.productBlock, products.rows - start)
                    products.values.withUnsafeBufferPointer { p in
                        tile.values.withUnsafeBufferPointer { c in
                            buffer.withUnsafeMutableBufferPointer { out in
                                cblas_sgemm(
                                    CblasRowMajor, CblasNoTrans, CblasTrans, Int32(mb), Int32(tile.rows), Int32(products.dimension),
                                    1, p.baseAddress! + start * products.dimension, Int32(products.dimension),
                                    c.baseAddress! + tile.firstRow * products.dimension, Int32(products.dimension),
                                    0, out.baseAddress!, Int32(tile.rows))
                            }
                        }
                    }
                    checksum += Double(buffer[0])
                    start += mb
                }
            }
            sums.add(checksum)
        }
        return sums.total
    }

    /// One multithreaded `sgemm` per product block over all creators (OpenBLAS's own threading,
    /// `threads` of them): raw BLAS speed on these shapes, for reference.
    public static func runOpenBLASThreaded(products: FeatureMatrix, creators: FeatureMatrix, productBlock: Int, creatorTile: Int, threads: Int) -> Double {
        let previousThreads = openblas_get_num_threads()
        openblas_set_num_threads(Int32(threads))
        defer { openblas_set_num_threads(previousThreads) }
        var buffer = [Float](repeating: 0, count: min(productBlock, max(1, products.rows)) * creatorTile)
        var checksum = 0.0
        var tileStart = 0
        let d = products.dimension
        while tileStart < creators.rows {
            let n = min(creatorTile, creators.rows - tileStart)
            var start = 0
            while start < products.rows {
                let mb = min(productBlock, products.rows - start)
                products.values.withUnsafeBufferPointer { p in
                    creators.values.withUnsafeBufferPointer { c in
                        buffer.withUnsafeMutableBufferPointer { out in
                            cblas_sgemm(
                                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(mb), Int32(n), Int32(d),
                                1, p.baseAddress! + start * d, Int32(d), c.baseAddress! + tileStart * d, Int32(d),
                                0, out.baseAddress!, Int32(n))
                        }
                    }
                }
                checksum += Double(buffer[0])
                start += mb
            }
            tileStart += n
        }
        return checksum
    }
}

final class WorkerSums: @unchecked Sendable {
    private var values: [Double]
    private let lock = Lock()
    init(count: Int) { values = [] ; values.reserveCapacity(count) }
    func add(_ value: Double) { lock.withLock { values.append(value) } }
    var total: Double { lock.withLock { values.reduce(0, +) } }
}
