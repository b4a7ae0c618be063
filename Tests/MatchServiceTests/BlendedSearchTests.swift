import Foundation
import MatchCore
import MatchKernels
import MatchStore
import Testing
@testable import MatchService

/// The blended search per category (tight bonus bounds) returns exactly what the plain reference does.
@Suite struct BlendedSearchTests {
    let workspace = makeWorkspace()
    let models = try! ModelCatalog.load(from: repositoryModels)
    let asOf = Day(year: 2026, month: 11, day: 25)!

    @Test func perCategoryBoundsChangeNothingButTheWork() throws {
        let (database, _, _) = try importedDemoMarket(in: workspace, models: models, asOf: asOf, creators: 1500, products: 80, dimension: 16)
        let service = ShortlistService(database: database, models: models)
        var request = ShortlistRequest(selection: .allEligible, asOf: asOf)
        request.k = 15
        let selection = try service.selectProducts(request)
        let inputs = try database.read { db in try service.load(db, request, selection: selection) }
        let all = Array(inputs.products.indices)
        #expect(Set(inputs.productCategories).count > 5)
        let grouped = try inputs.search(products: all, creators: inputs.source, pool: inputs.pool, k: 15, exclusions: inputs.exclusions)
        let adjustment = ShortlistService.blendedAdjustment(ranking: inputs.ranking, pool: inputs.pool, productCategories: inputs.productCategories, offeredRates: inputs.offeredRates)
        let global = try inputs.searchOnce(products: all, creators: inputs.source, k: 15, exclusions: inputs.exclusions, floors: nil, adjustment: adjustment)
        let reference = ReferenceSearch.search(products: inputs.productMatrix, creators: inputs.creatorMatrix!, k: 15, exclusions: inputs.exclusions, adjustment: adjustment)
        #expect(grouped == reference)
        #expect(global == reference)
        // Each category's flattened bonus is the bonus itself, bit for bit, and its bounds really bound it.
        for p in all.prefix(20) {
            let category = ShortlistService.categoryAdjustment(ranking: inputs.ranking, pool: inputs.pool, category: inputs.productCategories[p], rates: [inputs.offeredRates[p]])
            for c in stride(from: 0, to: inputs.pool.ids.count, by: 37) {
                #expect(category.bonus(0, c) == adjustment.bonus(p, c))
                #expect(adjustment.bonus(p, c) <= category.upperBounds[c])
                #expect(category.upperBounds[c] <= inputs.pool.bonusBounds[c] + 1e-6)
            }
        }
    }

    /// Many products read every invitation in one query; a few read theirs and their shops' one query
    /// each: both give the same exclusions (own invitations, the shop's recent ones, declined ones).
    @Test func exclusionsFromOneQueryEqualThoseFromQueriesPerProduct() throws {
        let (database, _, _) = try importedDemoMarket(in: workspace, models: models, asOf: asOf, creators: 1500, products: 80, dimension: 16)
        let service = ShortlistService(database: database, models: models)
        let request = ShortlistRequest(selection: .allEligible, asOf: asOf)
        let selection = try service.selectProducts(request)
        let inputs = try database.read { db in try service.load(db, request, selection: selection) }
        var filters = CreatorFilters()
        filters.excludeDeclined = true
        for recentDays in [0, 90] {
            let (together, apart) = try database.read { db in
                let together = try ShortlistService.exclusions(db, products: inputs.products, pool: inputs.pool, filters: filters, recentDays: recentDays, asOf: asOf)
                let apart = try stride(from: 0, to: inputs.products.count, by: 30).flatMap { start in
                    try ShortlistService.exclusions(db, products: Array(inputs.products[start..<min(inputs.products.count, start + 30)]), pool: inputs.pool, filters: filters, recentDays: recentDays, asOf: asOf)
                }
                return (together, apart)
            }
            #expect(inputs.products.count > 64)
            #expect(together == apart)
            // And from the invitations grouped by id, looked up through an id → index table (a rescore).
            let links = try database.read { db in try StoreQueries.invitationLinks(db) }
            let groups = ShortlistService.InvitationGroups(links: links, filters: filters, recentDays: recentDays, asOf: asOf)
            let index = Dictionary(uniqueKeysWithValues: inputs.pool.ids.enumerated().map { ($0.element, $0.offset) })
            #expect(ShortlistService.exclusions(groups, products: inputs.products, pool: inputs.pool, index: index) == apart)
            #expect(together.contains { !$0.isEmpty })
        }
    }

