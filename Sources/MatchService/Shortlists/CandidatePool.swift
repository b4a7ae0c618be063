import Foundation
import GRDB
import MatchCore
import MatchStore

/// Creators with a vector, in id order, with what filters, ranking and reasons need. `load` reads
/// every one; `filtered` keeps those passing the global filters. Index i of a pool is the kernel's
/// creator index i, so index order is id order; `positions[i]` is the creator's row among all creators
/// with a vector (to pick its vector).
struct CandidatePool: Sendable {
    var ids: [String] = []
    var usernames: [String?] = []
    var followers: [Int] = []
    /// The top of the 30-day GMV range as given (nil when missing), for the minimum-GMV filter.
    var gmvMax: [Double?] = []
    var signals: [CreatorSignals] = []
    /// The blended ranking's per-creator terms, computed once at load: sales strength, post rate,
    /// and the bound of the bonus over every product.
    var strengths: [Double] = []
    var postRates: [Double] = []
    var bonusBounds: [Float] = []
    var positions: [Int] = []
    /// How many creators with a vector there are in all (the length of a keep mask).
    var total = 0

    /// Reads every creator with a vector in `model`. A missing GMV is estimated from followers at the
    /// median GMV per follower of all of them (the ranking discounts estimates), not read as zero.
    /// The rows are read in chunks; each chunk's category shares are parsed on another thread while
    /// the next chunk is read (the JSON is most of the work of reading a creator).
    static func load(_ db: Database, model: String, categoryIndex: [String: Int32], ranking: BlendedRanking) throws -> CandidatePool {
        let chunk = 16_384
        var chunks: [(rows: [CreatorProfileRow], categories: Background<[[(index: Int32, share: Float)]]>)] = []
        var rows: [CreatorProfileRow] = []
        rows.reserveCapacity(chunk)
        func flush() {
            let full = rows
            chunks.append((full, Background { full.map { parseCategories($0.categoriesJSON, categoryIndex: categoryIndex) } }))
            rows = []
            rows.reserveCapacity(chunk)
        }
        try VectorQueries.forEachCreatorProfile(db, model: model) { row in
            rows.append(row)
            if rows.count == chunk { flush() }
        }
        if !rows.isEmpty { flush() }
        var pool = CandidatePool()
        pool.reserveCapacity(chunks.count * chunk)
        for (part, categories) in chunks {
            for (row, shares) in zip(part, try categories.value()) { pool.append(row, categories: shares) }
        }
        pool.finish(ranking)
        return pool
    }

    /// A pool of the given creators (in id order), with or without vectors. Their category shares are
    /// parsed in chunks on every core (the JSON is most of the work of reading a creator).
    static func build(_ rows: [CreatorProfileRow], categoryIndex: [String: Int32], ranking: BlendedRanking) -> CandidatePool {
        let chunk = 16_384
        let parsed = parallelMap((rows.count + chunk - 1) / chunk) { j in
            rows[(j * chunk)..<min(rows.count, (j + 1) * chunk)].map { parseCategories($0.categoriesJSON, categoryIndex: categoryIndex) }
        }
        var pool = CandidatePool()
        pool.reserveCapacity(rows.count)
        var i = 0
        for part in parsed {
            for categories in part {
                pool.append(rows[i], categories: categories)
                i += 1
            }
        }
        pool.finish(ranking)
        return pool
    }

    mutating func reserveCapacity(_ n: Int) {
        positions.reserveCapacity(n)
        ids.reserveCapacity(n)
        usernames.reserveCapacity(n)
        followers.reserveCapacity(n)
        gmvMax.reserveCapacity(n)
        signals.reserveCapacity(n)
    }

    mutating func append(_ row: CreatorProfileRow, categories: [(index: Int32, share: Float)]) {
        positions.append(ids.count)
        ids.append(row.id)
        usernames.append(row.username)
        followers.append(row.followers)
        gmvMax.append(row.gmv30d?.max)
        signals.append(Self.signals(
            gmv30d: row.gmv30d, gpm: row.gpm, postRate: row.postRate, avgCommissionRate: row.avgCommissionRate,
            categories: categories))
    }

    mutating func finish(_ ranking: BlendedRanking) {
        total = ids.count
        imputeMissingGMV()
        computeRankingTerms(ranking)
    }

    static func signals(gmv30d: MetricRange?, gpm: MetricRange?, postRate: Double?, avgCommissionRate: Int?, categories: [(index: Int32, share: Float)]) -> CreatorSignals {
        let gmv = gmv30d.map(Self.pointEstimate)
        return CreatorSignals(
            gmv: gmv ?? 0, gmvEstimated: gmv == nil, gpm: gpm.map(Self.pointEstimate),
            postRate: postRate, avgCommissionRate: avgCommissionRate, categories: categories)
    }

