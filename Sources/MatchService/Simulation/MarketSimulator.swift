import Foundation
import MatchCore

public struct SimulationSettings: Sendable {
    public var seed: UInt64 = 11
    public var creators = 20_000
    public var products = 1_500
    public var shops = 12
    /// Days of sales history ending on `asOf`.
    public var days = 120
    public var asOf: Day

    public init(asOf: Day) {
        self.asOf = asOf
    }
}

public struct SimulationSummary: Codable, Sendable {
    public let directory: String
    public let seed: UInt64
    public let files: [String: Int]
    public let first_day: String
    public let as_of: String
}

/// A seeded market whose sales come from hidden preferences, so that an offline evaluation has a
/// known truth (CreatorMatch.docc, Evaluation.md, tells the story). The truth is written in its own terms —
/// taste over leaf categories, a Gaussian price comfort in log space, audience distances, a commission
/// threshold and popularity — not with the featurizer's buckets and cosines; what the tool sees are
/// noisy, partly missing profiles, as the platform shows them.
public struct MarketSimulator: Sendable {
    let taxonomy: Taxonomy

    public init(taxonomy: Taxonomy) {
        self.taxonomy = taxonomy
    }

    struct HiddenCreator {
        var taste: [(category: Int, weight: Double)]
        var popularity: Double
        var female: Double
        var age: Double
        var logPrice: Double
        var live: Double
        var reservationRate: Double
        var sensitivity: Double
        var reliability: Double
    }

    struct HiddenProduct {
        var id: String
        var category: Int
        var price: Double
        var female: Double
        var age: Double
        var rate: Int
        var quality: Double
    }

    public func write(to directory: String, settings: SimulationSettings) throws(MatchError) -> SimulationSummary {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw MatchError(.io, "cannot create \(directory): \(error)")
        }
        var random = SeededRandom(seed: settings.seed)
        let categories = taxonomy.categories
        let parents = Set(categories.compactMap(\.parent))
        let leaves = categories.indices.filter { !parents.contains(categories[$0].name) && CategoryGroup(rawValue: categories[$0].name) == nil }
        let parentOf = leaves.map { categories[$0].parent }
        // Category traits: a typical price and audience per leaf; popularity skewed.
        let typicalLogPrice = leaves.map { _ in log(random.uniform(8...120)) }
        let categoryFemale = leaves.map { _ in random.uniform(0.15...0.9) }
        let categoryAge = leaves.map { _ in random.uniform(0.5...3.5) }
        let categoryWeight = leaves.map { _ in random.logNormal(median: 1, sigma: 0.8) }
        let categoryTotal = categoryWeight.reduce(0, +)
        func pickLeaf(_ random: inout SeededRandom) -> Int {
            var u = random.unit() * categoryTotal
            for (i, w) in categoryWeight.enumerated() {
                u -= w
                if u <= 0 { return i }
            }
            return leaves.count - 1
        }
        func sibling(of leaf: Int, _ random: inout SeededRandom) -> Int {
            let same = leaves.indices.filter { parentOf[$0] != nil && parentOf[$0] == parentOf[leaf] && $0 != leaf }
            return same.isEmpty ? pickLeaf(&random) : same[random.int(0...(same.count - 1))]
        }

        // Shops.
        let shops = try JSONLWriter(path: directory + "/shops.jsonl")
        for s in 0..<settings.shops {
            shops.begin()
            shops.field("id", String(format: "sim-shop-%02d", s + 1))
            shops.field("rating", (random.uniform(3.8...4.9) * 10).rounded() / 10)
            shops.field("status", "active")
            try shops.end()
        }
        try shops.close()

