import MatchCore
import Testing
@testable import MatchKernels

struct Generator {
    var random: SeededRandom
    init(state: UInt64) { random = SeededRandom(seed: state) }
    mutating func next() -> UInt64 { random.next() }
    mutating func unit() -> Float { Float(next() >> 40) / Float(1 << 24) * 2 - 1 }
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    mutating func matrix(_ rows: Int, _ d: Int) -> FeatureMatrix {
        FeatureMatrix(rows: rows, dimension: d, values: (0..<(rows * d)).map { _ in unit() }).normalized()
    }

    /// Unit vectors whose dot products are exact in float32: four components of ±0.5, so many exact ties.
    mutating func tieMatrix(_ rows: Int, _ d: Int) -> FeatureMatrix {
        var values = [Float](repeating: 0, count: rows * d)
        for r in 0..<rows {
            var used = Set<Int>()
            while used.count < 4 { used.insert(int(d)) }
            for j in used { values[r * d + j] = next() % 2 == 0 ? 0.5 : -0.5 }
        }
        return FeatureMatrix(rows: rows, dimension: d, values: values)
    }
}

/// Checks `result` is a correct top-k against the reference up to float32 rounding.
func expectValidTopK(_ result: [[ScoredIndex]], _ reference: [[ScoredIndex]], k: Int, tolerance: Float = 2e-5, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result.count == reference.count, sourceLocation: sourceLocation)
    for (got, want) in zip(result, reference) {
        #expect(got.count == want.count, sourceLocation: sourceLocation)
        let wantScores = Dictionary(uniqueKeysWithValues: want.map { ($0.index, $0.score) })
        let kth = want.last?.score ?? -.infinity
        for (position, candidate) in got.enumerated() {
            #expect(candidate.score >= kth - tolerance, sourceLocation: sourceLocation)
            if let reference = wantScores[candidate.index] {
                #expect(abs(reference - candidate.score) <= tolerance, sourceLocation: sourceLocation)
            }
            if position > 0 {
                #expect(ScoredIndex.ranksBefore(got[position - 1], candidate), sourceLocation: sourceLocation)
            }
        }
    }
}

@Suite struct TopKCollectorTests {
    @Test func matchesAFullSortOverManySeeds() {
        for seed in 0..<200 {
            var random = Generator(state: UInt64(seed))
            let n = random.int(300)
            let k = random.int(60)
            // Few distinct scores, so ties at the k-th place are common.
            let candidates = (0..<n).map { ScoredIndex(score: Float(random.int(12)), index: Int32($0)) }
            var collector = TopKCollector(k: k)
            for c in candidates.shuffledDeterministically(&random) { collector.offer(score: c.score, index: c.index) }
            let expected = Array(candidates.sorted(by: ScoredIndex.ranksBefore).prefix(k))
            #expect(collector.sorted() == expected, "seed \(seed)")
        }
    }
}

extension Array {
    func shuffledDeterministically(_ random: inout Generator) -> [Element] {
        var copy = self
        if copy.count > 1 {
            for i in stride(from: copy.count - 1, to: 0, by: -1) { copy.swapAt(i, random.int(i + 1)) }
        }
        return copy
    }
}

@Suite struct TopKSearchTests {
    static let tiny = TileConfiguration(productBlock: 16, creatorTile: 12, threads: 2)
    /// Both filter precisions this CPU can run (bfloat16 only where AVX-512 BF16 exists).
    static let precisions: [FilterPrecision] = FilterPrecision.bfloat16.resolved(dimension: 2) == .bfloat16 ? [.float32, .bfloat16] : [.float32]

    static func configurations(_ base: [TileConfiguration]) -> [TileConfiguration] {
        base.flatMap { c in precisions.map { TileConfiguration(productBlock: c.productBlock, creatorTile: c.creatorTile, threads: c.threads, precision: $0) } }
    }

    @Test(arguments: [(1, 1, 1, 1), (3, 50, 8, 5), (17, 301, 13, 10), (40, 1000, 64, 50), (33, 97, 5, 200)])
    func matchesTheReferenceOnRaggedShapes(m: Int, n: Int, d: Int, k: Int) throws {
        var random = Generator(state: UInt64(m * 1000 + n))
        let products = random.matrix(m, d)
        let creators = random.matrix(n, d)
        let reference = ReferenceSearch.search(products: products, creators: creators, k: k)
        for configuration in Self.configurations([Self.tiny, TileConfiguration(productBlock: 7, creatorTile: 33, threads: 1), TileConfiguration()]) {
            let result = try TopKSearch(configuration: configuration).search(products: products, creators: InMemoryCreators(normalized: creators), k: k)
            expectValidTopK(result, reference, k: k)
            // One score definition everywhere: the search equals the reference exactly.
            #expect(result == reference, "\(configuration)")
        }
    }

