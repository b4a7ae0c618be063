import Foundation
import Testing

/// Simulate, import, featurize, shortlist on profile vectors and evaluate, through the binary.
@Suite struct EvaluationCLITests {
    let cli = CLI()

    @Test func theEvaluationLoopRunsThroughTheCommandLine() throws {
        let sim = try cli.run(["simulate", "--out", cli.path("sim"), "--creators", "800", "--products", "120", "--shops", "3", "--seed", "5", "--as-of", "2026-11-25"], withDB: false)
        #expect(sim.status == 0, "\(sim.stderr)")
        var outputs: [String: String] = [:]
        for entity in ["shops", "products", "creators", "outcomes"] {
            let result = try cli.run(["import", entity, cli.path("sim/\(entity).jsonl")])
            #expect(result.status == 0, "\(entity): \(result.stderr)")
            outputs[entity] = result.stdout
        }
        // Records without vectors get profile vectors at import, and later imports keep them current.
        #expect(outputs["products"]?.contains("profile vectors refreshed (0 creators, 120 products)") == true)
        #expect(outputs["creators"]?.contains("profile vectors refreshed (800 creators, 120 products)") == true)
        #expect(outputs["outcomes"]?.contains("profile vectors refreshed") == true)
        let featurize = try cli.run(["featurize"])
        #expect(featurize.status == 0, "\(featurize.stderr)")
        #expect(featurize.stdout.contains("profile vectors (101 dimensions) for 800 creators and 120 products"))
        let shortlist = try cli.run(["shortlist", "--product", "sim-p-00001", "--limit", "3", "--vectors", "profile", "--as-of", "2026-11-25"])
        #expect(shortlist.status == 0, "\(shortlist.stderr)")
        #expect(shortlist.stdout.contains("category 0.") && shortlist.stdout.contains("price band 0.") && shortlist.stdout.contains("audience 0."))
        let evaluation = try cli.run(["evaluate", "--split", "2026-10-27", "--format", "json"])
        #expect(evaluation.status == 0, "\(evaluation.stderr)")
        struct Report: Decodable { struct M: Decodable { let method: String; let recall_at_k: Double }; let methods: [M]; let products_evaluated: Int }
        let report = try JSONDecoder().decode(Report.self, from: Data(evaluation.stdout.utf8))
        #expect(report.methods.map(\.method) == ["random", "popularity", "similarity", "blended"])
        #expect(report.products_evaluated > 0)
        let bad = try cli.run(["evaluate", "--split", "2030-01-01"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("pick a split day inside the sales history"))
        #expect(try cli.run(["shortlist", "--product", "sim-p-00001", "--vectors", "nope"]).status == 64)
    }
}
