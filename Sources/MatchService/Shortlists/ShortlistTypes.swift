import MatchCore
import MatchKernels

public enum RankBy: String, Sendable, Codable, CaseIterable {
    /// Exact cosine similarity, descending, ties by creator id.
    case similarity
    /// Similarity blended with sales strength, post rate and commission fit (`Models/ranking.json`).
    case blended
}

/// Which products to shortlist.
public enum ProductSelection: Sendable {
    case ids([ProductID])
    case shop(ShopID)
    case allEligible
}

/// Creator filters. Every creator that passes is a candidate; nothing else is dropped.
public struct CreatorFilters: Sendable {
    public var minTier: String?
    public var maxTier: String?
    public var minGMV: Double?
    /// Creators with GMV share in one of these categories (or their children).
    public var categories: [String] = []
    /// Drop creators the shop invited (to any product) in the last N days. nil: the ranking
    /// model's default for blended ranking, off for similarity ranking.
    public var recentlyInvitedDays: Int?
    /// Drop creators who ever declined an invitation from the shop.
    public var excludeDeclined = false
    /// Only these creators (nil: everyone).
    public var allow: Set<String>?
    public var deny: Set<String> = []

    public init() {}

    /// Checks what the filters say on their own: known tier names, and a lowest tier not above the
    /// highest (that would silently match no creator). The message names the option.
    public func validate(platform: PlatformFacts) throws(MatchError) {
        let minTier = try self.minTier.map { name throws(MatchError) in try CandidatePool.tier(named: name, platform) }
        let maxTier = try self.maxTier.map { name throws(MatchError) in try CandidatePool.tier(named: name, platform) }
        if let minTier, let maxTier, minTier.min_followers > maxTier.min_followers {
            throw MatchError(.invalidInput, "the lowest tier \(minTier.name) is above the highest tier \(maxTier.name), so no creator could pass; swap them")
        }
    }
}

public struct ShortlistRequest: Sendable {
    public var selection: ProductSelection
    public var k = 50
    public var rankBy = RankBy.blended
    public var filters = CreatorFilters()
    public var asOf: Day
    public var tiles = TileConfiguration()
    /// The vector model to score with: `supplied` (imported vectors) or `profile` (from
    /// `creatormatch featurize`); nil picks `supplied` when creators have it, else `profile`.
    public var vectorModel: String?
    /// A creator appears in at most this share of the request's shortlists (nil: Models/ranking.json's
    /// `max_shortlist_share` for blended, no cap for similarity; 1 turns the cap off). Rescoring
    /// publishes lists without it.
    public var maxShare: Double?
    /// Stream creator vectors from the database tile by tile instead of loading them as one matrix
    /// (for creator sets larger than memory; the same results, somewhat slower).
    public var streaming = false

    public init(selection: ProductSelection, asOf: Day) {
        self.selection = selection
        self.asOf = asOf
    }
}

public struct ShortlistEntry: Codable, Sendable, Equatable {
    public let rank: Int
    public let creator_id: String
    public let username: String?
    public let followers: Int
    public let tier: String?
    public let score: Double
    public let similarity: Double
    public let score_parts: ScoreParts?
    public let reasons: [String]
}

public struct Shortlist: Codable, Sendable {
    public let product_id: String
    public let run_id: Int64?
    public let shop_id: String
    public let category: String
    /// The rate to offer in the targeted invitation: the commission suggestion's target rate
    /// (hundredths of a percent).
    public let offered_rate: Int?
    /// The suggested open-collaboration rate, and the product's current one.
    public let suggested_open_rate: Int?
    public let current_rate: Int?
    public let rank_by: String
    public let creators: [ShortlistEntry]
}

public struct SkippedProduct: Codable, Sendable {
    public let product_id: String
    public let status: String
    public let reasons: [String]
}

public struct ShortlistReport: Codable, Sendable {
    public let as_of: String
    public let rank_by: String
    public let k: Int
    public let vector_model: String
    /// Creators that passed the global filters (before per-product exclusions).
    public let candidates: Int
    public let filters: [String]
    public let shortlists: [Shortlist]
    public let skipped: [SkippedProduct]
    public let timings_ms: [String: Int]
}

extension ShortlistEntry {
    /// The entry as compact JSON with sorted keys, written directly (publishing a run encodes a million
    /// of these; JSONEncoder would take most of the rescore).
    public var jsonText: String {
        func number(_ value: Double) -> String { JSONText.number(value) }
        var out = "{\"creator_id\":" + JSONText.string(creator_id)
        out += ",\"followers\":\(followers),\"rank\":\(rank),\"reasons\":["
        out += reasons.map(JSONText.string).joined(separator: ",")
        out += "],\"score\":" + number(score)
        if let parts = score_parts {
            out += ",\"score_parts\":{\"commission_fit\":" + number(parts.commissionFit) + ",\"post_rate\":" + number(parts.postRate)
                + ",\"sales_strength\":" + number(parts.salesStrength) + ",\"similarity\":" + number(parts.similarity) + "}"
        }
        out += ",\"similarity\":" + number(similarity)
        if let tier { out += ",\"tier\":" + JSONText.string(tier) }
        if let username { out += ",\"username\":" + JSONText.string(username) }
        return out + "}"
    }
}

extension Shortlist {
    /// The shortlist as compact JSON with sorted keys (what `JSONEncoder` with `.sortedKeys` writes),
    /// written directly: `shortlist --all` prints a million entries.
    public var jsonText: String {
        var out = "{\"category\":" + JSONText.string(category)
        out += ",\"creators\":[" + creators.map(\.jsonText).joined(separator: ",") + "]"
        if let current_rate { out += ",\"current_rate\":\(current_rate)" }
        if let offered_rate { out += ",\"offered_rate\":\(offered_rate)" }
        out += ",\"product_id\":" + JSONText.string(product_id) + ",\"rank_by\":" + JSONText.string(rank_by)
        if let run_id { out += ",\"run_id\":\(run_id)" }
        out += ",\"shop_id\":" + JSONText.string(shop_id)
        if let suggested_open_rate { out += ",\"suggested_open_rate\":\(suggested_open_rate)" }
        return out + "}"
    }
}

extension ShortlistReport {
    /// The report as compact JSON with sorted keys (what `JSONEncoder` with `.sortedKeys` writes),
    /// written directly.
    public var jsonText: String {
        func strings(_ values: [String]) -> String { "[" + values.map(JSONText.string).joined(separator: ",") + "]" }
        var out = "{\"as_of\":" + JSONText.string(as_of) + ",\"candidates\":\(candidates),\"filters\":" + strings(filters)
        out += ",\"k\":\(k),\"rank_by\":" + JSONText.string(rank_by)
        out += ",\"shortlists\":[" + shortlists.map(\.jsonText).joined(separator: ",") + "]"
        out += ",\"skipped\":[" + skipped.map { item in
            "{\"product_id\":" + JSONText.string(item.product_id) + ",\"reasons\":" + strings(item.reasons) + ",\"status\":" + JSONText.string(item.status) + "}"
        }.joined(separator: ",") + "]"
        out += ",\"timings_ms\":{" + timings_ms.keys.sorted().map { JSONText.string($0) + ":\(timings_ms[$0]!)" }.joined(separator: ",") + "}"
        return out + ",\"vector_model\":" + JSONText.string(vector_model) + "}"
    }
}