    @Test func exactTiesBreakByIndexExactlyLikeTheReference() throws {
        var random = Generator(state: 99)
        let products = random.tieMatrix(23, 16)
        let creators = random.tieMatrix(500, 16)
        for k in [1, 7, 50, 499, 500, 600] {
            let reference = ReferenceSearch.search(products: products, creators: creators, k: k)
            for configuration in Self.configurations([Self.tiny]) {
                let result = try TopKSearch(configuration: configuration).search(products: products, creators: InMemoryCreators(normalized: creators), k: k)
                #expect(result == reference, "k = \(k), \(configuration.precision)")
            }
            // There really are ties at the cut.
            if k == 7 { #expect(reference.contains { $0.count == 7 && $0[5].score == $0[6].score }) }
        }
    }

    @Test func resultsDoNotDependOnTileSizesOrThreads() throws {
        var random = Generator(state: 5)
        let products = random.matrix(37, 24)
        let creators = InMemoryCreators(normalized: random.matrix(2_000, 24))
        let configurations = Self.configurations([
            TileConfiguration(productBlock: 16, creatorTile: 12, threads: 1),
            TileConfiguration(productBlock: 16, creatorTile: 12, threads: 2),
            TileConfiguration(productBlock: 37, creatorTile: 2_000, threads: 1),
            TileConfiguration(productBlock: 5, creatorTile: 129, threads: 3),
            TileConfiguration(productBlock: 256, creatorTile: 4096, threads: 2),
        ])
        let results = try configurations.map { try TopKSearch(configuration: $0).search(products: products, creators: creators, k: 25) }
        for result in results.dropFirst() { #expect(result == results[0]) }
        // A source that keeps the matrix pre-packed for the bfloat16 pass gives the same results.
        if let packed = TopKSearch.packForBFloat16(creators.matrix) {
            let prepacked = InMemoryCreators(normalized: creators.matrix, packed: packed)
            for configuration in configurations {
                #expect(try TopKSearch(configuration: configuration).search(products: products, creators: prepacked, k: 25) == results[0])
            }
        }
    }

    /// Many near-ties just around the cut, where a filter with too small an error margin would drop
    /// true members of the top-k: thousands of creators at almost the same angle to the product.
    @Test func nearTiesAtTheCutSurviveTheApproximateFilter() throws {
        var random = Generator(state: 77)
        let d = 32
        let products = random.matrix(8, d)
        var values: [Float] = []
        for i in 0..<3_000 {
            let p = i % 8
            // The product's direction plus a small random perturbation: cosines all within ~1e-3.
            var row = Array(products.row(p))
            for j in 0..<d { row[j] += random.unit() * 0.02 }
            values += row
        }
        let creators = FeatureMatrix(rows: 3_000, dimension: d, values: values).normalized()
        let reference = ReferenceSearch.search(products: products, creators: creators, k: 40)
        for configuration in Self.configurations([Self.tiny, TileConfiguration()]) {
            let result = try TopKSearch(configuration: configuration).search(products: products, creators: InMemoryCreators(normalized: creators), k: 40)
            #expect(result == reference, "\(configuration.precision)")
        }
    }

    @Test func emptyAndDegenerateInputs() throws {
        var random = Generator(state: 3)
        let products = random.matrix(4, 8)
        let search = TopKSearch(configuration: Self.tiny)
        #expect(try search.search(products: products, creators: InMemoryCreators(normalized: FeatureMatrix(dimension: 8)), k: 5) == [[], [], [], []])
        #expect(try search.search(products: FeatureMatrix(dimension: 8), creators: InMemoryCreators(normalized: random.matrix(10, 8)), k: 5).isEmpty)
        #expect(try search.search(products: products, creators: InMemoryCreators(normalized: random.matrix(10, 8)), k: 0) == [[], [], [], []])
        // k > N gives every creator, never padding.
        let all = try search.search(products: products, creators: InMemoryCreators(normalized: random.matrix(10, 8)), k: 50)
        #expect(all.allSatisfy { $0.count == 10 && Set($0.map(\.index)).count == 10 })
    }

    @Test func exclusionsAreHonouredAndCanRemoveEverything() throws {
        var random = Generator(state: 8)
        let products = random.matrix(6, 12)
        let creators = random.matrix(200, 12)
        var exclusions: [[Int32]] = (0..<6).map { _ in Array(Set((0..<60).map { _ in Int32(random.int(200)) })).sorted() }
        exclusions[2] = (0..<200).map(Int32.init)
        let reference = ReferenceSearch.search(products: products, creators: creators, k: 20, exclusions: exclusions)
        for configuration in Self.configurations([Self.tiny]) {
            let result = try TopKSearch(configuration: configuration).search(products: products, creators: InMemoryCreators(normalized: creators), k: 20, exclusions: exclusions)
            #expect(result == reference)
            #expect(result[2].isEmpty)
            for p in 0..<6 { #expect(Set(result[p].map(\.index)).isDisjoint(with: exclusions[p])) }
        }
    }

    @Test func scoreAdjustmentMatchesTheReference() throws {
        var random = Generator(state: 21)
        let products = random.matrix(30, 16)
        let creators = random.matrix(700, 16)
        let perCreator = (0..<700).map { _ in Float(random.int(100)) / 400 }
        // The bonus depends on product and creator; the bound is its maximum over products.
        let adjustment = ScoreAdjustment(scale: 0.6, upperBounds: perCreator) { p, c in perCreator[c] * Float(p % 4 + 1) / 4 }
        let reference = ReferenceSearch.search(products: products, creators: creators, k: 15, adjustment: adjustment)
        for configuration in Self.configurations([Self.tiny, TileConfiguration(productBlock: 64, creatorTile: 256, threads: 2)]) {
            let result = try TopKSearch(configuration: configuration).search(products: products, creators: InMemoryCreators(normalized: creators), k: 15, adjustment: adjustment)
            #expect(result == reference)
        }
    }

    @Test func floorsKeepOnlyCandidatesAtOrAboveThem() throws {
        var random = Generator(state: 34)
        let products = random.matrix(20, 16)
        let creators = random.matrix(900, 16)
        let reference = ReferenceSearch.search(products: products, creators: creators, k: 40)
        // Floors at a reference score (ties at the floor kept), above every score, and none.
        let floors: [Float] = (0..<20).map { p in p % 3 == 0 ? reference[p][25].score : p % 3 == 1 ? 2 : -.infinity }
        for configuration in Self.configurations([Self.tiny, TileConfiguration(productBlock: 8, creatorTile: 128, threads: 2)]) {
            let result = try TopKSearch(configuration: configuration).search(products: products, creators: InMemoryCreators(normalized: creators), k: 40, floors: floors)
            for p in 0..<20 {
                #expect(result[p] == reference[p].filter { $0.score >= floors[p] }, "product \(p)")
            }
        }
    }

    /// Seeds (any creators, with duplicates, excluded ones, out-of-range indices, or too few) only
    /// raise where the scan starts: the results equal the reference.
    @Test func seedsChangeNothingButWhereTheScanStarts() throws {
        var random = Generator(state: 55)
        let products = random.matrix(24, 16)
        let creators = random.matrix(1200, 16)
        let perCreator = (0..<1200).map { _ in Float(random.int(100)) / 400 }
        let adjustment = ScoreAdjustment(scale: 0.6, upperBounds: perCreator) { p, c in perCreator[c] * Float(p % 4 + 1) / 4 }
        let exclusions: [[Int32]] = (0..<24).map { _ in Array(Set((0..<80).map { _ in Int32(random.int(1200)) })).sorted() }
        let k = 30
        for adjusted in [nil, adjustment] {
            let reference = ReferenceSearch.search(products: products, creators: creators, k: k, exclusions: exclusions, adjustment: adjusted)
            let seeds: [[Int32]] = (0..<24).map { p in
                switch p % 4 {
                case 0: return reference[p].map(\.index)                                  // yesterday's list, exactly
                case 1: return reference[p].prefix(20).map(\.index) + exclusions[p].prefix(15)   // too few once excluded ones go
                case 2: return (0..<40).map { _ in Int32(random.int(1200)) } + [-1, 5000, 7, 7, 7]   // random, junk and duplicates
                default: return []
                }
            }
            for configuration in Self.configurations([Self.tiny, TileConfiguration(productBlock: 8, creatorTile: 128, threads: 2)]) {
                let result = try TopKSearch(configuration: configuration).search(
                    products: products, creators: InMemoryCreators(normalized: creators), k: k, exclusions: exclusions, adjustment: adjusted, seeds: seeds)
                #expect(result == reference)
            }
            // The seeded floor of an exact list is its k-th score (one ulp below), so the scan starts there.
            let floors = TopKSearch.seededFloors(products: products, creators: creators, k: k, seeds: seeds, exclusions: exclusions, adjustment: adjusted, floors: nil)
            #expect(floors[0] == reference[0][k - 1].score.nextDown)
            #expect(floors[1] == -.infinity && floors[3] == -.infinity)
        }
    }

    /// With floors known (from seeds), creators whose bonus bound cannot reach the lowest floor even at
    /// cosine 1 are never scored; the results still equal the reference. Bounds here are spread like a
    /// blended ranking's (a few strong creators, many weak), with ties, exclusions of strong creators
    /// and products whose seeds are too few (no floor: everything is scored).
    @Test func creatorsBelowEveryFloorAreSkippedWithoutChangingResults() throws {
        var random = Generator(state: 89)
        let n = 4000
        let m = 96  // enough bounded products to be searched in groups by floor
        let products = random.matrix(m, 16)
        var perCreator = (0..<n).map { c in c % 25 == 0 ? Float(220 + random.int(80)) / 400 : Float(random.int(16) * random.int(16)) / 400 }
        // Weak creators identical to a product (cosine 1) with bounds in small steps: some of them sit just
        // above the product's floor, where only a bound taken at cosine 1 keeps them.
        var values = random.matrix(n, 16).values
        for p in stride(from: 0, to: 40, by: 4) {
            for i in 0..<48 where (1000 + p * 48 + i) % 25 != 0 {
                let c = 1000 + p * 48 + i
                values.replaceSubrange((c * 16)..<(c * 16 + 16), with: products.row(p))
                perCreator[c] = Float(i) * 0.0125
            }
        }
        let creators = FeatureMatrix(rows: n, dimension: 16, values: values)
        let bounds = perCreator
        let adjustment = ScoreAdjustment(scale: 0.3, upperBounds: bounds) { p, c in bounds[c] * (p % 2 == 0 ? 1 : 0.875) }
        let strong = (0..<n).filter { $0 % 25 == 0 }.map(Int32.init)
        let exclusions: [[Int32]] = (0..<m).map { p in Array(strong[(p % 7)..<(p % 7 + 12)]).sorted() }
        let k = 20
        let reference = ReferenceSearch.search(products: products, creators: creators, k: k, exclusions: exclusions, adjustment: adjustment)
        let seeds: [[Int32]] = (0..<m).map { p in p % 5 == 4 ? [] : strong }
        let floors = TopKSearch.seededFloors(products: products, creators: creators, k: k, seeds: seeds, exclusions: exclusions, adjustment: adjustment, floors: nil)
        let seeded = floors.enumerated().filter { $0.offset % 5 != 4 }.map(\.element)
        let scored = TopKSearch.reachable(upperBounds: perCreator, scale: 0.3, floors: seeded)?.count ?? n
        #expect(scored < n / 3, "most creators are skipped (\(scored) of \(n) scored)")
        let withoutFloor = TopKSearch.reachable(upperBounds: perCreator, scale: 0.3, floors: floors) == nil
        #expect(withoutFloor, "a product without a floor needs every creator")
        // Some of the results are weak creators (bound below the strong ones') that made it on similarity.
        #expect(reference.joined().contains { $0.index % 25 != 0 })
        for configuration in Self.configurations([Self.tiny, TileConfiguration(productBlock: 8, creatorTile: 128, threads: 2)]) {
            let search = TopKSearch(configuration: configuration)
            // Only the seeded products (their floors allow skipping), then all of them.
            let part = (0..<m).filter { $0 % 5 != 4 }
            let result = try search.search(
                products: products.gathering(part), creators: InMemoryCreators(normalized: creators), k: k,
                exclusions: part.map { exclusions[$0] },
                adjustment: ScoreAdjustment(scale: 0.3, upperBounds: perCreator) { p, c in adjustment.bonus(part[p], c) },
                seeds: part.map { seeds[$0] })
            #expect(result == part.map { reference[$0] })
            #expect(try search.search(products: products, creators: InMemoryCreators(normalized: creators), k: k, exclusions: exclusions, adjustment: adjustment, seeds: seeds) == reference)
            // Seeded with its exact list, a product's floor is its k-th score: its clones just above it
            // (bound within `scale` of the floor) must still be scored.
            for p in stride(from: 0, to: 40, by: 4) {
                let alone = try search.search(
                    products: products.gathering([p]), creators: InMemoryCreators(normalized: creators), k: k, exclusions: [exclusions[p]],
                    adjustment: ScoreAdjustment(scale: 0.3, upperBounds: bounds) { _, c in adjustment.bonus(p, c) }, seeds: [reference[p].map(\.index)])
                #expect(alone == [reference[p]], "product \(p)")
            }
        }
    }

}
