import Foundation

/// The feature spec in `Models/features.json`.
public struct FeatureSpec: Decodable, Sendable {
    public struct Weights: Decodable, Sendable {
        public let category: Double
        public let audience: Double
        public let price: Double
        public let content: Double
    }
    public let version: Int
    public let weights: Weights
    public let parent_credit: Double
    public let price_edges: [Double]
    public let neighbour_credit: Double
    public let age_buckets: [String]
    public let content_types: [String]
    public let prior_sellers: Double
}

/// The four blocks of a profile vector.
public enum FeatureBlock: String, CaseIterable, Sendable, Codable {
    case category, audience, price, content
}

/// A profile's blocks before assembly: each a unit vector, or nil when the data lacks it.
public struct FeatureBlocks: Sendable, Equatable {
    public var values: [FeatureBlock: [Double]] = [:]

    public init(values: [FeatureBlock: [Double]] = [:]) {
        self.values = values
    }
}

/// Turns creator and product profiles into vectors of one shared, named space (`Models/features.json`).
public struct ProfileFeaturizer: Sendable {
    public let spec: FeatureSpec
    public let taxonomy: Taxonomy
    /// Every dimension's name, in vector order: `category:Skincare`, `audience:age:18-24`, `price:10-20`, `content:live`.
    public let names: [String]
    /// Each block's dimensions.
    public let ranges: [FeatureBlock: Range<Int>]
    let categoryIndex: [String: Int]

    public init(spec: FeatureSpec, taxonomy: Taxonomy) {
        self.spec = spec
        self.taxonomy = taxonomy
        var names: [String] = []
        var ranges: [FeatureBlock: Range<Int>] = [:]
        func block(_ b: FeatureBlock, _ labels: [String]) {
            ranges[b] = names.count..<(names.count + labels.count)
            names += labels.map { "\(b.rawValue):\($0)" }
        }
        block(.category, taxonomy.categories.map(\.name))
        block(.audience, ["female", "male"] + spec.age_buckets.map { "age:" + $0 })
        var priceLabels: [String] = ["<\(Self.trim(spec.price_edges[0]))"]
        for i in 1..<spec.price_edges.count { priceLabels.append("\(Self.trim(spec.price_edges[i - 1]))-\(Self.trim(spec.price_edges[i]))") }
        priceLabels.append(">=\(Self.trim(spec.price_edges.last!))")
        block(.price, priceLabels)
        block(.content, spec.content_types)
        self.names = names
        self.ranges = ranges
        categoryIndex = Dictionary(uniqueKeysWithValues: taxonomy.categories.enumerated().map { ($0.element.name, $0.offset) })
    }

    public var dimension: Int { names.count }

    public func weight(_ block: FeatureBlock) -> Double {
        switch block {
        case .category: spec.weights.category
        case .audience: spec.weights.audience
        case .price: spec.weights.price
        case .content: spec.weights.content
        }
    }

    static func trim(_ value: Double) -> String { value == value.rounded() ? String(Int(value)) : String(value) }

    static func unit(_ v: [Double]) -> [Double]? {
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard norm > 0, norm.isFinite else { return nil }
        return v.map { $0 / norm }
    }

    // MARK: blocks

    /// Category shares (name → share) with parent credit; nil when there are none.
    public func categoryBlock(_ shares: [String: Double]) -> [Double]? {
        var v = [Double](repeating: 0, count: ranges[.category]!.count)
        for (name, share) in shares where share > 0 {
            guard let category = taxonomy.category(named: name), let i = categoryIndex[category.name] else { continue }
            v[i] += share
            if let parent = category.parent, let p = categoryIndex[parent] { v[p] += spec.parent_credit * share }
        }
        return Self.unit(v)
    }

    /// Gender and age shares; nil when both are missing.
    public func audienceBlock(gender: [String: Double]?, age: [String: Double]?) -> [Double]? {
        guard gender != nil || age != nil else { return nil }
        var v = [gender?["female"] ?? 0, gender?["male"] ?? 0]
        v += spec.age_buckets.map { age?[$0] ?? 0 }
        return Self.unit(v)
    }