    /// A missing GMV is estimated from followers at the median GMV per follower of every creator that
    /// has one. Returns the indices whose estimate changed.
    @discardableResult
    mutating func imputeMissingGMV() -> [Int] {
        var perFollower: [Double] = []
        perFollower.reserveCapacity(signals.count)
        for i in signals.indices where !signals[i].gmvEstimated && followers[i] > 0 {
            perFollower.append(signals[i].gmv / Double(followers[i]))
        }
        perFollower.sort()
        // Rounded to two significant digits: the estimate is rough anyway, and a nightly update of a few
        // creators' GMV then does not move every estimated creator (and so every shortlist they are in).
        let median = Self.twoSignificantDigits(perFollower.isEmpty ? 0 : perFollower[perFollower.count / 2])
        var changed: [Int] = []
        for i in signals.indices where signals[i].gmvEstimated {
            let estimate = median * Double(followers[i])
            if signals[i].gmv != estimate {
                signals[i].gmv = estimate
                changed.append(i)
            }
        }
        return changed
    }

    static func twoSignificantDigits(_ value: Double) -> Double {
        guard value > 0, value.isFinite else { return value }
        let scale = pow(10, floor(log10(value)) - 1)
        return (value / scale).rounded() * scale
    }

    /// Recomputes the ranking terms of the creators at `indices` only.
    mutating func updateRankingTerms(_ ranking: BlendedRanking, at indices: some Sequence<Int>) {
        for i in indices {
            strengths[i] = ranking.strength(signals[i])
            postRates[i] = ranking.postRate(signals[i])
            bonusBounds[i] = Float(ranking.bonusUpperBound(signals[i]))
        }
    }

    mutating func computeRankingTerms(_ ranking: BlendedRanking) {
        strengths = signals.map { ranking.strength($0) }
        postRates = signals.map { ranking.postRate($0) }
        bonusBounds = signals.map { Float(ranking.bonusUpperBound($0)) }
    }

    /// Whether any filter narrows the pool (otherwise `filtered` returns it unchanged).
    static func narrows(_ filters: CreatorFilters) -> Bool {
        filters.minTier != nil || filters.maxTier != nil || filters.minGMV != nil || !filters.categories.isEmpty
            || filters.allow != nil || !filters.deny.isEmpty
    }

    /// The creators passing the global filters (tiers, GMV, categories, allow and deny lists).
    func filtered(by filters: CreatorFilters, catalog: ModelCatalog, categoryIndex: [String: Int32]) throws(MatchError) -> CandidatePool {
        guard Self.narrows(filters) else { return self }
        let platform = catalog.platform
        try filters.validate(platform: platform)
        let minFollowers = try filters.minTier.map { name throws(MatchError) in try Self.tier(named: name, platform).min_followers }
        let maxTierName = try filters.maxTier.map { name throws(MatchError) in try Self.tier(named: name, platform).name }
        let maxFollowersExclusive: Int? = maxTierName.flatMap { name in
            let sorted = platform.follower_tiers.sorted { $0.min_followers < $1.min_followers }
            guard let i = sorted.firstIndex(where: { $0.name == name }) else { return nil }
            return i + 1 < sorted.count ? sorted[i + 1].min_followers : nil
        }
        var wanted = Set<Int32>()
        for name in filters.categories {
            guard let category = catalog.taxonomy.category(named: name), let index = categoryIndex[category.name] else {
                throw MatchError(.invalidInput, "unknown category \"\(name)\"; use a platform category name from Models/taxonomy.json")
            }
            wanted.insert(index)
            for (i, other) in catalog.taxonomy.categories.enumerated() where other.parent == category.name {
                wanted.insert(Int32(i))
            }
        }
        var out = CandidatePool()
        out.total = total
        for i in ids.indices {
            if let minFollowers, followers[i] < minFollowers { continue }
            if let maxFollowersExclusive, followers[i] >= maxFollowersExclusive { continue }
            if let minGMV = filters.minGMV, (gmvMax[i] ?? -1) < minGMV { continue }
            if let allow = filters.allow, !allow.contains(ids[i]) { continue }
            if filters.deny.contains(ids[i]) { continue }
            if !wanted.isEmpty, !signals[i].categories.contains(where: { wanted.contains($0.index) && $0.share > 0 }) { continue }
            out.ids.append(ids[i])
            out.usernames.append(usernames[i])
            out.followers.append(followers[i])
            out.gmvMax.append(gmvMax[i])
            out.signals.append(signals[i])
            out.strengths.append(strengths[i])
            out.postRates.append(postRates[i])
            out.bonusBounds.append(bonusBounds[i])
            out.positions.append(positions[i])
        }
        return out
    }

