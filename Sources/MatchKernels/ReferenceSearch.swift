import MatchCore

/// The plain-loop twin of `TopKSearch`: the same contract (exclusions, adjustment, order), computed
/// one pair at a time with dot products accumulated in double precision. It is the test oracle and
/// the path for tiny inputs.
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
                var dot = 0.0
                for j in 0..<d {
                    dot += Double(products.values[p * d + j]) * Double(creators.values[c * d + j])
                }
                var score = Float(dot)
                if let adjustment { score = score * adjustment.scale + adjustment.bonus(p, c) }
                collector.offer(score: score, index: Int32(c))
            }
            return collector.sorted()
        }
    }
}
