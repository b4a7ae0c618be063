import Foundation
import Testing

/// The seller's loop run as a seller would: import sample requests, triage, policy, report.
@Suite struct SellerLoopCLITests {
    let cli = CLI()

    func seed() throws {
        let demo = try cli.run(["demo", "--out", cli.path("demo"), "--creators", "1500", "--products", "40", "--vector-dim", "16", "--as-of", "2026-11-25"], withDB: false)
        #expect(demo.status == 0, "\(demo.stderr)")
        for entity in ["shops", "products", "creators", "outcomes", "invitations", "sample_requests"] {
            let result = try cli.run(["import", entity, cli.path("demo/\(entity).jsonl")])
            #expect(result.status == 0, "\(entity): \(result.stderr)")
        }
    }

    @Test func samplesAndTheReportRunOnADemoMarket() throws {
        try seed()
        let triage = try cli.run(["samples", "triage", "--as-of", "2026-11-25", "--format", "json"])
        #expect(triage.status == 0, "\(triage.stderr)")
        struct Triage: Decodable { let pending: Int; let approve: Int; let reject: Int; struct D: Decodable { let recommendation: String; let reasons: [String] }; let decisions: [D] }
        let report = try JSONDecoder().decode(Triage.self, from: Data(triage.stdout.utf8))
        #expect(report.pending > 0)
        #expect(report.approve + report.reject == report.pending)
        #expect(report.decisions.allSatisfy { !$0.reasons.isEmpty })
        let csv = try cli.run(["samples", "triage", "--as-of", "2026-11-25", "--format", "csv"]).stdout.split(separator: "\n")
        #expect(csv.first?.hasPrefix("request_id,creator_id,product_id,recommendation") == true)
        #expect(csv.count == report.pending + 1)

        let policy = try cli.run(["samples", "policy", "--as-of", "2026-11-25", "--out", cli.path("policy.json")])
        #expect(policy.status == 0, "\(policy.stderr)")
        #expect(policy.stdout.contains("auto-approve followers ≥"))
        let exported = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: cli.path("policy.json")))) as? [String: Any]
        #expect((exported?["policies"] as? [Any])?.isEmpty == false)

        #expect(try cli.run(["rescore", "--as-of", "2026-11-25", "--limit", "10", "--quiet"]).status == 0)
        let text = try cli.run(["report", "--from", "2026-10-27", "--to", "2026-11-25", "--html", cli.path("report.html")])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("Performance 2026-10-27 to 2026-11-25"))
        #expect(text.stdout.contains("Shortlist health over runs"))
        let html = try String(contentsOfFile: cli.path("report.html"), encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("</html>"))
        #expect(!html.contains("<script") && !html.contains("src=\"http"))
    }

    @Test func aBadSampleRequestNamesTheLineAndFieldAndWritesNothing() throws {
        try seed()
        try """
            {"id":"ok-1","creator_id":"cr-0000001","product_id":"p-000001","requested_at":"2026-11-25","status":"pending","fulfillment_rate":0.8}
            {"id":"bad-1","creator_id":"cr-0000001","product_id":"p-000001","requested_at":"2026-11-25","status":"pending","fulfillment_rate":1.5}
            {"id":"bad-2","creator_id":"cr-0000001","product_id":"p-000001","requested_at":"yesterday","status":"pending"}
            {"id":"bad-3","creator_id":"cr-nobody","product_id":"p-000001","requested_at":"2026-11-25","status":"pending"}
            """.write(toFile: cli.path("requests.jsonl"), atomically: true, encoding: .utf8)
        let before = try cli.run(["samples", "triage", "--as-of", "2026-11-25", "--format", "json"]).stdout
        let result = try cli.run(["import", "sample_requests", cli.path("requests.jsonl")])
        #expect(result.status == 1)
        #expect(result.stderr.contains("requests.jsonl line 2"))
        #expect(result.stderr.contains("fulfillment_rate"))
        #expect(result.stderr.contains("line 3") && result.stderr.contains("requested_at"))
        #expect(result.stderr.contains("line 4") && result.stderr.contains("cr-nobody"))
        #expect(try cli.run(["samples", "triage", "--as-of", "2026-11-25", "--format", "json"]).stdout == before)
    }
}