    /// The price bucket of `price`, with neighbouring buckets credited.
    public func priceBlock(prices: [(price: Double, weight: Double)]) -> [Double]? {
        let count = ranges[.price]!.count
        var v = [Double](repeating: 0, count: count)
        for (price, weight) in prices where price > 0 && weight > 0 {
            let bucket = spec.price_edges.firstIndex { price < $0 } ?? spec.price_edges.count
            v[bucket] += weight
            if bucket > 0 { v[bucket - 1] += spec.neighbour_credit * weight }
            if bucket + 1 < count { v[bucket + 1] += spec.neighbour_credit * weight }
        }
        return Self.unit(v)
    }

    /// Content-type shares; nil when missing.
    public func contentBlock(_ shares: [String: Double]?) -> [Double]? {
        guard let shares else { return nil }
        return Self.unit(spec.content_types.map { shares[$0] ?? 0 })
    }

    /// Products learn from sales: each of the product's audience, price and content blocks moves toward
    /// the order-weighted average block of the creators who sold it, by n / (n + prior_sellers) for n
    /// sellers that have the block. A block the product lacks becomes the sellers' average.
    public func learned(_ product: FeatureBlocks, sellers: [(blocks: FeatureBlocks, orders: Double)]) -> FeatureBlocks {
        var out = product
        for block in [FeatureBlock.audience, .price, .content] {
            let having = sellers.filter { $0.blocks.values[block] != nil && $0.orders > 0 }
            guard !having.isEmpty else { continue }
            let size = ranges[block]!.count
            var mean = [Double](repeating: 0, count: size)
            let total = having.reduce(0) { $0 + $1.orders }
            for seller in having {
                for i in 0..<size { mean[i] += seller.blocks.values[block]![i] * seller.orders / total }
            }
            guard let sellersBlock = Self.unit(mean) else { continue }
            let n = Double(having.count)
            let lambda = n / (n + spec.prior_sellers)
            if let own = product.values[block] {
                out.values[block] = Self.unit((0..<size).map { (1 - lambda) * own[$0] + lambda * sellersBlock[$0] }) ?? own
            } else {
                out.values[block] = sellersBlock
            }
        }
        return out
    }

    /// The population's average of each block (over the profiles that have it), as unit vectors.
    public func averages(_ profiles: [FeatureBlocks]) -> [FeatureBlock: [Double]] {
        var out: [FeatureBlock: [Double]] = [:]
        for block in FeatureBlock.allCases {
            var sum = [Double](repeating: 0, count: ranges[block]!.count)
            for p in profiles { if let v = p.values[block] { for i in sum.indices { sum[i] += v[i] } } }
            out[block] = Self.unit(sum) ?? [Double](repeating: 1 / Double(sum.count).squareRoot(), count: sum.count)
        }
        return out
    }

    /// The vector: every block scaled by its weight; a missing block filled with `averages`. Returns
    /// the vector and the blocks that were assumed.
    public func vector(_ blocks: FeatureBlocks, averages: [FeatureBlock: [Double]]) -> (vector: [Float], assumed: [FeatureBlock]) {
        var v = [Float](repeating: 0, count: dimension)
        var assumed: [FeatureBlock] = []
        for block in FeatureBlock.allCases {
            let values: [Double]
            if let own = blocks.values[block] { values = own } else { values = averages[block]!; assumed.append(block) }
            let w = weight(block)
            for (i, x) in values.enumerated() { v[ranges[block]!.lowerBound + i] = Float(w * x) }
        }
        return (v, assumed)
    }

