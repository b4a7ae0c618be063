// Release-mode benchmark of the matcher kernel. Prints, per shape: wall time, effective GFLOP/s
// (2·M·N·d / time), peak memory, the ratio to bare tiled sgemm of the same shapes (the ceiling of
// this design), a 30%-filtered variant, and a checksum of the results.
//
//   creatormatch-bench [--quick] [--shape NAME] [--dump DIR] [--tile-products N] [--tile-creators N] [--threads N]
//                      [--precision float32|bfloat16|automatic] [--vectors DIR]
//
// --vectors DIR benchmarks given matrices instead of random ones: DIR holds products.f32 and
// creators.f32 (raw little-endian float32 rows, normalized here) and shape.txt ("M N d k"), as
// Scripts/bench_rescore.sh writes them from a database — the bare matcher on the rescore's own data.
// --dump DIR writes each shape's normalized matrices as raw little-endian float32 (products.f32,
// creators.f32) plus shape.txt, so Scripts/bench.sh can run FAISS and numpy on the same data.
import Foundation
import MatchCore
import MatchKernels

struct Shape {
    let name: String
    let creators: Int
    let products: Int
    let dimension: Int
    let k: Int
}

let arguments = Array(CommandLine.arguments.dropFirst())
nonisolated func option(_ name: String) -> String? {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
    return arguments[i + 1]
}
let quick = arguments.contains("--quick")
var shapes = quick
    ? [Shape(name: "quick-100k-x-500-x-64", creators: 100_000, products: 500, dimension: 64, k: 50)]
    : [Shape(name: "1M-x-2k-x-128", creators: 1_000_000, products: 2_000, dimension: 128, k: 50),
       Shape(name: "200k-x-20k-x-64", creators: 200_000, products: 20_000, dimension: 64, k: 50)]
if let only = option("--shape") { shapes = shapes.filter { $0.name == only } }
let vectorsDirectory = option("--vectors")
if let vectorsDirectory {
    let fields = try String(contentsOfFile: "\(vectorsDirectory)/shape.txt", encoding: .utf8).split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
    guard fields.count == 4 else { fatalError("\(vectorsDirectory)/shape.txt must hold four integers: M N d k") }
    shapes = [Shape(name: "data-\(fields[1])-x-\(fields[0])-x-\(fields[2])", creators: fields[1], products: fields[0], dimension: fields[2], k: fields[3])]
}
let dumpDirectory = option("--dump")
var configuration = TileConfiguration()
if let v = option("--tile-products").flatMap(Int.init) { configuration.productBlock = v }
if let v = option("--tile-creators").flatMap(Int.init) { configuration.creatorTile = v }
if let v = option("--threads").flatMap(Int.init) { configuration.threads = v }
if let v = option("--precision").flatMap(FilterPrecision.init(rawValue:)) { configuration.precision = v }

