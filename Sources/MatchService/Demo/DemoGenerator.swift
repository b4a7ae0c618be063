import Foundation
import MatchCore

/// Sizes and seed of a generated demo market.
public struct DemoSettings: Sendable {
    public var seed: UInt64 = 7
    public var shops = 12
    public var products = 240
    public var creators = 20_000
    /// Dimension of the supplied vectors; 0 writes no vectors.
    public var vectorDimension = 32
    public var asOf: Day
    public var historyDays = 60

    public init(asOf: Day) {
        self.asOf = asOf
    }
}

public struct DemoSummary: Sendable, Codable {
    public let directory: String
    public let files: [String: Int]
    public let as_of: String
    public let seed: UInt64
}

/// Writes a realistic, seeded marketplace in the interchange format: shops, products, creators,
/// outcomes and invitations. Follower counts are heavy-tailed (most creators are nano or micro),
/// some metrics are missing or given as ranges, and a set of planted shops and products sits at
/// every eligibility boundary, so the eligibility report shows every outcome.
public struct DemoGenerator: Sendable {
    let taxonomy: Taxonomy

    public init(taxonomy: Taxonomy) {
        self.taxonomy = taxonomy
    }

    /// Shops and products planted at each eligibility boundary of the default policy (ids say which).
    static let plantedShops: [(id: String, rating: Double, status: ShopStatus, violationDaysAgo: [Int])] = [
        ("shop-rating-2.5", 2.5, .active, []),
        ("shop-rating-2.49", 2.49, .active, []),
        ("shop-counterfeit-59d", 4.2, .active, [59]),
        ("shop-counterfeit-60d", 4.4, .active, [60]),
        ("shop-deactivated", 4.8, .deactivated, []),
    ]

    public func write(to directory: String, settings: DemoSettings) throws(MatchError) -> DemoSummary {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw MatchError(.io, "cannot create \(directory): \(error)")
        }
        var random = SeededRandom(seed: settings.seed)
        let level1 = taxonomy.categories.filter { $0.parent == nil && CategoryGroup(rawValue: $0.name) == nil }
        let d = settings.vectorDimension
        // A hidden direction per level-1 category: creators and products near it match.
        let directions: [[Float]] = level1.map { _ in
            (0..<d).map { _ in Float(random.normal()) }
        }
        // Category popularity is skewed: a few categories hold most creators.
        let popularity = level1.indices.map { 1 / Double($0 + 2) }
        let popularityTotal = popularity.reduce(0, +)
        func pickCategory(_ random: inout SeededRandom) -> Int {
            var u = random.unit() * popularityTotal
            for (i, w) in popularity.enumerated() {
                u -= w
                if u <= 0 { return i }
            }
            return popularity.count - 1
        }
        func mixVector(_ weights: [(Int, Double)], noise: Double, _ random: inout SeededRandom) -> [Float] {
            var v = [Float](repeating: 0, count: d)
            for (category, weight) in weights {
                for j in 0..<d { v[j] += Float(weight) * directions[category][j] }
            }
            for j in 0..<d { v[j] += Float(noise * random.normal()) }
            return v
        }
        let asOf = settings.asOf

        // Shops.
        let shopsWriter = try JSONLWriter(path: directory + "/shops.jsonl")
        var shopIDs: [String] = []
        for planted in Self.plantedShops {
            shopsWriter.begin()
            shopsWriter.field("id", planted.id)
            shopsWriter.field("name", planted.id.replacingOccurrences(of: "-", with: " ").capitalized)
            shopsWriter.field("region", "US")
            shopsWriter.field("rating", planted.rating)
            shopsWriter.field("status", planted.status.rawValue)
            if !planted.violationDaysAgo.isEmpty {
                shopsWriter.field("counterfeit_violations", json: JSONText.array(planted.violationDaysAgo.map { asOf.advanced(by: -$0).description }))
            }
            try shopsWriter.end()
            shopIDs.append(planted.id)
        }
        for i in 0..<max(1, settings.shops - Self.plantedShops.count) {
            let id = String(format: "shop-%04d", i + 1)
            shopsWriter.begin()
            shopsWriter.field("id", id)
            shopsWriter.field("name", "Demo Shop \(i + 1)")
            shopsWriter.field("region", random.chance(0.15) ? "TH" : "US")
            shopsWriter.field("rating", (random.uniform(3.0...5.0) * 10).rounded() / 10)
            shopsWriter.field("status", "active")
            try shopsWriter.end()
            shopIDs.append(id)
        }
        try shopsWriter.close()
        let regularShops = Array(shopIDs.dropFirst(Self.plantedShops.count))

