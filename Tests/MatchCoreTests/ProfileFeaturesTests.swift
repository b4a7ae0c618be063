import Foundation
import Testing
@testable import MatchCore

@Suite struct ProfileFeaturesTests {
    static let modelsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Models").standardized
    let featurizer: ProfileFeaturizer = {
        let spec = try! JSONDecoder().decode(FeatureSpec.self, from: Data(contentsOf: modelsDirectory.appendingPathComponent("features.json")))
        let file = try! JSONDecoder().decode(Taxonomy.File.self, from: Data(contentsOf: modelsDirectory.appendingPathComponent("taxonomy.json")))
        return ProfileFeaturizer(spec: spec, taxonomy: try! Taxonomy(file: file))
    }()

    @Test func everyDimensionHasAUniqueNameInItsBlock() {
        let f = featurizer
        #expect(Set(f.names).count == f.dimension)
        for block in FeatureBlock.allCases {
            #expect(f.names[f.ranges[block]!].allSatisfy { $0.hasPrefix(block.rawValue + ":") })
        }
        #expect(f.names.contains("category:Skincare"))
        #expect(f.names.contains("audience:age:25-34"))
        #expect(f.names.contains("price:10-20"))
        #expect(f.names.contains("content:live"))
    }

    @Test func blockPartsAddUpToTheCosine() {
        let f = featurizer
        var random = SeededRandom(seed: 5)
        func profile() -> FeatureBlocks {
            var b = FeatureBlocks()
            b.values[.category] = f.categoryBlock(["Skincare": random.unit(), "Makeup": random.unit(), "Shoes": random.unit()])
            b.values[.audience] = f.audienceBlock(gender: ["female": random.unit()], age: ["25-34": random.unit(), "35-44": random.unit()])
            b.values[.price] = f.priceBlock(prices: [(random.uniform(3...400), 1), (random.uniform(3...400), 2)])
            b.values[.content] = f.contentBlock(["video": random.unit(), "live": random.unit()])
            return b
        }
        for _ in 0..<50 {
            let averages = f.averages([])
            let va = f.vector(profile(), averages: averages).vector
            let vb = f.vector(profile(), averages: averages).vector
            let a = FeatureMatrix(rows: 1, dimension: f.dimension, values: va).normalized()
            let b = FeatureMatrix(rows: 1, dimension: f.dimension, values: vb).normalized()
            let cosine = zip(a.values, b.values).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let parts = f.blockDots(a.row(0), b.row(0))!
            #expect(abs(parts.values.reduce(0, +) - cosine) < 1e-9)
            // On the raw vectors, w² · block cosine / Σw² gives the same parts.
            let raw = f.contributions(va, vb)
            for block in FeatureBlock.allCases { #expect(abs(raw[block]! - parts[block]!) < 1e-5) }
        }
    }

    @Test func aChildCategoryCreditsItsParentAndMissingBlocksAreAssumedNotZero() throws {
        let f = featurizer
        let block = try #require(f.categoryBlock(["Skincare": 1]))
        let range = f.ranges[.category]!
        let skincare = try #require(f.names.firstIndex(of: "category:Skincare")) - range.lowerBound
        let parent = try #require(f.names.firstIndex(of: "category:Beauty & Personal Care")) - range.lowerBound
        #expect(abs(block[parent] / block[skincare] - f.spec.parent_credit) < 1e-12)
        var known = FeatureBlocks()
        known.values[.audience] = f.audienceBlock(gender: ["female": 1], age: nil)
        let averages = f.averages([known])
        let (vector, assumed) = f.vector(FeatureBlocks(), averages: averages)
        #expect(Set(assumed) == Set(FeatureBlock.allCases))
        let audience = Array(vector[f.ranges[.audience]!])
        #expect(audience.contains { $0 != 0 })
        // Every vector has the same norm: √Σ w².
        let norm = vector.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        let expected = FeatureBlock.allCases.reduce(0.0) { $0 + f.weight($1) * f.weight($1) }.squareRoot()
        #expect(abs(norm - expected) < 1e-6)
        #expect(f.audienceBlock(gender: nil, age: nil) == nil)
        #expect(f.categoryBlock([:]) == nil)
    }

    @Test func productsMoveTowardTheirSellersByNOverNPlusPrior() throws {
        let f = featurizer
        var product = FeatureBlocks()
        product.values[.price] = f.priceBlock(prices: [(12, 1)])
        var seller = FeatureBlocks()
        seller.values[.price] = f.priceBlock(prices: [(150, 1)])
        seller.values[.audience] = f.audienceBlock(gender: ["female": 0.9, "male": 0.1], age: ["18-24": 1])
        for n in [1, 3, 9] {
            let learned = f.learned(product, sellers: Array(repeating: (seller, 2.0), count: n))
            let lambda = Double(n) / (Double(n) + f.spec.prior_sellers)
            let size = f.ranges[.price]!.count
            let mixed = (0..<size).map { (1 - lambda) * product.values[.price]![$0] + lambda * seller.values[.price]![$0] }
            let norm = mixed.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let got = try #require(learned.values[.price])
            for i in 0..<size { #expect(abs(got[i] - mixed[i] / norm) < 1e-12) }
            // No audience of its own: it takes the sellers'.
            let audience = try #require(learned.values[.audience])
            #expect(zip(audience, seller.values[.audience]!).allSatisfy { abs($0 - $1) < 1e-12 })
            #expect(learned.values[.category] == nil)
        }
        // More sellers pull harder: the price block's cosine with the sellers' rises with n.
        func pull(_ n: Int) -> Double {
            let got = f.learned(product, sellers: Array(repeating: (seller, 1.0), count: n)).values[.price]!
            return zip(got, seller.values[.price]!).reduce(0) { $0 + $1.0 * $1.1 }
        }
        #expect(pull(1) < pull(3) && pull(3) < pull(10))
    }
}

@Suite struct ConcentrationCapTests {
    @Test func aPopularCreatorStaysWhereTheyScoreBestAndOthersRefill() {
        // Creator 0 tops all four products; with at most 2 lists each, they keep the two where they score
        // highest and products 2 and 3 take their next candidates.
        let candidates: [[ScoredIndex]] = [
            [.init(score: 0.90, index: 0), .init(score: 0.5, index: 1), .init(score: 0.4, index: 2)],
            [.init(score: 0.95, index: 0), .init(score: 0.6, index: 3), .init(score: 0.3, index: 2)],
            [.init(score: 0.80, index: 0), .init(score: 0.7, index: 4), .init(score: 0.2, index: 5)],
            [.init(score: 0.85, index: 0), .init(score: 0.6, index: 6), .init(score: 0.1, index: 7)],
        ]
        let out = ConcentrationCap.select(candidates, k: 2, maxLists: 2)
        #expect(out.map { $0.map(\.index) } == [[0, 1], [0, 3], [4, 5], [6, 7]])
        #expect(ConcentrationCap.select(candidates, k: 2, maxLists: 4).map { $0.map(\.index) } == [[0, 1], [0, 3], [0, 4], [0, 6]])
        #expect(ConcentrationCap.maxLists(share: 0.2, lists: 100) == 20)
        #expect(ConcentrationCap.maxLists(share: 0.2, lists: 3) == 1)
        #expect(ConcentrationCap.maxLists(share: 0.2, lists: 10, fromLists: 20) == 10)
    }
}
