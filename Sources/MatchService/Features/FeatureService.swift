import Foundation
import GRDB
import MatchCore
import MatchStore

/// Profile vectors of every creator and product, computed from the database.
public struct ProfileVectors: Sendable {
    public var creatorIDs: [String] = []
    public var creators: [[Float]] = []
    public var creatorAssumed: [[FeatureBlock]] = []
    public var productIDs: [String] = []
    public var products: [[Float]] = []
    public var productAssumed: [[FeatureBlock]] = []
    /// Products whose blocks were refined from the creators who sold them.
    public var productsLearned = 0
}

public struct FeatureSummary: Codable, Sendable {
    public let vector_model: String
    public let dimension: Int
    public let creators: Int
    public let products: Int
    public let products_learned_from_sales: Int
    /// Per block, how many creators and products had it filled with the average (data missing).
    public let creators_assumed: [String: Int]
    public let products_assumed: [String: Int]
}

/// Computes the `profile` vector model (`Models/features.json`) for creators and products and stores it
/// beside any supplied vectors.
public struct FeatureService: Sendable {
    public static let model = "profile"
    let database: MatchDatabase
    let models: ModelCatalog

    public init(database: MatchDatabase, models: ModelCatalog) {
        self.database = database
        self.models = models
    }

    public var featurizer: ProfileFeaturizer { ProfileFeaturizer(spec: models.features, taxonomy: models.taxonomy) }

    /// The vectors, learning products from the sales up to `salesThrough` (all sales when nil).
    public func compute(_ db: Database, salesThrough: Day? = nil) throws -> ProfileVectors {
        let f = featurizer
        let products = try StoreQueries.products(db)
        let price = Dictionary(uniqueKeysWithValues: products.map { ($0.id.rawValue, $0.price) })
        // Orders per (creator, product), from the sales the caller allows.
        var orders: [String: [String: Double]] = [:]
        for sale in try ActivityQueries.sales(db, through: salesThrough) {
            orders[sale.creatorID, default: [:]][sale.productID, default: 0] += Double(max(1, sale.orders))
        }
        var out = ProfileVectors()
        var creatorBlocks: [FeatureBlocks] = []
        var creatorIndex: [String: Int] = [:]
        for row in try ActivityQueries.creatorFeatureRows(db) {
            var blocks = FeatureBlocks()
            blocks.values[.category] = f.categoryBlock(ProfileFeaturizer.shares(row.categories) ?? [:])
            let audience = ProfileFeaturizer.audience(row.audience)
            blocks.values[.audience] = f.audienceBlock(gender: audience.gender, age: audience.age)
            // Prices of what they sell: the platform's range (its ends and geometric middle), and the
            // prices of the products they sold here, by orders.
            var sold = (orders[row.id] ?? [:]).compactMap { product, n in price[product].map { (price: $0, weight: n) } }
            if let range = row.price, range.max > 0 {
                let middle = range.min > 0 ? (range.min * range.max).squareRoot() : range.max / 2
                sold += [(range.min, 1), (middle, 2), (range.max, 1)]
            }
            blocks.values[.price] = f.priceBlock(prices: sold)
            blocks.values[.content] = f.contentBlock(ProfileFeaturizer.shares(row.content))
            creatorIndex[row.id] = creatorBlocks.count
            creatorBlocks.append(blocks)
            out.creatorIDs.append(row.id)
        }
        var sellers: [String: [(blocks: FeatureBlocks, orders: Double)]] = [:]
        for (creator, byProduct) in orders {
            guard let i = creatorIndex[creator] else { continue }
            for (product, n) in byProduct { sellers[product, default: []].append((creatorBlocks[i], n)) }
        }
        var productBlocks: [FeatureBlocks] = []
        for product in products {
            var blocks = FeatureBlocks()
            blocks.values[.category] = f.categoryBlock([product.category: 1])
            blocks.values[.price] = f.priceBlock(prices: [(product.price, 1)])
            // Sellers in a fixed order, so the vectors do not depend on dictionary order.
            let sold = (sellers[product.id.rawValue] ?? []).sorted { $0.orders > $1.orders }
            if !sold.isEmpty {
                blocks = f.learned(blocks, sellers: sold)
                out.productsLearned += 1
            }
            productBlocks.append(blocks)
            out.productIDs.append(product.id.rawValue)
        }
        // Missing blocks take the average of everyone who has them: creators' for creators; for
        // products the creators' too (what a product's audience looks like when nobody sold it yet).
        let creatorAverages = f.averages(creatorBlocks)
        var productAverages = f.averages(productBlocks)
        for block in [FeatureBlock.audience, .content] { productAverages[block] = creatorAverages[block] }
        for blocks in creatorBlocks {
            let (vector, assumed) = f.vector(blocks, averages: creatorAverages)
            out.creators.append(vector)
            out.creatorAssumed.append(assumed)
        }
        for blocks in productBlocks {
            let (vector, assumed) = f.vector(blocks, averages: productAverages)
            out.products.append(vector)
            out.productAssumed.append(assumed)
        }
        return out
    }

    /// Recomputes and stores every profile vector in one transaction.
    public func featurize(clock: any WallClock = SystemClock()) throws(MatchError) -> FeatureSummary {
        try database.write { db in try store(db, now: clock.now()) }
    }

    /// Whether the database has profile vectors (then imports keep them current).
    static func hasProfileVectors(_ db: Database) throws -> Bool {
        try StoreQueries.vectorSpace(db, kind: .creator, model: model) != nil
    }

    /// Recomputes and stores every profile vector in the caller's write transaction.
    func store(_ db: Database, now: Date) throws -> FeatureSummary {
        let vectors = try compute(db)
        let f = featurizer
        try ActivityQueries.deleteVectors(db, model: Self.model)
        let writer = ImportWriter(db: db, timestamp: now.iso8601, today: now.utcDay, delays: RateChangeDelays(
            targetDays: models.platform.rate_cut_delay_days.target_collaboration,
            existingPromotersDays: models.platform.rate_cut_delay_days.open_collaboration_existing_promoters))
        for (kind, ids, rows) in [(VectorOwnerKind.creator, vectors.creatorIDs, vectors.creators), (.product, vectors.productIDs, vectors.products)] where !ids.isEmpty {
            let space = VectorSpace(ownerKind: kind, model: Self.model, modelVersion: models.features.version, dimension: f.dimension)
            try writer.createVectorSpace(space)
            for (id, vector) in zip(ids, rows) { try writer.upsertVector(vector, owner: id, in: space) }
        }
        try ChangeLog.record(db, writer: ChangeLog.processWriter, tables: ["vectors", "vector_spaces"], at: now.iso8601)
        func counts(_ assumed: [[FeatureBlock]]) -> [String: Int] {
            var out: [String: Int] = [:]
            for list in assumed { for b in list { out[b.rawValue, default: 0] += 1 } }
            return out
        }
        return FeatureSummary(
            vector_model: Self.model, dimension: f.dimension, creators: vectors.creatorIDs.count, products: vectors.productIDs.count,
            products_learned_from_sales: vectors.productsLearned, creators_assumed: counts(vectors.creatorAssumed),
            products_assumed: counts(vectors.productAssumed))
    }
}
