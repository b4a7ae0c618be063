import Foundation
import Testing

@Suite struct CommissionCLITests {
    let cli = CLI()

    struct Suggestion: Decodable {
        struct Band: Decodable { let low: Int; let high: Int }
        struct Market: Decodable { let top_performers: Int; let market_rate: Int? }
        struct Guard: Decodable { let margin_cap: Int?; let capped_by_margin: Bool; let warnings: [String] }
        struct Response: Decodable { let fitted: Bool; let note: String }
        let scope: String
        let category: String
        let suggested_rate: Int
        let band: Band
        let target_rate: Int
        let target_premium: Int
        let market: Market
        let guard_rails: Guard
        let response: Response
        let explanation: [String]
    }

    func seed() throws {
        cli.write("shops.jsonl", [#"{"id":"s1","rating":4.5,"status":"active"}"#])
        cli.write("products.jsonl", [
            #"{"id":"lipstick","shop_id":"s1","category":"Makeup","price":12,"status":"live","commission_rate":1800}"#,
            #"{"id":"serum","shop_id":"s1","category":"Skincare","price":30,"status":"live","commission_rate":2200,"margin_rate":2000}"#,
            #"{"id":"phone","shop_id":"s1","category":"Phones","price":300,"status":"live","commission_rate":600}"#,
        ])
        cli.write("creators.jsonl", [#"{"id":"c1","followers":100}"#])
        cli.write("outcomes.jsonl", [#"{"creator_id":"c1","product_id":"lipstick","date":"2026-11-20","orders":3,"gmv":36,"commission_rate":1800}"#])
        for entity in ["shops", "products", "creators", "outcomes"] {
            let result = try cli.run(["import", entity, cli.path("\(entity).jsonl")])
            #expect(result.status == 0, "\(result.stderr)")
        }
    }

    @Test func categoryProductAndReportAnswers() throws {
        try seed()
        let beauty = try cli.run(["commission", "--category", "beauty & personal care", "--as-of", "2026-11-25", "--format", "json"])
        #expect(beauty.status == 0, "\(beauty.stderr)")
        let category = try JSONDecoder().decode(Suggestion.self, from: Data(beauty.stdout.utf8))
        #expect(category.scope == "category")
        #expect(category.category == "Beauty & Personal Care")
        #expect(category.market.top_performers == 1)
        #expect(category.market.market_rate == 1800)
        #expect((100...8000).contains(category.suggested_rate))
        #expect(category.target_rate == category.suggested_rate + category.target_premium)
        #expect(!category.response.fitted)

        // Serum: margin 20% − 8% fee caps every rate at 12%.
        let serum = try cli.run(["commission", "--product", "serum", "--as-of", "2026-11-25", "--format", "json"])
        let product = try JSONDecoder().decode(Suggestion.self, from: Data(serum.stdout.utf8))
        #expect(product.guard_rails.margin_cap == 1200)
        #expect(product.suggested_rate <= 1200 && product.target_rate <= 1200 && product.band.high <= 1200)
        #expect(product.guard_rails.capped_by_margin)

        let text = try cli.run(["commission", "--product", "serum", "--as-of", "2026-11-25"])
        #expect(text.stdout.contains("for targeted invitations"))
        #expect(text.stdout.contains("Capped by the margin"))

        let report = try cli.run(["commission", "--all", "--as-of", "2026-11-25", "--format", "json"])
        let all = try JSONDecoder().decode([Suggestion].self, from: Data(report.stdout.utf8))
        #expect(all.map(\.category) == ["Makeup", "Phones", "Skincare"])
        // Phones: no sales, so the electronics norm (7.5%) and a warning for the targeted rate below 10%? 7.5% + 5 = 12.5%: no warning.
        #expect(all[1].suggested_rate == 750)
        #expect(all[1].guard_rails.warnings.isEmpty)
    }

    @Test func errorsAndUsage() throws {
        try seed()
        let unknown = try cli.run(["commission", "--category", "Moon Rocks"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("unknown category \"Moon Rocks\""))
        let missing = try cli.run(["commission", "--product", "ghost"])
        #expect(missing.status == 1)
        let both = try cli.run(["commission", "--product", "serum", "--all"])
        #expect(both.status == 64)
    }
}
