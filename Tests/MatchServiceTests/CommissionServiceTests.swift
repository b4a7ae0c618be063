import Foundation
import MatchCore
import MatchStore
import Testing
@testable import MatchService

/// Constructed markets where the right answer is known.
@Suite struct CommissionServiceTests {
    let workspace = makeWorkspace()
    let models = try! ModelCatalog.load(from: repositoryModels)
    let asOf = Day(year: 2026, month: 11, day: 25)!

    /// Products in Health with the given (rate, GMV); each with GMV gets one outcome inside the window.
    func market(_ products: [(rate: Int, gmv: Double)], margin: Int? = nil, name: String = "db") throws -> (MatchDatabase, CommissionService) {
        let database = try MatchDatabase(path: workspace.appendingPathComponent("\(name).sqlite").path)
        let importer = ImportService(database: database, models: models, clock: FixedClock(day: asOf))
        write([#"{"id":"s1","rating":4.5,"status":"active"}"#], to: workspace.appendingPathComponent("shops.jsonl"))
        write([#"{"id":"c1","followers":100}"#], to: workspace.appendingPathComponent("creators.jsonl"))
        var lines: [String] = []
        var outcomes: [String] = []
        for (i, p) in products.enumerated() {
            let marginField = margin.map { #","margin_rate":\#($0)"# } ?? ""
            lines.append(#"{"id":"p\#(i)","shop_id":"s1","category":"Health","price":25,"status":"live","commission_rate":\#(p.rate)\#(marginField)}"#)
            if p.gmv > 0 {
                outcomes.append(#"{"creator_id":"c1","product_id":"p\#(i)","date":"2026-11-01","orders":1,"gmv":\#(p.gmv),"commission_rate":\#(p.rate)}"#)
            }
        }
        write(lines, to: workspace.appendingPathComponent("products.jsonl"))
        write(outcomes, to: workspace.appendingPathComponent("outcomes.jsonl"))
        for kind in [EntityKind.shops, .creators, .products] {
            _ = try importer.importFile(kind, path: workspace.appendingPathComponent("\(kind.rawValue).jsonl").path)
        }
        if !outcomes.isEmpty {
            _ = try importer.importFile(.outcomes, path: workspace.appendingPathComponent("outcomes.jsonl").path)
        }
        return (database, CommissionService(database: database, models: models))
    }

    @Test func theTopThirtyPercentMedianIsReproducedAndBlendedWithThePrior() throws {
        // Ten products sold; the top three by GMV pay 1000, 1200 and 1400: market median 1200.
        var products: [(Int, Double)] = [(1000, 900), (1200, 950), (1400, 1000)]
        products += (0..<7).map { (3000 + 100 * $0, Double(10 + $0)) }
        let (_, service) = try market(products)
        let suggestion = try service.suggest(.category("Health"), asOf: asOf)
        #expect(suggestion.market.top_performers == 3)
        #expect(suggestion.market.market_rate == 1200)
        #expect(suggestion.market.rates?["median"] == 1200)
        // Health's prior is typically 2000; weight 3 / (3 + 8): 0.2727 × 1200 + 0.7273 × 2000 = 1781.8 → 1800.
        #expect(suggestion.suggested_rate == 1800)
        #expect(abs(suggestion.market_weight - 0.273) < 0.001)
        #expect(suggestion.target_rate == 2300)
        #expect(suggestion.band.low <= suggestion.suggested_rate && suggestion.suggested_rate <= suggestion.band.high)
        #expect(suggestion.explanation.first!.contains("median of 12%"))
    }

    @Test func richDataDrivesTheAnswerAndThinDataShrinksToThePrior() throws {
        func suggestion(soldProducts n: Int, name: String) throws -> Int {
            let (_, service) = try market((0..<n).map { (1000, Double(100 + $0)) }, name: name)
            return try service.suggest(.category("Health"), asOf: asOf).suggested_rate
        }
        let thin = try suggestion(soldProducts: 3, name: "thin")
        let rich = try suggestion(soldProducts: 300, name: "rich")
        // Market 10%, prior 20%: more top performers pull the answer toward the market.
        #expect(rich < thin)
        #expect(rich <= 1100)
        #expect(thin >= 1600)
    }

    @Test func noDataGivesThePriorWithANote() throws {
        let (_, service) = try market([(1500, 0), (1600, 0)])
        let suggestion = try service.suggest(.category("Health"), asOf: asOf)
        #expect(suggestion.suggested_rate == 2000)
        #expect(suggestion.market_weight == 0)
        #expect(suggestion.market.note.contains("prior"))
        #expect(!suggestion.response.fitted)
        #expect(suggestion.response.note.hasPrefix("too thin to fit"))
        // A category with no products at all: the prior too.
        let empty = try service.suggest(.category("Shoes"), asOf: asOf)
        #expect(empty.suggested_rate == 1400)
    }

    @Test func theMarginCapIsNeverExceeded() throws {
        // Margin 15% − 8% platform fee leaves 7%: the suggestion, band and target stay at or below it.
        let (_, service) = try market([(2500, 100), (2600, 200), (2700, 300)], margin: 1500)
        let suggestion = try service.suggest(.product(ProductID("p0")), asOf: asOf)
        #expect(suggestion.guard_rails.margin_cap == 700)
        #expect(suggestion.guard_rails.capped_by_margin)
        #expect(suggestion.suggested_rate == 700)
        #expect(suggestion.band.high <= 700)
        #expect(suggestion.target_rate <= 700)
        #expect(suggestion.guard_rails.warnings.contains { $0.contains("below 10%") })
        let (_, thin) = try market([(2500, 100)], margin: 850, name: "thin-margin")
        let impossible = try thin.suggest(.product(ProductID("p0")), asOf: asOf)
        #expect(impossible.suggested_rate == 100)
        #expect(impossible.guard_rails.warnings.contains { $0.contains("cannot pay a commission") })
    }

    @Test func shiftingEveryRateUpNeverLowersTheSuggestion() throws {
        var random = SeededRandom(seed: 12)
        for round in 0..<6 {
            let products = (0..<random.int(3...25)).map { _ in (100 * random.int(5...40), Double(random.int(0...1000))) }
            let (_, before) = try market(products, name: "before-\(round)")
            let (_, after) = try market(products.map { (min(8000, $0.0 + 300), $0.1) }, name: "after-\(round)")
            let a = try before.suggest(.category("Health"), asOf: asOf).suggested_rate
            let b = try after.suggest(.category("Health"), asOf: asOf).suggested_rate
            #expect(b >= a, "round \(round): \(a) → \(b)")
        }
    }

    @Test func theRatesAloneAreTheRatesOfTheFullSuggestions() throws {
        let (database, _, _) = try importedDemoMarket(in: workspace, models: models, asOf: asOf, creators: 300, products: 120, dimension: 8)
        let service = CommissionService(database: database, models: models)
        let (full, rates) = try database.read { db in
            let products = try StoreQueries.products(db)
            return (try service.suggestions(for: products, db: db, asOf: asOf), try service.suggestedRates(for: products, db: db, asOf: asOf, catalog: products))
        }
        #expect(full.count == 120)
        #expect(Set(full.keys) == Set(rates.keys))
        #expect(Set(full.values.map(\.suggested_rate)).count > 1)   // not one rate for everything
        for (id, suggestion) in full {
            #expect(rates[id]?.suggested == suggestion.suggested_rate, "product \(id)")
            #expect(rates[id]?.target == suggestion.target_rate, "product \(id)")
            #expect(rates[id]?.premium == suggestion.target_premium, "product \(id)")
        }
    }


    @Test func categoryMembersAreThePlainFiltersInListOrder() throws {
        let (database, _, _) = try importedDemoMarket(in: workspace, models: models, asOf: asOf, creators: 300, products: 150, dimension: 8)
        let service = CommissionService(database: database, models: models)
        try database.read { db in
            let data = try CommissionService.MarketData(db, models: models, asOf: asOf)
            #expect(!data.invitations.isEmpty)
            for category in models.taxonomy.categories {
                let included = service.members(of: category)
                let (products, invitations) = data.members(included)
                let expected = data.products.filter { included.contains($0.category) }
                let ids = Set(expected.map(\.id.rawValue))
                #expect(products.map(\.id) == expected.map(\.id), "\(category.name)")
                #expect(invitations == data.invitations.filter { ids.contains($0.productID) }, "\(category.name)")
            }
        }
    }


    /// A suggestion reads only its categories' market; it equals the one computed from the whole market.
    @Test func readingOnlyTheNeededCategoriesChangesNothing() throws {
        let (database, _, _) = try importedDemoMarket(in: workspace, models: models, asOf: asOf, creators: 300, products: 150, dimension: 8)
        let service = CommissionService(database: database, models: models)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try database.read { db in
            let whole = try CommissionService.MarketData(db, models: models, asOf: asOf)
            let products = try StoreQueries.products(db)
            var compared = 0
            for category in models.taxonomy.categories {
                let restricted = try service.suggest(category: category, product: nil, db: db, asOf: asOf)
                let full = service.finish(try service.evidence(for: category, data: whole, db: db, asOf: asOf), category: category, product: nil, asOf: asOf)
                #expect(try encoder.encode(restricted) == encoder.encode(full), "\(category.name)")
                if restricted.market.products > 0 { compared += 1 }
            }
            #expect(compared > 5)
            // And a few products' rates without the catalog (the interactive path) equal those with it.
            let some = Array(products.prefix(12))
            #expect(try service.suggestedRates(for: some, db: db, asOf: asOf) == service.suggestedRates(for: some, db: db, asOf: asOf, catalog: products))
        }
    }


    /// The server's evidence cache answers from memory while the database is unchanged and recomputes
    /// once its version moves.
    @Test func theEvidenceCacheIsUsedUntilTheDatabaseChanges() throws {
        let (database, importer, demo) = try importedDemoMarket(in: workspace, models: models, asOf: asOf, creators: 300, products: 150, dimension: 8)
        final class Version: @unchecked Sendable { var value = 0 }
        let version = Version()
        let cache = EvidenceCache { version.value }
        let cached = CommissionService(database: database, models: models, cache: cache)
        let plain = CommissionService(database: database, models: models)
        let some = try database.read { db in Array(try StoreQueries.products(db).prefix(15)) }
        func rates(_ service: CommissionService) throws -> [ProductID: CommissionService.SuggestedRates] {
            try database.read { db in try service.suggestedRates(for: some, db: db, asOf: asOf) }
        }
        let before = try rates(cached)
        #expect(before == (try rates(plain)))
        // Every product of the market pays a much higher rate now: the suggestions move.
        let lines = try String(contentsOf: demo.appendingPathComponent("products.jsonl"), encoding: .utf8).split(separator: "\n").map { line -> String in
            var object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            object["commission_rate"] = 6000
            return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        }
        let url = workspace.appendingPathComponent("raised.jsonl")
        write(lines, to: url)
        _ = try importer.importFile(.products, path: url.path)
        let fresh = try rates(plain)
        #expect(fresh != before)
        #expect(try rates(cached) == before)   // same version: still the kept evidence
        version.value += 1
        #expect(try rates(cached) == fresh)    // the database changed: recomputed
    }

}