    /// The creators at `indices` (ascending), keeping their order (so index order stays id order).
    func subset(_ indices: [Int]) -> CandidatePool {
        var out = CandidatePool()
        out.total = total
        out.ids = indices.map { ids[$0] }
        out.usernames = indices.map { usernames[$0] }
        out.followers = indices.map { followers[$0] }
        out.gmvMax = indices.map { gmvMax[$0] }
        out.signals = indices.map { signals[$0] }
        out.strengths = indices.map { strengths[$0] }
        out.postRates = indices.map { postRates[$0] }
        out.bonusBounds = indices.map { bonusBounds[$0] }
        out.positions = indices.map { positions[$0] }
        return out
    }

    /// A digest of everything a creator contributes to scores and entries: id, profile, signals and
    /// the normalized vector `row`.
    func contentDigest(_ i: Int, row: ArraySlice<Float>) -> UInt64 {
        var h = FNV1a64()
        h.combine(ids[i])
        h.combine(usernames[i])
        h.combine(followers[i])
        h.combine(gmvMax[i])
        let s = signals[i]
        h.combine(s.gmv)
        h.combine(s.gmvEstimated)
        h.combine(s.gpm)
        h.combine(s.postRate)
        h.combine(s.avgCommissionRate)
        h.combine(s.categories.count)
        for c in s.categories {
            h.combine(Int(c.index))
            h.combine(c.share)
        }
        h.combine(row)
        return h.state
    }

    /// Row position → kept, over all creators with a vector.
    var keepMask: [Bool] {
        var mask = [Bool](repeating: false, count: total)
        for p in positions { mask[p] = true }
        return mask
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

    /// The stored `{"category": share, …}` object as (taxonomy index, share), largest share first;
    /// unknown names and non-numbers are left out.
    static func parseCategories(_ json: String, categoryIndex: [String: Int32]) -> [(index: Int32, share: Float)] {
        var result: [(index: Int32, share: Float)] = []
        if let pairs = simpleObject(json) {
            for (name, share) in pairs {
                if let index = categoryIndex[name] { result.append((index, Float(share))) }
            }
        } else {
            guard case .object(let object)? = try? JSONLineParser.parse(Array(json.utf8)) else { return [] }
            for (name, value) in object {
                guard case .number(let share) = value, let index = categoryIndex[name] else { continue }
                result.append((index, Float(share)))
            }
        }
        return result.sorted { $0.share > $1.share || ($0.share == $1.share && $0.index < $1.index) }
    }

    /// The fast path of `parseCategories`: an object of plain keys (no escapes) and plain decimal
    /// numbers, as the importer stores them, read without building JSON values. Anything else
    /// returns nil and goes through the full parser (which gives the same pairs).
    static func simpleObject(_ json: String) -> [(String, Double)]? {
        var json = json
        return json.withUTF8 { b -> [(String, Double)]? in
            var i = 0
            let n = b.count
            func skipSpace() { while i < n, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 } }
            skipSpace()
            guard i < n, b[i] == UInt8(ascii: "{") else { return nil }
            i += 1
            var pairs: [(String, Double)] = []
            skipSpace()
            if i < n, b[i] == UInt8(ascii: "}") { i += 1; skipSpace(); return i == n ? pairs : nil }
            while true {
                skipSpace()
                guard i < n, b[i] == UInt8(ascii: "\"") else { return nil }
                i += 1
                let keyStart = i
                while i < n, b[i] != UInt8(ascii: "\""), b[i] != UInt8(ascii: "\\"), b[i] >= 0x20 { i += 1 }
                guard i < n, b[i] == UInt8(ascii: "\"") else { return nil }
                let key = String(decoding: UnsafeBufferPointer(rebasing: b[keyStart..<i]), as: UTF8.self)
                i += 1
                skipSpace()
                guard i < n, b[i] == UInt8(ascii: ":") else { return nil }
                i += 1
                skipSpace()
                // A JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
                let numberStart = i
                func digits() -> Int {
                    let start = i
                    while i < n, b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") { i += 1 }
                    return i - start
                }
                if i < n, b[i] == UInt8(ascii: "-") { i += 1 }
                let leadingZero = i < n && b[i] == UInt8(ascii: "0")
                let integer = digits()
                guard integer > 0, !(leadingZero && integer > 1) else { return nil }
                if i < n, b[i] == UInt8(ascii: ".") { i += 1; guard digits() > 0 else { return nil } }
                if i < n, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
                    i += 1
                    if i < n, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
                    guard digits() > 0 else { return nil }
                }
                guard let value = Double(String(decoding: UnsafeBufferPointer(rebasing: b[numberStart..<i]), as: UTF8.self)), value.isFinite,
                      !pairs.contains(where: { $0.0 == key }) else { return nil }
                pairs.append((key, value))
                skipSpace()
                guard i < n else { return nil }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                guard b[i] == UInt8(ascii: "}") else { return nil }
                i += 1
                skipSpace()
                return i == n ? pairs : nil
            }
        }
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