        // Products: hidden audience near their category's, price around the category's.
        var products: [HiddenProduct] = []
        let productsWriter = try JSONLWriter(path: directory + "/products.jsonl")
        for i in 0..<settings.products {
            let leaf = pickLeaf(&random)
            let product = HiddenProduct(
                id: String(format: "sim-p-%05d", i + 1), category: leaf, price: exp(typicalLogPrice[leaf] + 0.5 * random.normal()),
                female: min(1, max(0, categoryFemale[leaf] + 0.12 * random.normal())), age: min(4, max(0, categoryAge[leaf] + 0.6 * random.normal())),
                rate: Int(random.uniform(4...25).rounded()) * 100, quality: random.logNormal(median: 1, sigma: 0.5))
            products.append(product)
            productsWriter.begin()
            productsWriter.field("id", product.id)
            productsWriter.field("shop_id", String(format: "sim-shop-%02d", i % settings.shops + 1))
            productsWriter.field("title", "\(categories[leaves[leaf]].name) item \(i + 1)")
            productsWriter.field("category", categories[leaves[leaf]].name)
            productsWriter.field("price", (product.price * 100).rounded() / 100)
            productsWriter.field("status", "live")
            productsWriter.field("commission_rate", product.rate)
            productsWriter.field("margin_rate", Int(random.uniform(30...60).rounded()) * 100)
            try productsWriter.end()
        }
        try productsWriter.close()

        // Creators: hidden taste over 1–3 leaves (mostly siblings), heavy-tailed popularity; the
        // profile shows them through noise, with fields missing at realistic rates.
        var creators: [HiddenCreator] = []
        let creatorsWriter = try JSONLWriter(path: directory + "/creators.jsonl")
        let ageBuckets = ["18-24", "25-34", "35-44", "45-54", "55+"]
        for i in 0..<settings.creators {
            let home = pickLeaf(&random)
            var taste: [(category: Int, weight: Double)] = [(home, random.uniform(0.5...1.0))]
            for _ in 0..<random.int(0...2) {
                let other = random.chance(0.7) ? sibling(of: home, &random) : pickLeaf(&random)
                if !taste.contains(where: { $0.category == other }) { taste.append((other, random.uniform(0.1...0.6))) }
            }
            let tasteTotal = taste.reduce(0) { $0 + $1.weight }
            taste = taste.map { ($0.category, $0.weight / tasteTotal) }
            let creator = HiddenCreator(
                taste: taste, popularity: random.logNormal(median: 1, sigma: 1.1),
                female: min(1, max(0, categoryFemale[home] + 0.15 * random.normal())), age: min(4, max(0, categoryAge[home] + 0.7 * random.normal())),
                logPrice: typicalLogPrice[home] + 0.45 * random.normal(), live: random.unit(),
                reservationRate: random.uniform(500...2000), sensitivity: random.uniform(0.5...3), reliability: random.uniform(0.3...1))
            creators.append(creator)
            creatorsWriter.begin()
            creatorsWriter.field("id", String(format: "sim-c-%06d", i + 1))
            creatorsWriter.field("username", "sim_creator_\(i + 1)")
            creatorsWriter.field("followers", Int(5_000 * creator.popularity * random.logNormal(median: 1, sigma: 0.5)))
            if random.chance(0.95) {
                // What they sold recently: taste, blurred.
                var shares: [String: Double] = [:]
                for t in taste { shares[categories[leaves[t.category]].name, default: 0] += max(0, t.weight + 0.08 * random.normal()) }
                let total = shares.values.reduce(0, +)
                if total > 0 { creatorsWriter.field("categories", json: JSONText.object(shares.mapValues { ($0 / total * 100).rounded(.down) / 100 })) }
            }
            if random.chance(0.9) { creatorsWriter.field("gmv_30d", (800 * creator.popularity * random.logNormal(median: 1, sigma: 0.4) * 100).rounded() / 100) }
            if random.chance(0.85) {
                // The price range of what they sell, as the platform shows it: around their comfort, blurred.
                let center = creator.logPrice + 0.2 * random.normal()
                let half = random.uniform(0.3...0.8)
                creatorsWriter.field("price_range", json: "{\"min\":\(ReasonWriter.decimal(exp(center - half), 2)),\"max\":\(ReasonWriter.decimal(exp(center + half), 2))}")
            }
            creatorsWriter.field("post_rate", min(1, max(0, creator.reliability + 0.1 * random.normal())), decimals: 3)
            if random.chance(0.7) { creatorsWriter.field("avg_commission_rate", Int(min(8000, max(100, creator.reservationRate + 200 * random.normal())) / 50) * 50) }
            if random.chance(0.92) {
                let female = min(1, max(0, creator.female + 0.05 * random.normal()))
                var ages = (0..<5).map { exp(-pow(Double($0) - creator.age, 2) / 1.2) + 0.05 * random.unit() }
                let total = ages.reduce(0, +)
                ages = ages.map { ($0 / total * 100).rounded(.down) / 100 }
                creatorsWriter.field("audience", json: JSONText.nested([
                    "gender": ["female": (female * 100).rounded() / 100, "male": ((1 - female) * 100).rounded() / 100],
                    "age": Dictionary(uniqueKeysWithValues: zip(ageBuckets, ages)),
                ]))
            }
            if random.chance(0.9) {
                let live = min(1, max(0, creator.live + 0.1 * random.normal()))
                creatorsWriter.field("content_types", json: JSONText.object(["video": ((1 - live) * 100).rounded() / 100, "live": (live * 100).rounded() / 100]))
            }
            try creatorsWriter.end()
        }
        try creatorsWriter.close()

