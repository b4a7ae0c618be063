import Foundation
import GRDB
import MatchCore
import MatchInterchange
import MatchStore

/// The creators that pass the global filters, in id order, with what ranking and reasons need.
/// Index i here is the kernel's creator index i, so index order is id order.
struct CandidatePool {
    var ids: [String] = []
    var usernames: [String?] = []
    var followers: [Int] = []
    var signals: [CreatorSignals] = []
    /// Position of each kept creator among all creators with a vector (to pick their vectors).
    var keptPositions: [Bool] = []

    /// Reads creator profiles and keeps those passing `filters`.
    static func load(
        _ db: Database, model: String, filters: CreatorFilters, catalog: ModelCatalog, categoryIndex: [String: Int32]
    ) throws -> CandidatePool {
        var pool = CandidatePool()
        let platform = catalog.platform
        let minFollowers = try filters.minTier.map { name throws(MatchError) in try Self.tier(named: name, platform).min_followers }
        let maxTierName = try filters.maxTier.map { name throws(MatchError) in try Self.tier(named: name, platform).name }
        let maxFollowersExclusive: Int? = maxTierName.flatMap { name in
            let sorted = platform.follower_tiers.sorted { $0.min_followers < $1.min_followers }
            guard let i = sorted.firstIndex(where: { $0.name == name }) else { return nil }
            return i + 1 < sorted.count ? sorted[i + 1].min_followers : nil
        }
        var wantedCategories = Set<Int32>()
        for name in filters.categories {
            guard let category = catalog.taxonomy.category(named: name), let index = categoryIndex[category.name] else {
                throw MatchError(.invalidInput, "unknown category \"\(name)\"; use a platform category name from Models/taxonomy.json")
            }
            wantedCategories.insert(index)
            for (i, other) in catalog.taxonomy.categories.enumerated() where other.parent == category.name {
                wantedCategories.insert(Int32(i))
            }
        }
        var gmvPerFollower: [Double] = []
        var missingGMV: [Int] = []
        try VectorQueries.forEachCreatorProfile(db, model: model) { row in
            var keep = true
            if let minFollowers, row.followers < minFollowers { keep = false }
            if let maxFollowersExclusive, row.followers >= maxFollowersExclusive { keep = false }
            if let minGMV = filters.minGMV, (row.gmv30d?.max ?? -1) < minGMV { keep = false }
            if let allow = filters.allow, !allow.contains(row.id) { keep = false }
            if filters.deny.contains(row.id) { keep = false }
            var categories: [(index: Int32, share: Float)] = []
            if keep {
                categories = Self.parseCategories(row.categoriesJSON, categoryIndex: categoryIndex)
                if !wantedCategories.isEmpty, !categories.contains(where: { wantedCategories.contains($0.index) && $0.share > 0 }) {
                    keep = false
                }
            }
            pool.keptPositions.append(keep)
            guard keep else { return }
            let gmv = row.gmv30d.map(Self.pointEstimate)
            if let gmv, row.followers > 0 { gmvPerFollower.append(gmv / Double(row.followers)) }
            if gmv == nil { missingGMV.append(pool.ids.count) }
            pool.ids.append(row.id)
            pool.usernames.append(row.username)
            pool.followers.append(row.followers)
            pool.signals.append(CreatorSignals(
                gmv: gmv ?? 0, gmvEstimated: gmv == nil, gpm: row.gpm.map(Self.pointEstimate),
                postRate: row.postRate, avgCommissionRate: row.avgCommissionRate, categories: categories))
        }
        // A missing GMV is estimated from followers at the pool's median GMV per follower (and the
        // ranking discounts estimates), rather than read as zero.
        if !missingGMV.isEmpty {
            gmvPerFollower.sort()
            let median = gmvPerFollower.isEmpty ? 0 : gmvPerFollower[gmvPerFollower.count / 2]
            for i in missingGMV { pool.signals[i].gmv = median * Double(pool.followers[i]) }
        }
        return pool
    }

    /// One number for a metric given as a range: the geometric midpoint when both ends are positive
    /// (ranges are usually order-of-magnitude buckets), else the arithmetic one.
    static func pointEstimate(_ range: MetricRange) -> Double {
        range.min > 0 ? (range.min * range.max).squareRoot() : range.estimate
    }

    static func tier(named name: String, _ platform: PlatformFacts) throws(MatchError) -> PlatformFacts.FollowerTier {
        guard let tier = platform.follower_tiers.first(where: { $0.name == name.lowercased() }) else {
            throw MatchError(.invalidInput, "unknown follower tier \"\(name)\"; use one of \(platform.follower_tiers.map(\.name).joined(separator: ", ")) (Models/platform.json)")
        }
        return tier
    }

    static func parseCategories(_ json: String, categoryIndex: [String: Int32]) -> [(index: Int32, share: Float)] {
        guard case .object(let object)? = try? JSONLineParser.parse(Array(json.utf8)) else { return [] }
        var result: [(index: Int32, share: Float)] = []
        for (name, value) in object {
            guard case .number(let share) = value, let index = categoryIndex[name] else { continue }
            result.append((index, Float(share)))
        }
        return result.sorted { $0.share > $1.share || ($0.share == $1.share && $0.index < $1.index) }
    }

    /// The pool index of a creator id (binary search; ids are in byte order).
    func index(of id: String) -> Int? {
        var low = 0
        var high = ids.count
        let key = CreatorID(id)
        while low < high {
            let mid = (low + high) / 2
            if CreatorID(ids[mid]) < key { low = mid + 1 } else { high = mid }
        }
        return low < ids.count && ids[low] == id ? low : nil
    }
}
