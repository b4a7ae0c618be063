/// Bounds how many shortlists of one request a creator may appear in. Candidates are taken best score
/// first across all products (ties: product order, then creator index); a product takes a candidate
/// while it has fewer than `k` and the creator is in fewer than `maxLists` shortlists, so a popular
/// creator stays where they score best and other products refill from deeper candidates.
public enum ConcentrationCap {
    /// `candidates`: per product, ranked candidates (deeper than `k` to leave room to refill).
    public static func select(_ candidates: [[ScoredIndex]], k: Int, maxLists: Int) -> [[ScoredIndex]] {
        guard maxLists < candidates.count else { return candidates.map { Array($0.prefix(k)) } }
        var all: [(p: Int, c: ScoredIndex)] = []
        for (p, list) in candidates.enumerated() { for c in list { all.append((p, c)) } }
        all.sort { a, b in
            a.c.score > b.c.score || (a.c.score == b.c.score && (a.p < b.p || (a.p == b.p && a.c.index < b.c.index)))
        }
        var out = [[ScoredIndex]](repeating: [], count: candidates.count)
        var uses: [Int32: Int] = [:]
        for (p, c) in all where out[p].count < k && uses[c.index, default: 0] < maxLists {
            out[p].append(c)
            uses[c.index, default: 0] += 1
        }
        return out
    }

    /// The most shortlists one creator may be in: `share` of `lists`, at least 1; no cap (all `lists`)
    /// below `fromLists`.
    public static func maxLists(share: Double, lists: Int, fromLists: Int = 0) -> Int {
        lists < fromLists ? lists : max(1, Int((share * Double(lists)).rounded(.down)))
    }
}