        // Products.
        struct ProductInfo { let id: String; let category: Int; let price: Double; let rate: Int; let live: Bool }
        var products: [ProductInfo] = []
        let productsWriter = try JSONLWriter(path: directory + "/products.jsonl")
        func rateRange(_ group: CategoryGroup) -> ClosedRange<Double> {
            switch group {
            case .electronics: 500...1000
            case .fashionLifestyle: 1000...1800
            case .fmcg: 800...3000
            }
        }
        func writeProduct(id: String, shop: String, category: Int, status: ProductStatus, counts: (orders: Int, reviews: Int, negative: Int, cases: Int, sellerFault: Int)?) throws(MatchError) {
            let group = level1[category].group
            let price = (random.logNormal(median: group == .electronics ? 45 : 18, sigma: 0.7) * 100).rounded() / 100
            let rate = Int(random.uniform(rateRange(group)) / 50) * 50
            let orders = counts?.orders ?? Int(random.logNormal(median: 300, sigma: 1.2))
            let reviews = counts?.reviews ?? orders / 4
            let threshold = group == .electronics ? 0.01 : group == .fashionLifestyle ? 0.007 : 0.006
            let negative = counts?.negative ?? min(reviews, Int(Double(orders) * threshold * random.uniform(0...0.6)))
            let cases = counts?.cases ?? orders / 20
            let sellerFault = counts?.sellerFault ?? min(cases, Int(Double(orders) * threshold * random.uniform(0...0.8)))
            productsWriter.begin()
            productsWriter.field("id", id)
            productsWriter.field("shop_id", shop)
            productsWriter.field("title", "\(level1[category].name) item \(id)")
            productsWriter.field("category", level1[category].name)
            productsWriter.field("price", price)
            productsWriter.field("currency", "USD")
            productsWriter.field("status", status.rawValue)
            productsWriter.field("commission_rate", rate)
            productsWriter.field("margin_rate", Int(random.uniform(2000...6000) / 100) * 100)
            productsWriter.field("orders", orders)
            productsWriter.field("reviews", reviews)
            productsWriter.field("negative_reviews", negative)
            productsWriter.field("return_refund_cases", cases)
            productsWriter.field("seller_fault_return_refund_cases", sellerFault)
            if d > 0 { productsWriter.field("vector", vector: mixVector([(category, 1)], noise: 0.35, &random)) }
            try productsWriter.end()
            products.append(ProductInfo(id: id, category: category, price: price, rate: rate, live: status == .live || status == .outOfStock))
        }
        let electronics = level1.firstIndex { $0.group == .electronics }!
        let fmcg = level1.firstIndex { $0.group == .fmcg }!
        let fashion = level1.firstIndex { $0.group == .fashionLifestyle }!
        let host = regularShops[0]
        // 2 of 200 orders = 1.00%: not below electronics' 1%.
        try writeProduct(id: "p-negative-reviews-at-1pct", shop: host, category: electronics, status: .live, counts: (200, 50, 2, 4, 0))
        // 2 of 201 orders = 0.995%: passes.
        try writeProduct(id: "p-negative-reviews-below-1pct", shop: host, category: electronics, status: .live, counts: (201, 50, 2, 4, 0))
        // 4 reviews, all negative: the rule needs 5 reviews, so it does not apply.
        try writeProduct(id: "p-four-reviews", shop: host, category: fmcg, status: .live, counts: (10, 4, 4, 0, 0))
        // 3 of 200 orders = 1.5% seller-fault returns: not below FMCG's 1.5%.
        try writeProduct(id: "p-returns-at-1.5pct", shop: host, category: fmcg, status: .live, counts: (200, 40, 0, 10, 3))
        // 3 seller-fault returns but only 4 return cases in all: the rule does not apply.
        try writeProduct(id: "p-four-return-cases", shop: host, category: fashion, status: .live, counts: (100, 20, 0, 4, 3))
        try writeProduct(id: "p-frozen", shop: host, category: fashion, status: .frozen, counts: nil)
        try writeProduct(id: "p-delisted", shop: host, category: fashion, status: .delisted, counts: nil)
        try writeProduct(id: "p-out-of-stock", shop: host, category: fashion, status: .outOfStock, counts: nil)
        for planted in Self.plantedShops {
            try writeProduct(id: "p-of-\(planted.id)", shop: planted.id, category: pickCategory(&random), status: .live, counts: nil)
        }
        var n = 0
        while products.count < settings.products {
            n += 1
            try writeProduct(id: String(format: "p-%06d", n), shop: regularShops[n % regularShops.count], category: pickCategory(&random), status: .live, counts: nil)
        }
        try productsWriter.close()