/// Seeded uniform vectors, normalized.
func matrix(rows: Int, dimension: Int, seed: UInt64) -> FeatureMatrix {
    var state = seed
    var values = [Float](repeating: 0, count: rows * dimension)
    for i in 0..<values.count {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        values[i] = Float(Int32(truncatingIfNeeded: state >> 32)) / Float(Int32.max)
    }
    return FeatureMatrix(rows: rows, dimension: dimension, values: values).normalized()
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func peakResidentMB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

func checksum(_ results: [[ScoredIndex]]) -> String {
    var indexSum: Int64 = 0
    var scoreSum = 0.0
    for row in results { for c in row { indexSum &+= Int64(c.index); scoreSum += Double(c.score) } }
    return "\(indexSum)/\(String(format: "%.4f", scoreSum))"
}

let environment = ProcessInfo.processInfo.environment
print("creatormatch-bench: \(ProcessInfo.processInfo.activeProcessorCount) cores, threads \(configuration.threads), tiles \(configuration.productBlock)×\(configuration.creatorTile), filter precision \(configuration.precision.rawValue), OPENBLAS_CORETYPE=\(environment["OPENBLAS_CORETYPE"] ?? "(unset)")")
/// A raw float32 matrix file, normalized.
func load(_ path: String, rows: Int, dimension: Int) throws -> FeatureMatrix {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    guard data.count == rows * dimension * 4 else { fatalError("\(path) has \(data.count) bytes, expected \(rows * dimension * 4)") }
    let values = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    return FeatureMatrix(rows: rows, dimension: dimension, values: values).normalized()
}

for shape in shapes {
    let products = try vectorsDirectory.map { try load("\($0)/products.f32", rows: shape.products, dimension: shape.dimension) }
        ?? matrix(rows: shape.products, dimension: shape.dimension, seed: 1)
    let creators = try vectorsDirectory.map { try load("\($0)/creators.f32", rows: shape.creators, dimension: shape.dimension) }
        ?? matrix(rows: shape.creators, dimension: shape.dimension, seed: 2)
    if let dumpDirectory {
        let directory = "\(dumpDirectory)/\(shape.name)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try products.values.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: "\(directory)/products.f32")) }
        try creators.values.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: "\(directory)/creators.f32")) }
        try "\(shape.products) \(shape.creators) \(shape.dimension) \(shape.k)\n".write(toFile: "\(directory)/shape.txt", atomically: true, encoding: .utf8)
    }
    let flops = 2.0 * Double(shape.products) * Double(shape.creators) * Double(shape.dimension)
    let source = InMemoryCreators(normalized: creators)
    let search = TopKSearch(configuration: configuration)

    // Warm up OpenBLAS's buffers and the pages of both matrices.
    _ = GEMMBaseline.run(products: FeatureMatrix(rows: min(64, shape.products), dimension: shape.dimension, values: Array(products.values.prefix(min(64, shape.products) * shape.dimension))), creators: creators, configuration: configuration)

    var bare = Double.infinity
    var threaded = Double.infinity
    var topK = Double.infinity
    var topKFloat32 = Double.infinity
    var filtered = Double.infinity
    var results: [[ScoredIndex]] = []
    var float32Results: [[ScoredIndex]] = []
    var filteredResults: [[ScoredIndex]] = []
    var float32Configuration = configuration
    float32Configuration.precision = .float32
    let usesBFloat16 = configuration.precision.resolved(dimension: shape.dimension) == .bfloat16
    // 30% of creators masked out, as the service does it: the candidate matrix keeps the other 70%.
    var keep: [Int] = []
    var state: UInt64 = 77
    for i in 0..<shape.creators {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        if (state >> 33) % 10 >= 3 { keep.append(i) }
    }
    let repeats = quick ? 3 : 2
    for _ in 0..<repeats {
        bare = min(bare, seconds { _ = GEMMBaseline.run(products: products, creators: creators, configuration: configuration) })
        threaded = min(threaded, seconds { _ = GEMMBaseline.runOpenBLASThreaded(products: products, creators: creators, productBlock: 4096, creatorTile: 16384, threads: configuration.threads) })
        topK = min(topK, try seconds { results = try search.search(products: products, creators: source, k: shape.k) })
        if usesBFloat16 {
            topKFloat32 = min(topKFloat32, try seconds { float32Results = try TopKSearch(configuration: float32Configuration).search(products: products, creators: source, k: shape.k) })
        }
        filtered = min(filtered, try seconds {
            let candidates = creators.gathering(keep)
            filteredResults = try search.search(products: products, creators: InMemoryCreators(normalized: candidates), k: shape.k)
        })
    }
    func gflops(_ t: Double) -> String { String(format: "%.0f", flops / t / 1e9) }
    print("")
    print("shape \(shape.name) (filter precision used: \(configuration.precision.resolved(dimension: shape.dimension).rawValue)): N=\(shape.creators) creators × M=\(shape.products) products × d=\(shape.dimension), k=\(shape.k)")
    print(String(format: "  bare tiled sgemm (same tiles/threads)  %7.3f s  %@ GFLOP/s", bare, gflops(bare)))
    print(String(format: "  OpenBLAS-threaded sgemm (4096×16384)   %7.3f s  %@ GFLOP/s", threaded, gflops(threaded)))
    print(String(format: "  exact top-k search                     %7.3f s  %@ GFLOP/s  ratio to bare sgemm %.3f", topK, gflops(topK), topK / bare))
    if usesBFloat16 {
        print(String(format: "  exact top-k, float32 sgemm filter      %7.3f s  %@ GFLOP/s  ratio to bare sgemm %.3f  (same results: %@)", topKFloat32, gflops(topKFloat32), topKFloat32 / bare, float32Results == results ? "yes" : "NO"))
    }
    print(String(format: "  top-k, 30%% of creators filtered out   %7.3f s  ratio to unfiltered %.3f", filtered, filtered / topK))
    print(String(format: "  peak resident memory so far            %7.0f MB", peakResidentMB()))
    print("  checksum \(checksum(results)) filtered \(checksum(filteredResults))")
    print("RESULT \(shape.name) topk_s=\(String(format: "%.4f", topK)) topk_float32_s=\(String(format: "%.4f", usesBFloat16 ? topKFloat32 : topK)) bare_s=\(String(format: "%.4f", bare)) filtered_s=\(String(format: "%.4f", filtered)) threaded_sgemm_s=\(String(format: "%.4f", threaded))")
}
