/// Commission-suggestion settings (`Models/commission.json`). Rates in hundredths of a percent.
public struct CommissionModel: Decodable, Sendable {
    public struct Range3: Decodable, Sendable, Equatable {
        public let low: Int
        public let typical: Int
        public let high: Int
    }
    public struct Response: Decodable, Sendable {
        public let min_invitations: Int
        public let min_products: Int
        public let bin_width: Int
    }
    public struct Priors: Decodable, Sendable {
        public let groups: [String: Range3]
        public let categories: [String: Range3]
        public let source: String
    }
    public let version: Int
    public let performance_window_days: Int
    public let top_share: Double
    public let market_percentile: Double
    public let band_percentiles: [Double]
    /// Suggestions are rounded to a multiple of this (50 = half a point).
    public let round_to: Int
    public let prior_strength: Double
    public let platform_fee_rate: Int
    public let target_premium: Range3
    public let target_minimum_rate: Int
    public let response: Response
    public let priors: Priors

    /// The prior of a category: its own entry, else its parent's, else its policy group's.
    public func prior(for category: Category, taxonomy: Taxonomy) -> (range: Range3, from: String) {
        if let own = priors.categories[category.name] { return (own, category.name) }
        if let parent = category.parent, let inherited = priors.categories[parent] { return (inherited, parent) }
        return (priors.groups[category.group.rawValue] ?? Range3(low: 500, typical: 1000, high: 2000), category.group.displayName)
    }
}

/// One product's data for the market rule.
public struct ProductPerformance: Sendable, Equatable {
    public let productID: ProductID
    public let rate: Int
    public let gmv: Double

    public init(productID: ProductID, rate: Int, gmv: Double) {
        self.productID = productID
        self.rate = rate
        self.gmv = gmv
    }
}

/// A point of an observed response: at `rate`, an outcome `value` observed `weight` times.
public struct ResponsePoint: Sendable, Equatable {
    public let rate: Int
    public let value: Double
    public let weight: Double

    public init(rate: Int, value: Double, weight: Double) {
        self.rate = rate
        self.value = value
        self.weight = weight
    }
}

/// Pure commission arithmetic: percentiles, the top-performers market rule, shrinkage to the prior,
/// monotone response fits and guard-rails.
public enum CommissionMath {
    /// The `p` percentile (0...1) of sorted values, linear between order statistics.
    public static func percentile(_ sorted: [Int], _ p: Double) -> Double {
        precondition(!sorted.isEmpty, "percentile of nothing")
        let position = p * Double(sorted.count - 1)
        let low = Int(position.rounded(.down))
        let high = min(sorted.count - 1, low + 1)
        let fraction = position - Double(low)
        return Double(sorted[low]) + fraction * Double(sorted[high] - sorted[low])
    }

    /// Where `value` sits in `sorted`: the share of values at or below it (0...1).
    public static func rank(of value: Int, in sorted: [Int]) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return Double(sorted.filter { $0 <= value }.count) / Double(sorted.count)
    }

    /// The top-performing share of products by GMV (only products that sold), GMV descending and id
    /// ascending on ties; at least one product when any sold.
    public static func topPerformers(_ products: [ProductPerformance], share: Double) -> [ProductPerformance] {
        let sold = products.filter { $0.gmv > 0 }.sorted { $0.gmv > $1.gmv || ($0.gmv == $1.gmv && $0.productID < $1.productID) }
        guard !sold.isEmpty else { return [] }
        let count = max(1, Int((Double(sold.count) * share).rounded(.up)))
        return Array(sold.prefix(count))
    }

    /// Weight of the market in the blend: n / (n + strength).
    public static func marketWeight(samples n: Int, strength: Double) -> Double {
        n == 0 ? 0 : Double(n) / (Double(n) + strength)
    }

    /// Pool-adjacent-violators: the non-decreasing fit of weighted points, one fitted value per
    /// distinct rate, rates ascending.
    public static func monotoneFit(_ points: [ResponsePoint]) -> [ResponsePoint] {
        var byRate: [Int: (sum: Double, weight: Double)] = [:]
        for point in points where point.weight > 0 {
            byRate[point.rate, default: (0, 0)].sum += point.value * point.weight
            byRate[point.rate, default: (0, 0)].weight += point.weight
        }
        var blocks: [(rates: [Int], mean: Double, weight: Double)] = byRate.keys.sorted().map { rate in
            let entry = byRate[rate]!
            return ([rate], entry.sum / entry.weight, entry.weight)
        }
        var i = 0
        while i + 1 < blocks.count {
            if blocks[i].mean > blocks[i + 1].mean {
                let weight = blocks[i].weight + blocks[i + 1].weight
                let mean = (blocks[i].mean * blocks[i].weight + blocks[i + 1].mean * blocks[i + 1].weight) / weight
                blocks[i] = (blocks[i].rates + blocks[i + 1].rates, mean, weight)
                blocks.remove(at: i + 1)
                if i > 0 { i -= 1 }
            } else {
                i += 1
            }
        }
        return blocks.flatMap { block in block.rates.map { ResponsePoint(rate: $0, value: block.mean, weight: block.weight) } }
    }

    /// The fitted value at `rate`: linear between fitted points, flat beyond the ends.
    public static func evaluate(_ fit: [ResponsePoint], at rate: Int) -> Double? {
        guard let first = fit.first, let last = fit.last else { return nil }
        if rate <= first.rate { return first.value }
        if rate >= last.rate { return last.value }
        for (a, b) in zip(fit, fit.dropFirst()) where rate >= a.rate && rate <= b.rate {
            let t = Double(rate - a.rate) / Double(b.rate - a.rate)
            return a.value + t * (b.value - a.value)
        }
        return last.value
    }

    /// The highest rate a margin allows after the platform fee, or nil without a margin.
    public static func marginCap(marginRate: Int?, platformFee: Int) -> Int? {
        marginRate.map { $0 - platformFee }
    }

    /// Rounds to a multiple of `step` (1 = the platform's unit) and clamps to 1%–80%.
    public static func clamp(_ rate: Double, step: Int = 1) -> Int {
        let rounded = Int((rate / Double(step)).rounded()) * step
        return min(CommissionRate.validRange.upperBound, max(CommissionRate.validRange.lowerBound, rounded))
    }
}