        // Creators.
        var creatorsByCategory = [[Int]](repeating: [], count: level1.count)
        var creatorFollowers: [Int] = []
        var creatorGMV: [Double] = []
        let creatorsWriter = try JSONLWriter(path: directory + "/creators.jsonl")
        let ageBuckets = ["18-24", "25-34", "35-44", "45-54", "55+"]
        for i in 0..<settings.creators {
            let followers = max(200, Int(random.logNormal(median: 9000, sigma: 1.5)))
            let categoryCount = random.int(1...3)
            var weights: [(Int, Double)] = []
            var remaining = random.uniform(0.75...1.0)
            for k in 0..<categoryCount {
                let c = pickCategory(&random)
                if weights.contains(where: { $0.0 == c }) { continue }
                let share = k == categoryCount - 1 ? remaining : remaining * random.uniform(0.4...0.8)
                remaining -= share
                weights.append((c, (share * 100).rounded(.down) / 100))
            }
            for (c, _) in weights { creatorsByCategory[c].append(i) }
            let gmv = Double(followers) * random.logNormal(median: 0.4, sigma: 1.0)
            creatorFollowers.append(followers)
            creatorGMV.append(gmv)
            creatorsWriter.begin()
            creatorsWriter.field("id", String(format: "cr-%07d", i + 1))
            creatorsWriter.field("username", "creator_\(i + 1)")
            creatorsWriter.field("followers", followers)
            creatorsWriter.field("categories", json: JSONText.object(Dictionary(weights.map { (level1[$0.0].name, $0.1) }, uniquingKeysWith: +)))
            if random.chance(0.85) {
                if random.chance(0.25) {
                    let magnitude = pow(10, (log10(max(gmv, 1))).rounded(.down))
                    creatorsWriter.field("gmv_30d", json: "{\"min\":\(Int(magnitude)),\"max\":\(Int(magnitude * 10))}")
                } else {
                    creatorsWriter.field("gmv_30d", gmv)
                }
            }
            if random.chance(0.8) { creatorsWriter.field("gpm", random.logNormal(median: 12, sigma: 0.8)) }
            if random.chance(0.8) { creatorsWriter.field("units_sold_30d", Int(gmv / 20)) }
            creatorsWriter.field("avg_views", (Double(followers) * random.logNormal(median: 0.12, sigma: 0.8)).rounded())
            creatorsWriter.field("engagement_rate", random.uniform(0.01...0.12), decimals: 4)
            creatorsWriter.field("post_rate", random.uniform(0.15...0.9), decimals: 3)
            if random.chance(0.7) { creatorsWriter.field("avg_commission_rate", Int(random.uniform(500...2500) / 50) * 50) }
            let female = level1[weights[0].0].group == .fmcg ? random.uniform(0.6...0.9) : random.uniform(0.2...0.7)
            var ages = ageBuckets.map { _ in random.unit() + 0.05 }
            let ageTotal = ages.reduce(0, +)
            ages = ages.map { ($0 / ageTotal * 100).rounded(.down) / 100 }
            creatorsWriter.field("audience", json: JSONText.nested([
                "gender": ["female": (female * 100).rounded() / 100, "male": ((1 - female) * 100).rounded() / 100],
                "age": Dictionary(uniqueKeysWithValues: zip(ageBuckets, ages)),
            ]))
            let videoShare = (random.uniform(0.3...1.0) * 100).rounded() / 100
            creatorsWriter.field("content_types", json: JSONText.object(["video": videoShare, "live": ((1 - videoShare) * 100).rounded() / 100]))
            if d > 0 { creatorsWriter.field("vector", vector: mixVector(weights, noise: 0.4, &random)) }
            try creatorsWriter.end()
        }
        try creatorsWriter.close()

