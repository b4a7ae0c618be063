import MatchCore
import PropertyBased
import Testing

/// Scores that tie and nearly tie a lot: a few exact values (±0 among them, which compare equal),
/// their float neighbours, the extremes, and some uniform ones in between.
let tieProneScores: Generator<Float, some SendableSequenceType> = Gen<Float>.oneOf(
    Gen<Float?>.element(of: [
        0, -0.0, 0.5, Float(0.5).nextUp, Float(0.5).nextDown, 1, -1, .leastNonzeroMagnitude,
        .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .infinity, -.infinity,
    ] as [Float]).map { $0! },
    Gen.float(in: -1...1)
)

/// The contract's order, written out here rather than taken from the code under test.
func contractOrder(_ a: ScoredIndex, _ b: ScoredIndex) -> Bool {
    if a.score != b.score { return a.score > b.score }
    return a.index < b.index
}

/// The scores as candidates (index = position), offered in an order scrambled by `seed`: the result
/// must not depend on it.
func candidates(_ scores: [Float], scrambledBy seed: UInt64) -> [ScoredIndex] {
    var random = SeededRandom(seed: seed)
    return scores.enumerated().map { ScoredIndex(score: $0.element, index: Int32($0.offset)) }.shuffled(using: &random)
}

func collect(_ offers: some Sequence<ScoredIndex>, k: Int) -> TopKCollector {
    var collector = TopKCollector(k: k)
    for c in offers { collector.offer(score: c.score, index: c.index) }
    return collector
}

@Suite struct TopKCollectorProperties {
    @Test func keepsWhatAFullSortKeeps() async {
        await propertyCheck(count: 400, input: tieProneScores.array(of: 0...80), Gen.int(in: 0...90), Gen<UInt64>.value()) { scores, k, seed in
            let offers = candidates(scores, scrambledBy: seed)
            let collector = collect(offers, k: k)
            let expected = Array(offers.sorted(by: contractOrder).prefix(k))
            #expect(collector.sorted() == expected)
            #expect(collector.count == min(k, scores.count))
            // Scans skip candidates below the threshold: it must be the worst kept score once full.
            if k == 0 {
                #expect(collector.threshold == .infinity)
            } else if scores.count >= k {
                #expect(collector.threshold == expected.last!.score)
            } else {
                #expect(collector.threshold == -.infinity)
            }
        }
    }

    @Test func mergingSplitCollectorsEqualsCollectingAll() async {
        await propertyCheck(count: 400, input: tieProneScores.array(of: 0...80), Gen.int(in: 0...90), Gen.int(in: 0...80), Gen<UInt64>.value()) { scores, k, cut, seed in
            let offers = candidates(scores, scrambledBy: seed)
            let split = min(cut, offers.count)
            var first = collect(offers[..<split], k: k)
            first.merge(collect(offers[split...], k: k))
            #expect(first.sorted() == Array(offers.sorted(by: contractOrder).prefix(k)))
            #expect(first.sorted() == collect(offers, k: k).sorted())
        }
    }
}
