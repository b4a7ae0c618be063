import Foundation
import Testing

/// Imports through the built binary: every class of bad input names file, line and field, exits 1
/// and leaves the database exactly as it was.
@Suite struct ImportCLITests {
    let cli = CLI()

    /// A database holding one shop, one product with a 3-dimension vector and one creator.
    func seeded() throws -> CLI {
        cli.write("shops.jsonl", [#"{"id":"s1","rating":4.5,"status":"active"}"#])
        cli.write("products.jsonl", [#"{"id":"p1","shop_id":"s1","category":"Health","price":9.5,"status":"live","commission_rate":1200,"vector":[1,0,0]}"#])
        cli.write("creators.jsonl", [#"{"id":"c1","followers":5000,"vector":[0,1,0,0]}"#])
        for entity in ["shops", "products", "creators"] {
            let result = try cli.run(["import", entity, cli.path("\(entity).jsonl")])
            #expect(result.status == 0, "\(result.stderr)")
        }
        return cli
    }

    static let badInputs: [(entity: String, line: String, field: String, expectation: String)] = [
        ("products", #"{"id":"p2","shop_id":"s1","category":"Health","price":9.5,"status":"live""#, "", "malformed JSON"),
        ("products", #"{"id":"p2","shop_id":"s1","category":"Health","status":"live"}"#, "price", "required"),
        ("products", #"{"id":"p2","shop_id":"s1","category":"Health","price":"cheap","status":"live"}"#, "price", "expected a number"),
        ("products", #"{"id":"p2","shop_id":"s1","category":"Health","price":NaN,"status":"live"}"#, "price", "finite"),
        ("products", #"{"id":"p2","shop_id":"s1","category":"Health","price":1e999,"status":"live"}"#, "price", "finite"),
        ("products", #"{"id":"p2","shop_id":"s1","category":"Health","price":3,"status":"live","vector":[0,0,0]}"#, "vector", "all zeros"),
        ("products", #"{"id":"p2","shop_id":"s1","category":"Health","price":3,"status":"live","vector":[1,2]}"#, "vector", "have 3"),
        ("creators", #"{"id":"c2","followers":10,"vector":[1,2,3]}"#, "vector", "have 4"),
        ("products", #"{"id":"p2","shop_id":"nope","category":"Health","price":3,"status":"live"}"#, "shop_id", "no shop \"nope\""),
        ("products", #"{"id":"p2","shop_id":"s1","category":"Health","price":3,"status":"live","commission_rate":50}"#, "commission_rate", "100 to 8000"),
        ("products", #"{"id":"p2","shop_id":"s1","category":"Health","price":3,"status":"live","commission_rate":9000}"#, "commission_rate", "100 to 8000"),
        ("products", #"{"id":"p2","shop_id":"s1","category":"Moon Rocks","price":3,"status":"live"}"#, "category", "taxonomy.json"),
        ("outcomes", #"{"creator_id":"ghost","product_id":"p1","date":"2026-11-01","orders":1,"gmv":9.5,"commission_rate":1200}"#, "creator_id", "no creator \"ghost\""),
        ("invitations", #"{"creator_id":"c1","product_id":"p9","sent_at":"2026-11-01","status":"pending"}"#, "product_id", "no product \"p9\""),
        ("shops", #"{"id":"s2","rating":7,"status":"active"}"#, "rating", "0 to 5"),
        ("outcomes", #"{"creator_id":"c1","product_id":"p1","date":"2026-13-01","orders":1,"gmv":9.5,"commission_rate":1200}"#, "date", "YYYY-MM-DD"),
    ]

    @Test(arguments: 0..<badInputs.count)
    func badLineNamesFileLineFieldAndChangesNothing(index: Int) throws {
        let cli = try seeded()
        let bad = Self.badInputs[index]
        let before = try cli.dump()
        // The bad record is line 3, after a good one and a blank line, so nothing may be written at all.
        let good: String = switch bad.entity {
        case "products": #"{"id":"p3","shop_id":"s1","category":"Shoes","price":20,"status":"live","vector":[0,0,1]}"#
        case "creators": #"{"id":"c3","followers":1,"vector":[1,1,1,1]}"#
        case "shops": #"{"id":"s3","rating":3,"status":"active"}"#
        case "outcomes": #"{"creator_id":"c1","product_id":"p1","date":"2026-11-02","orders":2,"gmv":19,"commission_rate":1200}"#
        default: #"{"creator_id":"c1","product_id":"p1","sent_at":"2026-11-02","status":"accepted"}"#
        }
        let file = cli.write("bad-\(bad.entity).jsonl", [good, "", bad.line])
        let result = try cli.run(["import", bad.entity, file])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        let firstLine = result.stderr.split(separator: "\n").first.map(String.init) ?? ""
        #expect(firstLine.hasPrefix("error: \(file) line 3"), "\(result.stderr)")
        if !bad.field.isEmpty {
            #expect(firstLine.contains("field \"\(bad.field)\""), "\(result.stderr)")
        }
        #expect(firstLine.contains(bad.expectation), "\(result.stderr)")
        #expect(firstLine.contains("--skip-invalid"))
        #expect(!result.stderr.contains("Fatal error"))
        #expect(try cli.dump() == before)
    }

    @Test func skipInvalidKeepsTheGoodLinesAndWritesARejectsFile() throws {
        let cli = try seeded()
        let file = cli.write("mixed.jsonl", [
            #"{"id":"c10","followers":1,"vector":[1,0,0,0]}"#,
            #"{"id":"c11","followers":-5}"#,
            #"{"id":"c12","followers":2,"username":"twelve"}"#,
            #"not json"#,
        ])
        let result = try cli.run(["import", "creators", file, "--skip-invalid"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("imported 2 creators"))
        #expect(result.stdout.contains("rejected 2 records"))
        #expect(result.stdout.contains("line 2, field \"followers\""))
        let rejects = try String(contentsOfFile: file + ".rejects.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(rejects.count == 2)
        #expect(rejects[0].contains(#""input":"{\"id\":\"c11\",\"followers\":-5}""#), "\(rejects[0])")
        #expect(rejects[1].contains(#""input":"not json""#))
        let stats = try cli.run(["stats", "--format", "json"])
        #expect(stats.stdout.contains(#""creators" : 3"#))
    }

    @Test func csvAndStandardInputAndUpsert() throws {
        let cli = try seeded()
        let csv = cli.write("shops.csv", [
            "id,name,rating,status,counterfeit_violations",
            #"s1,"Shop, One",2.4,active,"#,
            #"s9,"Multi"#,
            #"line",3.5,active,2026-10-01;2026-11-01"#,
        ])
        let result = try cli.run(["import", "shops", csv, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(#""imported" : 2"#))
        let eligibility = try cli.run(["eligibility", "--shop", "s1", "--as-of", "2026-11-25", "--format", "json"])
        #expect(eligibility.stdout.contains(#""status" : "temporarily_disqualified""#), "\(eligibility.stdout)")
        let fromStdin = try cli.run(["import", "creators", "-"], stdin: #"{"id":"c1","followers":7,"vector":[0,0,1,0]}"# + "\n")
        #expect(fromStdin.status == 0, "\(fromStdin.stderr)")
        let dump = try cli.dump()
        #expect(dump.contains("followers:7"))
        #expect(!dump.contains("followers:5000"))
    }

    @Test func usageErrorsExit64AndMissingFilesExit1() throws {
        let unknownEntity = try cli.run(["import", "planets", "x.jsonl"])
        #expect(unknownEntity.status == 64)
        #expect(unknownEntity.stderr.contains("planets"))
        let missing = try cli.run(["import", "shops", cli.path("missing.jsonl")])
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("error: cannot open"))
        #expect(missing.stderr.split(separator: "\n").count == 1)
    }

    @Test func globalOptionsMayComeBeforeTheSubcommandAndTheEnvironmentSetsTheDefault() throws {
        cli.write("shops.jsonl", [#"{"id":"s1","rating":4.5,"status":"active"}"#])
        let before = try cli.run(["--db", cli.path("other.sqlite"), "import", "shops", cli.path("shops.jsonl")], withDB: false)
        #expect(before.status == 0, "\(before.stderr)")
        #expect(FileManager.default.fileExists(atPath: cli.path("other.sqlite")))
        let viaEnvironment = try cli.run(["stats", "--format", "json"], withDB: false, environment: ["CREATORMATCH_DB": cli.path("other.sqlite")])
        #expect(viaEnvironment.stdout.contains(#""shops" : 1"#))
        let byDefault = try cli.run(["import", "shops", "shops.jsonl"], withDB: false)
        #expect(byDefault.status == 0)
        #expect(FileManager.default.fileExists(atPath: cli.path("creatormatch.sqlite")))
    }
}