        // Outcomes and invitations: creators of a product's category sell it and get invited.
        let outcomesWriter = try JSONLWriter(path: directory + "/outcomes.jsonl")
        let invitationsWriter = try JSONLWriter(path: directory + "/invitations.jsonl")
        let samplesWriter = try JSONLWriter(path: directory + "/sample_requests.jsonl")
        // Samples draw from their own stream, so adding them left every other file as it was.
        var sampleRandom = SeededRandom(seed: settings.seed ^ 0x5A3D_17E2_9C41_B6F0)
        var sampleCount = 0
        func writeSample(creator: Int, product: ProductInfo, daysAgo: Int, status: SampleStatus, fulfillment: Double) throws(MatchError) {
            sampleCount += 1
            samplesWriter.begin()
            samplesWriter.field("id", String(format: "sr-%07d", sampleCount))
            samplesWriter.field("creator_id", String(format: "cr-%07d", creator + 1))
            samplesWriter.field("product_id", product.id)
            samplesWriter.field("requested_at", asOf.advanced(by: -daysAgo).description + "T\(String(format: "%02d", sampleRandom.int(8...22))):00:00Z")
            samplesWriter.field("status", status.rawValue)
            samplesWriter.field("followers", creatorFollowers[creator])
            samplesWriter.field("gmv_30d", (creatorGMV[creator] * 100).rounded() / 100)
            samplesWriter.field("content_count", sampleRandom.int(2...40))
            samplesWriter.field("median_video_views", Int(Double(creatorFollowers[creator]) * sampleRandom.uniform(0.02...0.3)))
            samplesWriter.field("fulfillment_rate", (fulfillment * 100).rounded() / 100)
            try samplesWriter.end()
        }
        let statuses: [(InvitationStatus, Double)] = [(.accepted, 0.35), (.pending, 0.25), (.declined, 0.25), (.expired, 0.15)]
        for product in products where product.live {
            let pool = creatorsByCategory[product.category]
            guard !pool.isEmpty else { continue }
            var sellers = Set<Int>()
            for _ in 0..<random.int(0...6) { sellers.insert(pool[random.int(0...(pool.count - 1))]) }
            for creator in sellers.sorted() {
                var days = Set<Int>()
                for _ in 0..<random.int(1...4) { days.insert(random.int(1...settings.historyDays)) }
                // Sellers who asked for a sample first: posted, a few days before their first sale.
                if sampleRandom.chance(0.5) {
                    try writeSample(creator: creator, product: product, daysAgo: days.max()! + sampleRandom.int(2...10), status: .posted, fulfillment: sampleRandom.uniform(0.6...1.0))
                }
                for daysAgo in days.sorted() {
                    let orders = random.int(1...30)
                    outcomesWriter.begin()
                    outcomesWriter.field("creator_id", String(format: "cr-%07d", creator + 1))
                    outcomesWriter.field("product_id", product.id)
                    outcomesWriter.field("date", asOf.advanced(by: -daysAgo).description)
                    outcomesWriter.field("orders", orders)
                    outcomesWriter.field("gmv", Double(orders) * product.price)
                    outcomesWriter.field("commission_rate", product.rate)
                    outcomesWriter.field("content_type", random.chance(0.75) ? "video" : "live")
                    try outcomesWriter.end()
                }
            }
            // Requests that went nowhere (rejected, or sent and never posted), and today's pending ones — some
            // from creators of another category.
            for _ in 0..<sampleRandom.int(0...2) {
                let creator = pool[sampleRandom.int(0...(pool.count - 1))]
                let posted = sampleRandom.chance(0.5)
                try writeSample(creator: creator, product: product, daysAgo: sampleRandom.int(10...settings.historyDays), status: posted ? .not_posted : .rejected, fulfillment: sampleRandom.uniform(0.1...0.7))
            }
            for _ in 0..<sampleRandom.int(0...2) {
                let otherCategory = sampleRandom.chance(0.25)
                let candidates = otherCategory ? creatorsByCategory[sampleRandom.int(0...(level1.count - 1))] : pool
                guard !candidates.isEmpty else { continue }
                try writeSample(creator: candidates[sampleRandom.int(0...(candidates.count - 1))], product: product, daysAgo: sampleRandom.int(0...2), status: .pending, fulfillment: sampleRandom.uniform(0.2...1.0))
            }
            var invited = Set<Int>()
            for _ in 0..<random.int(0...5) { invited.insert(pool[random.int(0...(pool.count - 1))]) }
            for creator in invited.sorted() {
                var u = random.unit()
                var status = InvitationStatus.pending
                for (candidate, p) in statuses {
                    u -= p
                    if u <= 0 { status = candidate; break }
                }
                invitationsWriter.begin()
                invitationsWriter.field("creator_id", String(format: "cr-%07d", creator + 1))
                invitationsWriter.field("product_id", product.id)
                invitationsWriter.field("sent_at", asOf.advanced(by: -random.int(1...120)).description + "T09:00:00Z")
                invitationsWriter.field("status", status.rawValue)
                invitationsWriter.field("commission_rate", min(8000, product.rate + 500))
                try invitationsWriter.end()
            }
        }
        try outcomesWriter.close()
        try invitationsWriter.close()
        try samplesWriter.close()
        return DemoSummary(
            directory: directory,
            files: [
                "shops.jsonl": shopsWriter.lines, "products.jsonl": productsWriter.lines,
                "creators.jsonl": creatorsWriter.lines, "outcomes.jsonl": outcomesWriter.lines,
                "invitations.jsonl": invitationsWriter.lines, "sample_requests.jsonl": samplesWriter.lines,
            ],
            as_of: asOf.description, seed: settings.seed)
    }
}