        // Sales: each product draws its sellers by appeal, each selling on a few days of the period.
        let outcomes = try JSONLWriter(path: directory + "/outcomes.jsonl")
        let firstDay = settings.asOf.advanced(by: -(settings.days - 1))
        for product in products {
            var appeal = [Double](repeating: 0, count: creators.count)
            var total = 0.0
            for (c, creator) in creators.enumerated() {
                let taste = creator.taste.reduce(0.0) { sum, t in
                    sum + (t.category == product.category ? t.weight : parentOf[t.category] != nil && parentOf[t.category] == parentOf[product.category] ? 0.25 * t.weight : 0)
                }
                guard taste > 0 else { continue }
                let priceFit = exp(-pow(log(product.price) - creator.logPrice, 2) / (2 * 0.5 * 0.5))
                let audienceFit = pow(1 - abs(creator.female - product.female), 2) * exp(-abs(creator.age - product.age) / 1.5)
                let commission = 1 / (1 + exp(-creator.sensitivity * (Double(product.rate) - creator.reservationRate) / 500))
                let a = pow(creator.popularity, 0.6) * pow(taste, 1.5) * priceFit * audienceFit * commission * creator.reliability
                appeal[c] = a
                total += a
            }
            guard total > 0 else { continue }
            let sellers = min(creators.count, Int((product.quality * 8).rounded()) + random.int(0...4))
            var cumulative = [Double](repeating: 0, count: appeal.count)
            var running = 0.0
            for (c, a) in appeal.enumerated() {
                running += a
                cumulative[c] = running
            }
            var chosen = Set<Int>()
            for _ in 0..<(sellers * 3) where chosen.count < sellers {
                let u = random.unit() * total
                var low = 0
                var high = cumulative.count - 1
                while low < high {
                    let mid = (low + high) / 2
                    if cumulative[mid] <= u { low = mid + 1 } else { high = mid }
                }
                if appeal[low] > 0 { chosen.insert(low) }
            }
            for c in chosen.sorted() {
                var days = Set<Int>()
                for _ in 0..<random.int(1...4) { days.insert(random.int(0...(settings.days - 1))) }
                for day in days.sorted() {
                    let orders = 1 + Int(random.logNormal(median: 2 * pow(creators[c].popularity, 0.5), sigma: 0.6))
                    outcomes.begin()
                    outcomes.field("creator_id", String(format: "sim-c-%06d", c + 1))
                    outcomes.field("product_id", product.id)
                    outcomes.field("date", firstDay.advanced(by: day).description)
                    outcomes.field("orders", orders)
                    outcomes.field("gmv", Double(orders) * product.price)
                    outcomes.field("commission_rate", product.rate)
                    outcomes.field("content_type", random.chance(creators[c].live) ? "live" : "video")
                    try outcomes.end()
                }
            }
        }
        try outcomes.close()
        return SimulationSummary(
            directory: directory, seed: settings.seed,
            files: ["shops.jsonl": shops.lines, "products.jsonl": productsWriter.lines, "creators.jsonl": creatorsWriter.lines, "outcomes.jsonl": outcomes.lines],
            first_day: firstDay.description, as_of: settings.asOf.description)
    }
}
