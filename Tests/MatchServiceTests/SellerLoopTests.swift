import Foundation
import MatchCore
import MatchStore
import Testing
@testable import MatchService

/// Samples and the performance report on a constructed market where the right answers are known.
@Suite struct SellerLoopTests {
    let workspace = makeWorkspace()
    let models = try! ModelCatalog.load(from: repositoryModels)
    let asOf = Day(year: 2026, month: 11, day: 25)!

    func importLines(_ database: MatchDatabase, _ kind: EntityKind, _ lines: [String]) throws {
        let url = workspace.appendingPathComponent("\(kind.rawValue)-\(UUID().uuidString).jsonl")
        write(lines, to: url)
        _ = try ImportService(database: database, models: models, clock: FixedClock(day: asOf)).importFile(kind, path: url.path)
    }

    /// One shop; Skincare products at a too-low rate (p-lowrate), a normal rate that sells (p-good),
    /// one nobody takes (p-dead) and one nobody was invited to (p-other); a Food & Beverages product
    /// paying far above its category (p-high). c-seller sells, c-ghost accepts and never sells.
    func market() throws -> MatchDatabase {
        let database = try MatchDatabase(path: workspace.appendingPathComponent("loop.sqlite").path)
        try importLines(database, .shops, [#"{"id":"s1","rating":4.6,"status":"active"}"#])
        func product(_ id: String, _ category: String, _ rate: Int, vector: String = "[1,0,0,0]") -> String {
            #"{"id":"\#(id)","shop_id":"s1","title":"\#(id) title","category":"\#(category)","price":20,"status":"live","commission_rate":\#(rate),"margin_rate":6000,"vector":\#(vector)}"#
        }
        try importLines(database, .products, [
            product("p-lowrate", "Skincare", 500), product("p-good", "Skincare", 2000), product("p-dead", "Skincare", 2000),
            product("p-other", "Skincare", 2000), product("p-high", "Food & Beverages", 4000, vector: "[0,1,0,0]"),
        ])
        var creators = [
            #"{"id":"c-seller","username":"glowdaily","followers":50000,"categories":{"Skincare":0.9,"Makeup":0.1},"gmv_30d":20000,"vector":[1,0.1,0,0]}"#,
            #"{"id":"c-ghost","username":"ghost","followers":8000,"categories":{"Skincare":1},"gmv_30d":300,"vector":[1,0,0.1,0]}"#,
            #"{"id":"c-fitness","username":"liftheavy","followers":90000,"categories":{"Sports & Outdoor":1},"gmv_30d":40000,"vector":[0,0,1,0]}"#,
            #"{"id":"c-flaky","username":"flaky","followers":30000,"categories":{"Skincare":1},"gmv_30d":9000,"vector":[1,0,0,0.2]}"#,
        ]
        for i in 1...6 { creators.append(#"{"id":"c-no\#(i)","followers":\#(1000 * i),"categories":{"Skincare":1},"gmv_30d":\#(100 * i),"vector":[1,0,0,0]}"#) }
        for i in 1...10 { creators.append(#"{"id":"c-past\#(i)","followers":\#(i <= 5 ? 500 : 40000),"categories":{"Skincare":1},"gmv_30d":\#(i <= 5 ? 50 : 8000),"vector":[1,0,0,0]}"#) }
        try importLines(database, .creators, creators)
        var invitations: [String] = []
        for i in 1...6 {
            invitations.append(#"{"creator_id":"c-no\#(i)","product_id":"p-dead","sent_at":"2026-11-0\#(i)T09:00:00Z","status":"\#(i % 2 == 0 ? "declined" : "expired")"}"#)
        }
        invitations += [
            #"{"creator_id":"c-seller","product_id":"p-good","sent_at":"2026-11-02","status":"accepted"}"#,
            #"{"creator_id":"c-ghost","product_id":"p-good","sent_at":"2026-11-03","status":"accepted"}"#,
            #"{"creator_id":"c-ghost","product_id":"p-lowrate","sent_at":"2026-11-04","status":"accepted"}"#,
        ]
        try importLines(database, .invitations, invitations)
        var outcomes = [#"{"creator_id":"c-seller","product_id":"p-good","date":"2026-11-10","orders":25,"gmv":500,"commission_rate":2000}"#]
        // Past samples: the five big creators posted and sold within the window, the five small ones did not.
        var samples: [String] = []
        for i in 1...10 {
            let big = i > 5
            samples.append(#"{"id":"past-\#(i)","creator_id":"c-past\#(i)","product_id":"p-good","requested_at":"2026-10-0\#(i % 9 + 1)","status":"\#(big ? "posted" : "not_posted")","followers":\#(big ? 40000 : 500),"gmv_30d":\#(big ? 8000 : 50),"content_count":10,"fulfillment_rate":\#(big ? 0.9 : 0.3)}"#)
            if big { outcomes.append(#"{"creator_id":"c-past\#(i)","product_id":"p-good","date":"2026-10-20","orders":10,"gmv":\#(100 * i),"commission_rate":2000}"#) }
        }
        samples += [
            #"{"id":"flaky-old-1","creator_id":"c-flaky","product_id":"p-good","requested_at":"2026-09-01","status":"not_posted","followers":30000,"gmv_30d":9000,"content_count":10,"fulfillment_rate":0.2}"#,
            #"{"id":"flaky-old-2","creator_id":"c-flaky","product_id":"p-lowrate","requested_at":"2026-09-02","status":"not_posted","followers":30000,"gmv_30d":9000,"content_count":10,"fulfillment_rate":0.2}"#,
            #"{"id":"r-good","creator_id":"c-seller","product_id":"p-other","requested_at":"2026-11-24T10:00:00Z","status":"pending","followers":50000,"gmv_30d":20000,"content_count":20,"median_video_views":12000,"fulfillment_rate":0.9}"#,
            #"{"id":"r-mismatch","creator_id":"c-fitness","product_id":"p-other","requested_at":"2026-11-24T11:00:00Z","status":"pending","followers":90000,"gmv_30d":40000,"content_count":30,"fulfillment_rate":0.95}"#,
            #"{"id":"r-flaky","creator_id":"c-flaky","product_id":"p-other","requested_at":"2026-11-24T12:00:00Z","status":"pending","followers":30000,"gmv_30d":9000,"content_count":10,"fulfillment_rate":0.2}"#,
        ]
        try importLines(database, .outcomes, outcomes)
        try importLines(database, .sampleRequests, samples)
        return database
    }

    @Test func triageApprovesTheProvenCreatorAndSaysWhyTheOthersAreRejected() throws {
        let database = try market()
        let report = try SampleService(database: database, models: models).triage(asOf: asOf)
        #expect(report.pending == 3)
        let byID = Dictionary(uniqueKeysWithValues: report.decisions.map { ($0.request_id, $0) })
        let good = try #require(byID["r-good"])
        #expect(good.recommendation == "approve")
        #expect(report.decisions.first?.request_id == "r-good")
        // 20,000 GMV over 20 posts; 90% of it in Skincare plus half credit for the 10% in Makeup (same
        // parent category); 90% likely to post; the sample costs 20 × 40% + 4.
        #expect(abs(good.category_share - 0.95) < 1e-9)
        #expect(abs(good.expected_gmv - 0.9 * 1000 * 0.95) < 0.01)
        #expect(abs(good.sample_cost - 12) < 1e-9)
        let mismatch = try #require(byID["r-mismatch"])
        #expect(mismatch.recommendation == "reject")
        #expect(mismatch.reasons.first?.hasPrefix("not a match") == true)
        let flaky = try #require(byID["r-flaky"])
        #expect(flaky.recommendation == "reject")
        #expect(flaky.reasons.first?.hasPrefix("low fulfilment") == true)
        #expect(flaky.reasons.first?.contains("posted for 0 of 2 samples from this seller") == true)
        // Own history pulls the platform's 20% down: (0 + 3 × 0.2) / (2 + 3).
        #expect(abs(flaky.fulfillment - 0.12) < 1e-9)
    }

    @Test func thePolicyApprovesTheCreatorsWhoWentOnToSell() throws {
        let database = try market()
        let report = try SampleService(database: database, models: models).policies(asOf: asOf)
        let skincare = try #require(report.policies.first { $0.name == "Skincare" })
        // Past: five big creators sold 600+700+800+900+1000 within the window, five small ones sold nothing;
        // the flaky creator's two samples were not posted either.
        #expect(skincare.past_requests == 12)
        #expect(skincare.with_rule.approved == 5)
        #expect(skincare.with_rule.posted == 5)
        #expect(skincare.with_rule.gmv == 4000)
        #expect(skincare.approve_all.gmv == 4000)
        #expect(skincare.with_rule.sample_cost < skincare.approve_all.sample_cost)
        #expect(skincare.turned_away_gmv == 0)
        let rule = skincare.rule
        #expect(rule.min_followers > 500 || rule.min_gmv_30d > 50 || rule.min_fulfillment > 0.3)
    }

    @Test func theReportFindsTheKnownActions() throws {
        let database = try market()
        let report = try PerformanceReportService(database: database, models: models)
            .report(from: Day(year: 2026, month: 11, day: 1)!, to: asOf)
        let actions = Set(report.actions.map { "\($0.kind) \($0.target)" })
        #expect(actions == ["raise_rate p-lowrate", "lower_rate p-high", "remove_product p-dead", "reinvite_creator c-seller", "stop_inviting c-ghost"])
        let reinvite = try #require(report.actions.first { $0.kind == "reinvite_creator" })
        #expect(reinvite.title.contains("p-other"))
        #expect(!reinvite.title.contains("p-good"))
        let raise = try #require(report.actions.first { $0.kind == "raise_rate" })
        #expect(raise.evidence.contains { $0.contains("suggested") })
        #expect(report.summary.gmv == 500)
        #expect(report.summary.products_promoted == 1)
        #expect(report.summary.invitations_sent == 9)
        #expect(report.summary.invitations_accepted == 3)
        #expect(report.creators_by_gmv.map(\.creator_id) == ["c-seller"])
        #expect(report.creators_by_gmv_per_invitation.first?.gmv_per_invitation == 500)
        let skincare = try #require(report.acceptance_by_category.first { $0.category == "Skincare" })
        #expect(skincare.answered == 9)
        #expect(skincare.accepted == 3)

        let html = ReportHTML.render(report)
        #expect(html.hasPrefix("<!doctype html>"))
        #expect(html.contains("<svg"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("http://") && !html.contains("https://"))
        #expect(html.contains("Raise the commission of p-lowrate"))
        #expect(ReportText.render(report).contains("[remove product] Remove or rework p-dead"))
    }

    @Test func aReversedPeriodIsRefused() throws {
        let database = try market()
        #expect(throws: MatchError.self) {
            _ = try PerformanceReportService(database: database, models: models).report(from: asOf, to: Day(year: 2026, month: 11, day: 1)!)
        }
    }
}
