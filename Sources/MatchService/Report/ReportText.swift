import Foundation
import MatchCore

/// The performance report for the terminal.
public enum ReportText {
    public static func render(_ report: PerformanceReport) -> String {
        let s = report.summary
        var out = "Performance \(report.from) to \(report.to)\(report.shop.map { ", shop " + $0 } ?? ", all shops")\n"
        out += "  GMV \(SampleService.money(s.gmv)) from \(s.orders) orders; \(s.products_promoted) of \(s.products) products promoted by \(s.creators_with_sales) creators\n"
        out += "  invitations: \(s.invitations_sent) sent, \(s.invitations_answered) answered, \(s.invitations_accepted) accepted (\(s.acceptance_rate.map(ReportHTML.percent) ?? "–"))\n"
        out += "\nActions (\(report.actions.count))\n"
        if report.actions.isEmpty { out += "  none: nothing crossed the thresholds in Models/report.json\n" }
        var shown: [String: Int] = [:]
        for (i, action) in report.actions.enumerated() {
            shown[action.kind, default: 0] += 1
            let count = shown[action.kind]!
            let total = report.actions.filter { $0.kind == action.kind }.count
            if count > 10 {
                if count == 11 { out += "     … \(total - 10) more \(action.kind.replacingOccurrences(of: "_", with: " ")) actions (--format json or --html lists all)\n" }
                continue
            }
            out += "  \(i + 1). [\(action.kind.replacingOccurrences(of: "_", with: " "))] \(action.title)\n"
            for line in action.evidence { out += "       - \(line)\n" }
        }
        out += "\nCreators by GMV\n"
        for c in report.creators_by_gmv.prefix(10) {
            out += "  \(c.creator_id)\(c.username.map { " @" + $0 } ?? "") (\(c.tier ?? "–")): \(SampleService.money(c.gmv)), \(c.orders) orders, \(c.invitations) invitations\n"
        }
        out += "\nCreators by GMV per invitation\n"
        for c in report.creators_by_gmv_per_invitation.prefix(10) {
            out += "  \(c.creator_id)\(c.username.map { " @" + $0 } ?? ""): \(SampleService.money(c.gmv_per_invitation ?? 0)) per invitation (\(c.invitations) invitations, \(SampleService.money(c.gmv)))\n"
        }
        out += "\nAcceptance and rates by category\n"
        for (acceptance, rates) in zip(report.acceptance_by_category, report.rate_vs_outcome) where acceptance.sent > 0 || !rates.bins.isEmpty {
            let bins = rates.bins.map { "\(CommissionRate.formatPercent($0.rate)): \($0.acceptance_rate.map(ReportHTML.percent) ?? "–") accepted, \(SampleService.money($0.gmv_per_product))/product" }
            out += "  \(acceptance.category): \(acceptance.accepted) of \(acceptance.answered) accepted (\(acceptance.acceptance_rate.map(ReportHTML.percent) ?? "–"))\(rates.suggested_rate.map { "; suggested rate \(CommissionRate.formatPercent($0))" } ?? "")\n"
            if !bins.isEmpty { out += "    " + bins.joined(separator: " · ") + "\n" }
        }
        out += "\nGMV by creator tier\n"
        for tier in report.gmv_by_tier { out += "  \(tier.tier): \(SampleService.money(tier.gmv)) (\(tier.creators) creators)\n" }
        let notPromoted = report.products.filter { !$0.promoted }
        out += "\nProducts not promoted (\(notPromoted.count))\n"
        for p in notPromoted.prefix(20) { out += "  \(p.product_id) (\(p.category)): \(p.invitations_sent) invitations, \(p.invitations_accepted) accepted\n" }
        if notPromoted.count > 20 { out += "  … \(notPromoted.count - 20) more (--format json lists all)\n" }
        out += "\nShortlist health over runs\n"
        if report.shortlist_health.isEmpty { out += "  no published run yet\n" }
        for run in report.shortlist_health {
            out += "  run \(run.run_id) (\(run.as_of)): \(run.products) products, \(run.distinct_creators) creators, mean score \(run.mean_score.map { ReasonWriter.decimal($0, 3) } ?? "–")\(run.new_share.map { ", \(ReportHTML.percent($0)) new" } ?? "")\n"
        }
        return out
    }
}
