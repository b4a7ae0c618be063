import Foundation
import Testing

@Suite struct EligibilityCLITests {
    let cli = CLI()

    func seeded() throws {
        cli.write("shops.jsonl", [
            #"{"id":"ok","rating":2.5,"status":"active"}"#,
            #"{"id":"low","rating":2.49,"status":"active"}"#,
            #"{"id":"fake","rating":4,"status":"active","counterfeit_violations":["2026-09-27"]}"#,
            #"{"id":"old-fake","rating":4,"status":"active","counterfeit_violations":["2026-09-26"]}"#,
            #"{"id":"gone","rating":4,"status":"deactivated"}"#,
        ])
        cli.write("products.jsonl", [
            #"{"id":"phone","shop_id":"ok","category":"Phones & Electronics","price":100,"status":"live","orders":200,"reviews":30,"negative_reviews":2}"#,
            #"{"id":"phone2","shop_id":"ok","category":"Phones & Electronics","price":100,"status":"live","orders":201,"reviews":30,"negative_reviews":2}"#,
            #"{"id":"frozen","shop_id":"ok","category":"Shoes","price":30,"status":"frozen"}"#,
            #"{"id":"orphan","shop_id":"gone","category":"Shoes","price":30,"status":"live"}"#,
        ])
        for entity in ["shops", "products"] {
            let result = try cli.run(["import", entity, cli.path("\(entity).jsonl")])
            #expect(result.status == 0, "\(result.stderr)")
        }
    }

    struct Report: Decodable {
        struct Reason: Decodable { let rule: String; let measured: Double?; let threshold: Double?; let to_requalify: String?; let additional_orders_needed: Int?; let requalifies_on: String? }
        struct Entry: Decodable { let id: String; let status: String; let reasons: [Reason] }
        let as_of: String
        let policy: String
        let shops: [Entry]
        let products: [Entry]
    }

    @Test func jsonReportHasTheContractShapeAndEveryBoundary() throws {
        try seeded()
        let result = try cli.run(["eligibility", "--as-of", "2026-11-25", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        #expect(report.as_of == "2026-11-25")
        let shops = Dictionary(uniqueKeysWithValues: report.shops.map { ($0.id, $0) })
        let products = Dictionary(uniqueKeysWithValues: report.products.map { ($0.id, $0) })
        #expect(shops["ok"]?.status == "eligible")
        #expect(shops["low"]?.status == "temporarily_disqualified")
        #expect(shops["low"]?.reasons.first?.measured == 2.49)
        #expect(shops["low"]?.reasons.first?.threshold == 2.5)
        // 2026-09-27 is 59 days before 2026-11-25; 2026-09-26 is 60.
        #expect(shops["fake"]?.status == "temporarily_disqualified")
        #expect(shops["fake"]?.reasons.first?.requalifies_on == "2026-11-26")
        #expect(shops["old-fake"]?.status == "eligible")
        #expect(shops["gone"]?.status == "permanently_disqualified")
        #expect(products["phone"]?.status == "temporarily_disqualified")
        #expect(products["phone"]?.reasons.first?.additional_orders_needed == 1)
        #expect(products["phone2"]?.status == "eligible")
        #expect(products["frozen"]?.status == "permanently_disqualified")
        #expect(products["orphan"]?.status == "permanently_disqualified")
    }

    @Test func scopesTablesAndErrors() throws {
        try seeded()
        let one = try cli.run(["eligibility", "--product", "phone", "--as-of", "2026-11-25", "--format", "json"])
        let report = try JSONDecoder().decode(Report.self, from: Data(one.stdout.utf8))
        #expect(report.products.map(\.id) == ["phone"])
        #expect(report.shops.map(\.id) == ["ok"])
        let table = try cli.run(["eligibility", "--as-of", "2026-11-25"])
        #expect(table.stdout.contains("temporarily disqualified"))
        #expect(table.stdout.contains("1 more order without a negative review"))
        let lines = try cli.run(["eligibility", "--as-of", "2026-11-25", "--format", "jsonl"])
        #expect(lines.stdout.split(separator: "\n").count == 9)
        let unknown = try cli.run(["eligibility", "--product", "nope"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no product with id \"nope\""))
        let both = try cli.run(["eligibility", "--product", "a", "--shop", "b"])
        #expect(both.status == 64)
        let badDate = try cli.run(["eligibility", "--as-of", "2026-02-30"])
        #expect(badDate.status == 64)
    }
}