    /// Each block's part of the cosine of two profile vectors: w_b² · (block cosine) / Σ w². The parts
    /// add up to the cosine (blocks are unit vectors, so every profile vector has norm √Σw²).
    public func contributions(_ a: some Collection<Float>, _ b: some Collection<Float>) -> [FeatureBlock: Double] {
        let x = Array(a), y = Array(b)
        guard x.count == dimension, y.count == dimension else { return [:] }
        let total = FeatureBlock.allCases.reduce(0) { $0 + weight($1) * weight($1) }
        var out: [FeatureBlock: Double] = [:]
        for block in FeatureBlock.allCases {
            var dot = 0.0
            for i in ranges[block]! { dot += Double(x[i]) * Double(y[i]) }
            out[block] = dot / total
        }
        return out
    }

    /// Per block, the dot product of two normalized profile vectors over that block's dimensions: the
    /// block's part of their cosine (the parts add up to it).
    public func blockDots(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> [FeatureBlock: Double]? {
        guard a.count == dimension, b.count == dimension else { return nil }
        var out: [FeatureBlock: Double] = [:]
        for block in FeatureBlock.allCases {
            var dot = 0.0
            for i in ranges[block]! { dot += Double(a[a.startIndex + i]) * Double(b[b.startIndex + i]) }
            out[block] = dot
        }
        return out
    }

    /// What a profile vector says in words, for reasons: the dominant price band, audience (female
    /// share, main age bucket) and content type, next to the product's. Shares are recovered from the
    /// block's proportions, which normalization keeps.
    public func profileNote(creator a: ArraySlice<Float>, product b: ArraySlice<Float>) -> String? {
        guard a.count == dimension, b.count == dimension else { return nil }
        func values(_ row: ArraySlice<Float>, _ block: FeatureBlock) -> [Double] {
            ranges[block]!.map { Double(row[row.startIndex + $0]) }
        }
        func label(_ block: FeatureBlock, _ i: Int) -> String {
            String(names[ranges[block]!.lowerBound + i].dropFirst(block.rawValue.count + 1))
        }
        func top(_ v: [Double]) -> Int { v.indices.max { v[$0] < v[$1] || (v[$0] == v[$1] && $0 > $1) } ?? 0 }
        func price(_ row: ArraySlice<Float>) -> String { label(.price, top(values(row, .price))) }
        func audience(_ row: ArraySlice<Float>) -> String {
            let v = values(row, .audience)
            let female = v[0] + v[1] > 0 ? v[0] / (v[0] + v[1]) : 0.5
            let ages = Array(v.dropFirst(2))
            return "\(Int((female * 100).rounded()))% female, mostly \(spec.age_buckets[top(ages)])"
        }
        func content(_ row: ArraySlice<Float>) -> String {
            let v = values(row, .content)
            let total = v.reduce(0, +)
            let i = top(v)
            return total > 0 ? "\(Int((v[i] / total * 100).rounded()))% \(spec.content_types[i])" : spec.content_types[i]
        }
        return "sells in the \(price(a)) price band (product: \(price(b))); audience \(audience(a)) (product's buyers: \(audience(b))); content \(content(a))"
    }

    /// Parses `{"gender": {...}, "age": {...}}`.
    public static func audience(_ json: String?) -> (gender: [String: Double]?, age: [String: Double]?) {
        guard let json, case .object(let o)? = try? JSONLineParser.parse(Array(json.utf8)) else { return (nil, nil) }
        func shares(_ v: JSONValue?) -> [String: Double]? {
            guard case .object(let m)? = v else { return nil }
            var out: [String: Double] = [:]
            for (k, v) in m { if case .number(let x) = v, x.isFinite { out[k] = x } }
            return out.isEmpty ? nil : out
        }
        return (shares(o["gender"]), shares(o["age"]))
    }

    /// Parses a JSON object of shares (`{"video": 0.6, "live": 0.4}`).
    public static func shares(_ json: String?) -> [String: Double]? {
        guard let json, case .object(let o)? = try? JSONLineParser.parse(Array(json.utf8)) else { return nil }
        var out: [String: Double] = [:]
        for (k, v) in o { if case .number(let x) = v, x.isFinite { out[k] = x } }
        return out.isEmpty ? nil : out
    }
}
