import Foundation
import MatchCore

/// Writes the reasons of a shortlist entry from the parts of its actual score: the parts that
/// contributed most come first, then the filters the creator passed.
struct ReasonWriter {
    let models: ModelCatalog
    let ranking: BlendedRanking
    let filters: CreatorFilters
    let recentDays: Int

    /// The filters in force, as people read them.
    var filterDescriptions: [String] {
        var out = ["not yet invited to this product"]
        if recentDays > 0 { out.append("not invited by this shop in the last \(recentDays) days") }
        if filters.excludeDeclined { out.append("never declined this shop") }
        if filters.minTier != nil || filters.maxTier != nil {
            out.append("follower tier \(filters.minTier ?? "any") to \(filters.maxTier ?? "any")")
        }
        if let minGMV = filters.minGMV { out.append("30-day GMV at least \(Self.amount(minGMV))") }
        if !filters.categories.isEmpty { out.append("sells in \(filters.categories.joined(separator: " or "))") }
        if let allow = filters.allow { out.append("on the allow list (\(allow.count))") }
        if !filters.deny.isEmpty { out.append("not on the deny list (\(filters.deny.count))") }
        return out
    }

    /// The reasons of one entry. `share` is the creator's share of GMV in the product's `category`;
    /// `blocks` and `profileNote`, with profile vectors, split the cosine by block and say it in words.
    func reasons(category: String, share: Double, offeredRate: Int?, creator: CreatorSignals, followers: Int, similarity: Double, parts: ScoreParts?, blocks: [FeatureBlock: Double]? = nil, profileNote: String? = nil) -> [String] {
        var scored: [(Double, String)] = []
        let fitWord = similarity >= 0.7 ? "strong" : similarity >= 0.4 ? "good" : similarity >= 0.1 ? "some" : "weak"
        var fit = "\(fitWord) profile fit with this product (cosine \(Self.decimal(similarity, 2))"
        if let blocks {
            let named: [FeatureBlock: String] = [.category: "category", .audience: "audience", .price: "price band", .content: "content type"]
            fit += " = " + FeatureBlock.allCases.sorted { (blocks[$0] ?? 0, $1.rawValue) > (blocks[$1] ?? 0, $0.rawValue) }
                .map { "\(named[$0]!) \(Self.decimal(blocks[$0] ?? 0, 2))" }.joined(separator: " + ")
        }
        scored.append((parts?.similarity ?? 1, fit + ")" + (profileNote.map { ": " + $0 } ?? "")))
        var sales: String
        if share > 0 {
            sales = "sells \(category): \(Int((share * 100).rounded()))% of a 30-day GMV of \(creator.gmvEstimated ? "~" : "")\(Self.amount(creator.gmv))"
            if let gpm = creator.gpm { sales += ", GPM \(Self.decimal(gpm, 1))" }
            if creator.gmvEstimated { sales += " (GMV missing, estimated from followers)" }
        } else {
            sales = "no sales in \(category) or a related category yet"
        }
        scored.append((parts?.salesStrength ?? 0, sales))
        if let rate = creator.postRate {
            scored.append((parts?.postRate ?? 0, "posts for \(Int((rate * 100).rounded()))% of the products they take on"))
        } else {
            scored.append((parts?.postRate ?? 0, "post rate unknown (assumed \(Int((models.ranking.post_rate.missing * 100).rounded()))%)"))
        }
        let commission: String
        switch (creator.avgCommissionRate, offeredRate) {
        case let (average?, offered?) where offered >= average:
            commission = "their average commission \(CommissionRate.formatPercent(average)) is at or below the suggested \(CommissionRate.formatPercent(offered)) for this invitation"
        case let (average?, offered?):
            commission = "their average commission \(CommissionRate.formatPercent(average)) is above the suggested \(CommissionRate.formatPercent(offered)) for this invitation; offer more to win them"
        case (nil, _):
            commission = "their average commission is unknown"
        case (_, nil):
            commission = "no rate to compare with their average commission"
        }
        scored.append((parts?.commissionFit ?? 0, commission))
        let tier = models.platform.tier(followers: followers)?.name ?? "below \(models.platform.follower_tiers.first?.name ?? "nano")"
        var out = scored.enumerated().sorted { ($0.element.0, -$0.offset) > ($1.element.0, -$1.offset) }.map(\.element.1)
        out.append("\(tier) creator, \(Self.amount(Double(followers))) followers")
        out.append("passed filters: " + filterDescriptions.joined(separator: "; "))
        return out
    }

    /// `value` with `digits` decimals (0–3), rounded half away from zero; String(format:) is slow
    /// on Linux and this runs for every reason of every entry.
    static func decimal(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite, abs(value) < 1e15 else { return String(format: "%.\(digits)f", value) }
        let scale = [1, 10, 100, 1000][min(max(digits, 0), 3)]
        let scaled = Int((abs(value) * Double(scale)).rounded())
        let sign = value < 0 && scaled != 0 ? "-" : ""
        guard digits > 0 else { return sign + String(scaled) }
        let fraction = String(scaled % scale)
        return sign + String(scaled / scale) + "." + String(repeating: "0", count: min(digits, 3) - fraction.count) + fraction
    }

    /// 950, 12.3k, 4.5M.
    static func amount(_ value: Double) -> String {
        switch abs(value) {
        case 1_000_000...: return "\(decimal(value / 1_000_000, 1))M"
        case 10_000...: return "\(Int((value / 1000).rounded()))k"
        case 1_000...: return "\(decimal(value / 1000, 1))k"
        default: return "\(Int(value.rounded()))"
        }
    }
}
