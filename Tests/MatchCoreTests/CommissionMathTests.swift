import Testing
@testable import MatchCore

@Suite struct CommissionMathTests {
    @Test func percentilesInterpolateBetweenOrderStatistics() {
        #expect(CommissionMath.percentile([1000, 1200, 1400], 0.5) == 1200)
        #expect(CommissionMath.percentile([1000, 1200, 1400, 1600], 0.5) == 1300)
        #expect(CommissionMath.percentile([1000, 2000], 0.25) == 1250)
        #expect(CommissionMath.percentile([700], 0.9) == 700)
    }

    @Test func topThirtyPercentIsByGMVAmongProductsThatSold() {
        let products = (0..<12).map { i in
            ProductPerformance(productID: ProductID("p\(i)"), rate: 500 + 100 * i, gmv: i < 2 ? 0 : Double(i * 100))
        }
        // 10 sold; ceil(0.3 × 10) = 3: the three highest GMVs (p11, p10, p9).
        let top = CommissionMath.topPerformers(products, share: 0.3)
        #expect(top.map(\.productID.rawValue) == ["p11", "p10", "p9"])
        #expect(CommissionMath.topPerformers(products.map { ProductPerformance(productID: $0.productID, rate: $0.rate, gmv: 0) }, share: 0.3).isEmpty)
        // Ties in GMV break by id.
        let tied = [ProductPerformance(productID: ProductID("b"), rate: 1, gmv: 5), ProductPerformance(productID: ProductID("a"), rate: 2, gmv: 5)]
        #expect(CommissionMath.topPerformers(tied, share: 0.3).map(\.productID.rawValue) == ["a"])
    }

    @Test func marketWeightGrowsWithSamples() {
        #expect(CommissionMath.marketWeight(samples: 0, strength: 8) == 0)
        let weights = [1, 4, 8, 40, 400].map { CommissionMath.marketWeight(samples: $0, strength: 8) }
        #expect(weights == weights.sorted())
        #expect(CommissionMath.marketWeight(samples: 8, strength: 8) == 0.5)
    }

    @Test func monotoneFitIsNonDecreasingAndPreservesTheWeightedMean() {
        var random = SeededRandom(seed: 4)
        for _ in 0..<200 {
            let points = (0..<random.int(1...30)).map { _ in
                ResponsePoint(rate: 100 * random.int(1...20), value: random.unit(), weight: Double(random.int(1...5)))
            }
            let fit = CommissionMath.monotoneFit(points)
            #expect(zip(fit, fit.dropFirst()).allSatisfy { $0.value <= $1.value + 1e-12 && $0.rate < $1.rate })
            let rawMean = points.map { $0.value * $0.weight }.reduce(0, +) / points.map(\.weight).reduce(0, +)
            var weightByRate: [Int: Double] = [:]
            for p in points { weightByRate[p.rate, default: 0] += p.weight }
            let fitMean = fit.map { $0.value * weightByRate[$0.rate]! }.reduce(0, +) / points.map(\.weight).reduce(0, +)
            #expect(abs(rawMean - fitMean) < 1e-9)
        }
        // A known case: a violation in the middle pools.
        let fit = CommissionMath.monotoneFit([
            ResponsePoint(rate: 100, value: 0.1, weight: 1), ResponsePoint(rate: 200, value: 0.5, weight: 1),
            ResponsePoint(rate: 300, value: 0.3, weight: 1), ResponsePoint(rate: 400, value: 0.9, weight: 1),
        ])
        #expect(fit.map(\.value) == [0.1, 0.4, 0.4, 0.9])
        #expect(CommissionMath.evaluate(fit, at: 350) == 0.65)
        #expect(CommissionMath.evaluate(fit, at: 50) == 0.1)
    }

    @Test func clampRoundsAndBounds() {
        #expect(CommissionMath.clamp(1781.8, step: 50) == 1800)
        #expect(CommissionMath.clamp(20, step: 50) == 100)
        #expect(CommissionMath.clamp(9000) == 8000)
        #expect(CommissionMath.marginCap(marginRate: 1500, platformFee: 800) == 700)
        #expect(CommissionMath.marginCap(marginRate: nil, platformFee: 800) == nil)
    }
}
