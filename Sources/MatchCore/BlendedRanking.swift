/// Weights and formulas of the blended ranking (`Models/ranking.json`).
public struct RankingModel: Decodable, Sendable {
    public struct Weights: Decodable, Sendable {
        public let similarity: Double
        public let sales_strength: Double
        public let post_rate: Double
        public let commission_fit: Double
    }
    public struct SalesStrength: Decodable, Sendable {
        public let gmv_cap: Double
        public let gpm_cap: Double
        public let gmv_weight: Double
        public let gpm_weight: Double
        public let related_category_credit: Double
        public let missing_gmv_discount: Double
    }
    public struct PostRate: Decodable, Sendable {
        public let missing: Double
    }
    public struct CommissionFit: Decodable, Sendable {
        public let zero_fit_points_below_average: Double
        public let missing: Double
    }
    public let version: Int
    public let weights: Weights
    public let sales_strength: SalesStrength
    public let post_rate: PostRate
    public let commission_fit: CommissionFit
    public let recently_invited_days: Int
    /// In one request's shortlists (several products), a creator appears in at most this share of them.
    public let max_shortlist_share: Double
    /// The cap applies to requests of at least this many products (a small shop's few products may all
    /// go to the same creators).
    public let max_shortlist_share_from_products: Int
}

/// What the blended ranking knows of one creator, compact (a million of these stay small).
public struct CreatorSignals: Sendable {
    /// 30-day GMV: exact, the midpoint of a range, or estimated from followers when missing.
    public var gmv: Double
    public var gmvEstimated: Bool
    public var gpm: Double?
    public var postRate: Double?
    public var avgCommissionRate: Int?
    /// (category index in the taxonomy, share of GMV), largest first.
    public var categories: [(index: Int32, share: Float)]

    public init(gmv: Double, gmvEstimated: Bool, gpm: Double?, postRate: Double?, avgCommissionRate: Int?, categories: [(index: Int32, share: Float)]) {
        self.gmv = gmv
        self.gmvEstimated = gmvEstimated
        self.gpm = gpm
        self.postRate = postRate
        self.avgCommissionRate = avgCommissionRate
        self.categories = categories
    }
}

/// The parts of one blended score, each already weighted; they add up to the score.
public struct ScoreParts: Sendable, Equatable, Codable {
    public var similarity: Double
    public var salesStrength: Double
    public var postRate: Double
    public var commissionFit: Double

    public init(similarity: Double, salesStrength: Double, postRate: Double, commissionFit: Double) {
        self.similarity = similarity
        self.salesStrength = salesStrength
        self.postRate = postRate
        self.commissionFit = commissionFit
    }

    public var total: Double { similarity + salesStrength + postRate + commissionFit }

    enum CodingKeys: String, CodingKey {
        case similarity, salesStrength = "sales_strength", postRate = "post_rate", commissionFit = "commission_fit"
    }
}

/// The blended ranking's formulas. Pure: every input is passed in.
public struct BlendedRanking: Sendable {
    public let model: RankingModel
    /// For each taxonomy category index, its parent's index (or -1).
    public let parents: [Int32]

    public init(model: RankingModel, taxonomy: Taxonomy) {
        self.model = model
        let index = Dictionary(uniqueKeysWithValues: taxonomy.categories.enumerated().map { ($0.element.name, Int32($0.offset)) })
        parents = taxonomy.categories.map { category in category.parent.flatMap { index[$0] } ?? -1 }
    }

    /// How strong a seller the creator is, 0...1, before the category share: GMV on a log scale
    /// to the cap, and GPM to its cap.
    public func strength(_ creator: CreatorSignals) -> Double {
        let s = model.sales_strength
        let gmvScore = min(1, log10(1 + max(0, creator.gmv)) / log10(1 + s.gmv_cap)) * (creator.gmvEstimated ? s.missing_gmv_discount : 1)
        let gpmScore = creator.gpm.map { min(1, max(0, $0) / s.gpm_cap) } ?? gmvScore
        return (s.gmv_weight * gmvScore + s.gpm_weight * gpmScore) / (s.gmv_weight + s.gpm_weight)
    }

    /// The creator's share of GMV in the product's category: exact matches count fully; a parent,
    /// child or sibling category counts at `related_category_credit`.
    public func categoryShare(_ creator: CreatorSignals, productCategory: Int32) -> Double {
        let parent = productCategory >= 0 ? parents[Int(productCategory)] : -1
        var share = 0.0
        for (category, s) in creator.categories {
            if category == productCategory {
                share += Double(s)
            } else {
                let theirParent = parents[Int(category)]
                let related = category == parent || theirParent == productCategory || (parent >= 0 && theirParent == parent)
                if related { share += model.sales_strength.related_category_credit * Double(s) }
            }
        }
        return min(1, share)
    }

    public func postRate(_ creator: CreatorSignals) -> Double {
        creator.postRate ?? model.post_rate.missing
    }

    /// 1 when the offer is at or above the creator's average rate, falling linearly to 0 at
    /// `zero_fit_points_below_average` percentage points below it.
    public func commissionFit(_ creator: CreatorSignals, offeredRate: Int?) -> Double {
        commissionFit(average: creator.avgCommissionRate, offeredRate: offeredRate)
    }

    /// The same fit from the creator's average rate alone (what a search's inner loop keeps per creator).
    @inline(__always)
    public func commissionFit(average: Int?, offeredRate: Int?) -> Double {
        guard let average, let offered = offeredRate else { return model.commission_fit.missing }
        if offered >= average { return 1 }
        let pointsBelow = Double(average - offered) / 100
        return max(0, 1 - pointsBelow / model.commission_fit.zero_fit_points_below_average)
    }

    public func parts(similarity: Double, creator: CreatorSignals, productCategory: Int32, offeredRate: Int?) -> ScoreParts {
        let w = model.weights
        return ScoreParts(
            similarity: w.similarity * similarity,
            salesStrength: w.sales_strength * strength(creator) * categoryShare(creator, productCategory: productCategory),
            postRate: w.post_rate * postRate(creator),
            commissionFit: w.commission_fit * commissionFit(creator, offeredRate: offeredRate))
    }

    /// A bound on the non-similarity parts over every product: full category share, full fit.
    public func bonusUpperBound(_ creator: CreatorSignals) -> Double {
        let w = model.weights
        return w.sales_strength * strength(creator) + w.post_rate * postRate(creator) + w.commission_fit
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
