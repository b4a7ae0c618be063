import MatchCore

/// The plain-loop twin of `TopKSearch`: the same contract (exclusions, adjustment, order) and the
/// same score definition, computed for every pair with no filtering. It is the test oracle and the
/// path for tiny inputs.
public enum ReferenceSearch {
    public static func search(
        products: FeatureMatrix, creators: FeatureMatrix, k: Int,
        exclusions: [[Int32]]? = nil, adjustment: ScoreAdjustment? = nil
    ) -> [[ScoredIndex]] {
        precondition(products.dimension == creators.dimension, "products and creators must share a dimension")
        let d = products.dimension
        return (0..<products.rows).map { p in
            var collector = TopKCollector(k: max(0, k))
            let excluded = Set(exclusions?[p] ?? [])
            for c in 0..<creators.rows where !excluded.contains(Int32(c)) {
                var score = dot(products.values, p * d, creators.values, c * d, d)
                if let adjustment { score = ExactScore.adjusted(score, scale: adjustment.scale, bonus: adjustment.bonus(p, c)) }
                collector.offer(score: score, index: Int32(c))
            }
            return collector.sorted()
        }
    }

    /// Double-precision dot product with four running sums, rounded once: the definition of the score
    /// (the kernel's `cmatch_dot` computes exactly this).
    static func dot(_ a: [Float], _ aStart: Int, _ b: [Float], _ bStart: Int, _ d: Int) -> Float {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var i = 0
        while i + 4 <= d {
            s0 += Double(a[aStart + i]) * Double(b[bStart + i])
            s1 += Double(a[aStart + i + 1]) * Double(b[bStart + i + 1])
            s2 += Double(a[aStart + i + 2]) * Double(b[bStart + i + 2])
            s3 += Double(a[aStart + i + 3]) * Double(b[bStart + i + 3])
            i += 4
        }
        while i < d {
            s0 += Double(a[aStart + i]) * Double(b[bStart + i])
            i += 1
        }
        return Float((s0 + s1) + (s2 + s3))
    }
}
