import Foundation
import MatchCore

/// The performance report as one self-contained HTML page: inline CSS and SVG charts, no script and
/// nothing fetched, so it opens in any browser without a network.
public enum ReportHTML {
    public static func render(_ report: PerformanceReport) -> String {
        var body = ""
        let s = report.summary
        body += "<h1>CreatorMatch performance report</h1>"
        body += "<p class=\"sub\">\(esc(report.from)) to \(esc(report.to))\(report.shop.map { " · shop " + esc($0) } ?? " · all shops")</p>"
        body += "<div class=\"cards\">"
        for (label, value) in [
            ("GMV", SampleService.money(s.gmv)), ("orders", "\(s.orders)"), ("products promoted", "\(s.products_promoted) of \(s.products)"),
            ("creators with sales", "\(s.creators_with_sales)"), ("invitations sent", "\(s.invitations_sent)"),
            ("acceptance", s.acceptance_rate.map(percent) ?? "–"),
        ] {
            body += "<div class=\"card\"><div class=\"v\">\(esc(value))</div><div class=\"l\">\(esc(label))</div></div>"
        }
        body += "</div>"

        body += "<h2>Actions</h2>"
        if report.actions.isEmpty {
            body += "<p>No action: nothing crossed the thresholds in Models/report.json.</p>"
        } else {
            // One foldable list per kind, open, so the charts below stay a scroll away.
            let kinds = ["raise_rate", "lower_rate", "remove_product", "reinvite_creator", "stop_inviting"]
            for kind in kinds {
                let group = report.actions.filter { $0.kind == kind }
                guard !group.isEmpty else { continue }
                body += "<details\(group.count <= 8 ? " open" : "")><summary><span class=\"tag \(kind)\">\(esc(kind.replacingOccurrences(of: "_", with: " ")))</span> \(group.count) action\(group.count == 1 ? "" : "s")</summary><ol class=\"actions\">"
                for action in group.prefix(Self.rowsShown) {
                    body += "<li>\(esc(action.title))<ul>"
                    for line in action.evidence { body += "<li>\(esc(line))</li>" }
                    body += "</ul></li>"
                }
                body += "</ol>"
                if group.count > Self.rowsShown { body += "<p class=\"sub\">… \(group.count - Self.rowsShown) more (creatormatch report --format json lists all)</p>" }
                body += "</details>"
            }
        }

        body += "<h2>Commission rate and uptake, by category</h2><p class=\"sub\">Bars: acceptance of answered invitations per rate bin (grey: none answered); label: GMV per product in the period; hover a bar for the counts. The dashed line marks the suggested rate.</p><div class=\"grid\">"
        for category in report.rate_vs_outcome where !category.bins.isEmpty {
            body += "<figure>" + rateChart(category) + "<figcaption>\(esc(category.category))</figcaption></figure>"
        }
        body += "</div>"

        body += "<h2>GMV by creator tier</h2>" + tierChart(report.gmv_by_tier)
        body += "<h2>Shortlist health over runs</h2>" + healthChart(report.shortlist_health)

        body += "<h2>Creators by GMV</h2>" + creatorTable(report.creators_by_gmv)
        body += "<h2>Creators by GMV per invitation</h2>" + creatorTable(report.creators_by_gmv_per_invitation)

        body += "<h2>Acceptance by category</h2><table><tr><th>category</th><th>sent</th><th>answered</th><th>accepted</th><th>acceptance</th></tr>"
        for row in report.acceptance_by_category {
            body += "<tr><td>\(esc(row.category))</td><td>\(row.sent)</td><td>\(row.answered)</td><td>\(row.accepted)</td><td>\(row.acceptance_rate.map(percent) ?? "–")</td></tr>"
        }
        body += "</table>"

        body += "<h2>Products</h2><table><tr><th>product</th><th>category</th><th>rate</th><th>invitations</th><th>accepted</th><th>creators with sales</th><th>orders</th><th>GMV</th></tr>"
        // The promoted products by GMV, then the ones not promoted; a long catalog is cut (JSON has all).
        let promoted = report.products.filter(\.promoted)
        let idle = report.products.filter { !$0.promoted }
        for p in promoted.prefix(Self.rowsShown) + idle.prefix(Self.rowsShown) {
            body += "<tr class=\"\(p.promoted ? "" : "dim")\"><td>\(esc(p.product_id))\(p.title.map { "<br><small>" + esc($0) + "</small>" } ?? "")</td><td>\(esc(p.category))</td><td>\(p.commission_rate.map(CommissionRate.formatPercent) ?? "–")</td><td>\(p.invitations_sent)</td><td>\(p.invitations_accepted)</td><td>\(p.creators_with_sales)</td><td>\(p.orders)</td><td>\(esc(SampleService.money(p.gmv)))</td></tr>"
        }
        body += "</table>"
        if promoted.count > Self.rowsShown || idle.count > Self.rowsShown {
            body += "<p class=\"sub\">Showing \(min(promoted.count, Self.rowsShown)) of \(promoted.count) promoted and \(min(idle.count, Self.rowsShown)) of \(idle.count) not promoted products; creatormatch report --format json lists all.</p>"
        }
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>CreatorMatch report \(esc(report.from)) to \(esc(report.to))</title>
            <style>
            body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1d2330}
            h1{margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #dde2ea;padding-bottom:.3rem}
            .sub{color:#5b6475;margin-top:0}.cards{display:flex;flex-wrap:wrap;gap:.8rem}
            .card{border:1px solid #dde2ea;border-radius:8px;padding:.6rem 1rem;min-width:8rem}.card .v{font-size:1.4rem;font-weight:600}.card .l{color:#5b6475}
            table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eef1f5;vertical-align:top}
            th{background:#f6f8fb}tr.dim td{color:#8a93a3}.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:1rem}
            figure{margin:0;border:1px solid #eef1f5;border-radius:8px;padding:.5rem}figcaption{text-align:center;color:#3b4456}
            .actions>li{margin-bottom:.6rem}details{margin:.4rem 0}summary{cursor:pointer;font-weight:600}.tag{display:inline-block;border-radius:4px;padding:0 .4rem;font-size:.8rem;color:#fff;background:#5b6475}
            .tag.raise_rate{background:#1f7a4d}.tag.lower_rate{background:#a15c00}.tag.remove_product{background:#b3261e}.tag.reinvite_creator{background:#1d5fbf}.tag.stop_inviting{background:#6b3fa0}
            svg text{font:11px system-ui,sans-serif;fill:#3b4456}svg text.small{font-size:9px}
            </style></head><body>
            \(body)
            <p class="sub">Generated by creatormatch report. Thresholds: Models/report.json; commission suggestions: Models/commission.json.</p>
            </body></html>
            """
    }

    /// Rows per action kind and per product table shown in the page.
    static let rowsShown = 200

    static func esc(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    static func percent(_ share: Double) -> String { "\(Int((share * 100).rounded()))%" }

    static func number(_ value: Double) -> String { ReasonWriter.decimal(value, 1) }

    /// Acceptance per rate bin as bars, GMV per product as labels, the suggested rate dashed.
    static func rateChart(_ category: PerformanceReport.CategoryRates) -> String {
        let width = 320.0, height = 180.0, left = 34.0, bottom = 28.0, top = 16.0
        let bins = category.bins
        let slot = (width - left - 8) / Double(max(1, bins.count))
        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"100%\" role=\"img\" aria-label=\"acceptance by commission rate in \(esc(category.category))\">"
        let plot = height - bottom - top
        for tick in [0.0, 0.5, 1.0] {
            let y = top + plot * (1 - tick)
            svg += "<line x1=\"\(left)\" x2=\"\(width - 8)\" y1=\"\(number(y))\" y2=\"\(number(y))\" stroke=\"#eef1f5\"/><text x=\"2\" y=\"\(number(y + 4))\">\(percent(tick))</text>"
        }
        for (i, bin) in bins.enumerated() {
            let x = left + Double(i) * slot + slot * 0.15
            let share = bin.acceptance_rate ?? 0
            let h = plot * share
            svg += "<rect x=\"\(number(x))\" y=\"\(number(top + plot - h))\" width=\"\(number(slot * 0.7))\" height=\"\(number(h))\" fill=\"\(bin.acceptance_rate == nil ? "#d5dae3" : "#1d5fbf")\"><title>\(CommissionRate.formatPercent(bin.rate)): \(bin.products) products, \(bin.accepted) of \(bin.answered) accepted, GMV \(esc(SampleService.money(bin.gmv)))</title></rect>"
            if slot >= 34 {
                svg += "<text x=\"\(number(x + slot * 0.35))\" y=\"\(number(top + plot - h - 3))\" text-anchor=\"middle\" class=\"small\">$\(esc(ReasonWriter.amount(bin.gmv_per_product)))</text>"
            }
            svg += "<text x=\"\(number(x + slot * 0.35))\" y=\"\(number(height - 10))\" text-anchor=\"middle\">\(CommissionRate.formatPercent(bin.rate))</text>"
        }
        if let suggested = category.suggested_rate, let first = bins.first?.rate, let last = bins.last?.rate {
            let span = Double(max(1, last - first))
            let position = bins.count == 1 ? 0.5 : min(1, max(0, Double(suggested - first) / span))
            let x = left + slot * 0.5 + position * (Double(bins.count - 1) * slot)
            svg += "<line x1=\"\(number(x))\" x2=\"\(number(x))\" y1=\"\(top)\" y2=\"\(number(top + plot))\" stroke=\"#1f7a4d\" stroke-dasharray=\"4 3\"/><text x=\"\(number(x + 3))\" y=\"\(number(top + 8))\" fill=\"#1f7a4d\">suggested \(CommissionRate.formatPercent(suggested))</text>"
        }
        return svg + "</svg>"
    }

    static func tierChart(_ tiers: [PerformanceReport.TierLine]) -> String {
        guard !tiers.isEmpty else { return "<p>No sales in the period.</p>" }
        let maxGMV = max(1, tiers.map(\.gmv).max() ?? 1)
        let row = 26.0, left = 110.0, width = 700.0
        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(row * Double(tiers.count) + 8))\" width=\"100%\" role=\"img\" aria-label=\"GMV by creator tier\">"
        for (i, tier) in tiers.enumerated() {
            let y = 4 + Double(i) * row
            let w = (width - left - 160) * tier.gmv / maxGMV
            svg += "<text x=\"0\" y=\"\(number(y + 15))\">\(esc(tier.tier))</text><rect x=\"\(left)\" y=\"\(number(y))\" width=\"\(number(max(1, w)))\" height=\"18\" fill=\"#1f7a4d\"/>"
            svg += "<text x=\"\(number(left + w + 6))\" y=\"\(number(y + 14))\">\(esc(SampleService.money(tier.gmv))) · \(tier.creators) creator\(tier.creators == 1 ? "" : "s")</text>"
        }
        return svg + "</svg>"
    }

    static func healthChart(_ runs: [PerformanceReport.RunHealth]) -> String {
        guard !runs.isEmpty else { return "<p>No published run yet: run <code>creatormatch rescore</code>.</p>" }
        let width = 700.0, height = 200.0, left = 40.0, bottom = 30.0, top = 12.0
        let plot = height - top - bottom
        let step = runs.count > 1 ? (width - left - 20) / Double(runs.count - 1) : 0
        func x(_ i: Int) -> Double { runs.count > 1 ? left + Double(i) * step : left + (width - left) / 2 }
        func y(_ v: Double) -> Double { top + plot * (1 - min(1, max(0, v))) }
        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"100%\" role=\"img\" aria-label=\"shortlist health over runs\">"
        for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
            svg += "<line x1=\"\(left)\" x2=\"\(width - 10)\" y1=\"\(number(y(tick)))\" y2=\"\(number(y(tick)))\" stroke=\"#eef1f5\"/><text x=\"2\" y=\"\(number(y(tick) + 4))\">\(ReasonWriter.decimal(tick, 2))</text>"
        }
        func line(_ values: [(Int, Double)], _ color: String, _ name: String) -> String {
            guard !values.isEmpty else { return "" }
            var out = "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"" + values.map { "\(number(x($0.0))),\(number(y($0.1)))" }.joined(separator: " ") + "\"/>"
            for (i, v) in values { out += "<circle cx=\"\(number(x(i)))\" cy=\"\(number(y(v)))\" r=\"3\" fill=\"\(color)\"><title>run \(runs[i].run_id) (\(esc(runs[i].as_of))): \(name) \(ReasonWriter.decimal(v, 3))</title></circle>" }
            return out
        }
        svg += line(runs.enumerated().compactMap { i, r in r.mean_score.map { (i, $0) } }, "#1d5fbf", "mean score")
        svg += line(runs.enumerated().compactMap { i, r in r.new_share.map { (i, $0) } }, "#a15c00", "new share")
        for (i, run) in runs.enumerated() where runs.count <= 12 || i % max(1, runs.count / 12) == 0 {
            svg += "<text x=\"\(number(x(i)))\" y=\"\(number(height - 10))\" text-anchor=\"middle\">run \(run.run_id)</text>"
        }
        svg += "<text x=\"\(number(width - 250))\" y=\"12\" fill=\"#1d5fbf\">— mean score of shortlisted creators</text><text x=\"\(number(width - 250))\" y=\"26\" fill=\"#a15c00\">— share new since the run before</text>"
        return svg + "</svg>"
    }

    static func creatorTable(_ lines: [PerformanceReport.CreatorLine]) -> String {
        guard !lines.isEmpty else { return "<p>No creator sold in the period.</p>" }
        var out = "<table><tr><th>creator</th><th>tier</th><th>invitations</th><th>accepted</th><th>products sold</th><th>orders</th><th>GMV</th><th>GMV per invitation</th></tr>"
        for c in lines {
            out += "<tr><td>\(esc(c.creator_id))\(c.username.map { "<br><small>@" + esc($0) + "</small>" } ?? "")</td><td>\(esc(c.tier ?? "–"))</td><td>\(c.invitations)</td><td>\(c.accepted)</td><td>\(c.products_sold)</td><td>\(c.orders)</td><td>\(esc(SampleService.money(c.gmv)))</td><td>\(c.gmv_per_invitation.map { esc(SampleService.money($0)) } ?? "–")</td></tr>"
        }
        return out + "</table>"
    }
}
