import Foundation
import MatchCore
import MatchStore
import Testing
@testable import MatchService

/// The simulator, profile vectors and the offline evaluation, end to end on a seeded market.
@Suite struct EvaluationTests {
    let workspace = makeWorkspace()
    let models = try! ModelCatalog.load(from: repositoryModels)
    let asOf = Day(year: 2026, month: 11, day: 25)!

    func simulated(seed: UInt64 = 31) throws -> MatchDatabase {
        var settings = SimulationSettings(asOf: asOf)
        settings.seed = seed
        settings.creators = 2000
        settings.products = 250
        settings.shops = 4
        let directory = workspace.appendingPathComponent("sim-\(seed)")
        _ = try MarketSimulator(taxonomy: models.taxonomy).write(to: directory.path, settings: settings)
        let database = try MatchDatabase(path: workspace.appendingPathComponent("sim-\(seed).sqlite").path)
        let importer = ImportService(database: database, models: models, clock: FixedClock(day: asOf))
        for kind in [EntityKind.shops, .products, .creators, .outcomes] {
            _ = try importer.importFile(kind, path: directory.appendingPathComponent("\(kind.rawValue).jsonl").path)
        }
        return database
    }

    @Test func theSimulatorIsDeterministic() throws {
        var settings = SimulationSettings(asOf: asOf)
        settings.creators = 300
        settings.products = 40
        let simulator = MarketSimulator(taxonomy: models.taxonomy)
        _ = try simulator.write(to: workspace.appendingPathComponent("a").path, settings: settings)
        _ = try simulator.write(to: workspace.appendingPathComponent("b").path, settings: settings)
        for file in ["creators.jsonl", "products.jsonl", "outcomes.jsonl"] {
            let a = try Data(contentsOf: workspace.appendingPathComponent("a/\(file)"))
            let b = try Data(contentsOf: workspace.appendingPathComponent("b/\(file)"))
            #expect(a == b && !a.isEmpty, "\(file)")
        }
    }

    @Test func shortlistsBeatTheBaselinesOnASimulatedMarket() throws {
        let database = try simulated()
        var request = EvaluationRequest(split: Day(year: 2026, month: 10, day: 27)!)
        // Every test seller counts: the matcher beats popularity clearly.
        let all = try OfflineEvaluation(database: database, models: models).evaluate(request)
        let allBy = Dictionary(uniqueKeysWithValues: all.methods.map { ($0.method, $0) })
        #expect(try #require(allBy["blended"]).recall_at_k > 1.2 * (try #require(allBy["popularity"])).recall_at_k)
        #expect(!all.new_sellers_only)
        // New sellers only (who had not sold the product before): the harder question.
        request.newSellersOnly = true
        let report = try OfflineEvaluation(database: database, models: models).evaluate(request)
        #expect(report.products_evaluated < all.products_evaluated)
        let by = Dictionary(uniqueKeysWithValues: report.methods.map { ($0.method, $0) })
        let random = try #require(by["random"]), popularity = try #require(by["popularity"])
        let similarity = try #require(by["similarity"]), blended = try #require(by["blended"])
        #expect(report.products_evaluated > 100)
        // Random finds almost nothing; the matcher finds most new sellers.
        #expect(random.recall_at_k < 0.1)
        #expect(similarity.recall_at_k > 5 * random.recall_at_k)
        #expect(blended.recall_at_k > popularity.recall_at_k * 1.2)
        #expect(blended.recall_at_k >= similarity.recall_at_k)
        #expect(blended.ndcg_at_k > popularity.ndcg_at_k)
        // The concentration cap holds; popularity sends the same creators to every product of a category.
        #expect(blended.max_share <= report.max_shortlist_share + 1e-9)
        #expect(similarity.max_share <= report.max_shortlist_share + 1e-9)
        #expect(blended.coverage > popularity.coverage)
        for m in report.methods { #expect((0...1).contains(m.recall_at_k) && (0...1).contains(m.ndcg_at_k)) }
    }

    @Test func profileVectorsDriveShortlistsWhoseReasonsSplitTheFitByBlock() throws {
        let database = try simulated(seed: 32)
        let summary = try FeatureService(database: database, models: models).featurize(clock: FixedClock(day: asOf))
        #expect(summary.creators == 2000)
        #expect(summary.products == 250)
        #expect(summary.products_learned_from_sales > 200)
        // Profiles miss some fields: those blocks were filled with the average, and counted.
        #expect((summary.creators_assumed["audience"] ?? 0) > 0)
        var request = ShortlistRequest(selection: .ids([ProductID("sim-p-00001")]), asOf: asOf)
        request.k = 5
        let report = try ShortlistService(database: database, models: models).shortlists(request)
        #expect(report.vector_model == "profile")
        let entry = try #require(report.shortlists.first?.creators.first)
        let fit = try #require(entry.reasons.first { $0.contains("profile fit") })
        // "… (cosine 0.93 = category 0.51 + price band 0.22 + audience 0.15 + content type 0.05)": the
        // parts add up to the cosine (each rounded to 0.01).
        let parts = fit.prefix { $0 != ")" }
        let numbers = parts.split(whereSeparator: { !"0123456789.-".contains($0) }).compactMap { Double($0) }
        // Then the profile in words: price band, audience and content next to the product's.
        #expect(fit.contains("price band (product: "))
        #expect(fit.contains("(product's buyers: "))
        #expect(numbers.count == 5)
        #expect(abs(numbers.dropFirst().reduce(0, +) - numbers[0]) <= 0.03)
        #expect(abs(numbers[0] - entry.similarity) < 0.006)
    }
}