    /// The hand-written JSON of a shortlist is what JSONEncoder writes with sorted keys, byte for byte
    /// (with and without the optional rates, reasons with quotes and a slash, non-integral numbers).
    @Test func shortlistJSONTextIsJSONEncodersOutput() throws {
        let (database, _, _) = try importedDemoMarket(in: workspace, models: models, asOf: asOf, creators: 300, products: 30, dimension: 8)
        var request = ShortlistRequest(selection: .allEligible, asOf: asOf)
        request.k = 5
        var shortlists = try ShortlistService(database: database, models: models).shortlists(request).shortlists
        #expect(shortlists.count > 5)
        let first = shortlists[0]
        let odd = ShortlistEntry(rank: 1, creator_id: "c/\"1\"", username: nil, followers: 0, tier: nil, score: 0.1 + 0.2, similarity: -1, score_parts: nil, reasons: ["a \"quoted\" / slashed\nline"])
        shortlists.append(Shortlist(product_id: "p\\1", run_id: 7, shop_id: first.shop_id, category: first.category, offered_rate: nil, suggested_open_rate: nil, current_rate: nil, rank_by: "similarity", creators: [odd]))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for shortlist in shortlists {
            #expect(shortlist.jsonText == String(decoding: try encoder.encode(shortlist), as: UTF8.self))
        }
        // The whole report too, with skipped products and timings.
        var report = try ShortlistService(database: database, models: models).shortlists(request)
        report = ShortlistReport(
            as_of: report.as_of, rank_by: report.rank_by, k: report.k, vector_model: report.vector_model, candidates: report.candidates,
            filters: report.filters + ["with \"quotes\""], shortlists: shortlists, skipped: report.skipped + [SkippedProduct(product_id: "p-x", status: "no_vector", reasons: ["no \"vector\""])],
            timings_ms: report.timings_ms.merging(["b": 2, "a": 1]) { x, _ in x })
        #expect(report.jsonText == String(decoding: try encoder.encode(report), as: UTF8.self))
    }

    @Test func theConcentrationCapBoundsBlendedRequestsAndLeavesSimilarityExact() throws {
        let (database, _, _) = try importedDemoMarket(in: workspace, models: models, asOf: asOf, creators: 1500, products: 80, dimension: 16)
        let service = ShortlistService(database: database, models: models)
        func lists(_ rankBy: RankBy, _ share: Double?) throws -> [[String]] {
            var request = ShortlistRequest(selection: .allEligible, asOf: asOf)
            request.k = 10
            request.rankBy = rankBy
            request.maxShare = share
            return try service.shortlists(request).shortlists.map { $0.creators.map(\.creator_id) }
        }
        func most(_ lists: [[String]]) -> Int {
            Dictionary(lists.flatMap { $0 }.map { ($0, 1) }, uniquingKeysWith: +).values.max() ?? 0
        }
        let uncapped = try lists(.blended, 1)
        let maxLists = ConcentrationCap.maxLists(share: 0.05, lists: uncapped.count)
        #expect(most(uncapped) > maxLists)   // the cap has something to do
        let capped = try lists(.blended, 0.05)
        #expect(most(capped) <= maxLists)
        #expect(capped.allSatisfy { $0.count == 10 })   // products refilled from deeper candidates
        // Similarity is not capped unless asked: the same as with the cap off.
        #expect(try lists(.similarity, nil) == lists(.similarity, 1))
    }
}
