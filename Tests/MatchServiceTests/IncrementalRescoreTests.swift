import Foundation
import GRDB
import MatchCore
import MatchStore
import Testing
@testable import MatchService

/// Incremental rescoring must publish exactly what a full run computes, on random change sets.
@Suite struct IncrementalRescoreTests {
    let workspace = makeWorkspace()
    let models = try! ModelCatalog.load(from: repositoryModels)
    let asOf = Day(year: 2026, month: 11, day: 25)!

    /// A demo market (2,000 creators, 60 products, d = 16) imported into a new database.
    func market() throws -> (MatchDatabase, ImportService, demo: URL) {
        try importedDemoMarket(in: workspace, models: models, asOf: asOf, creators: 2000, products: 60, dimension: 16)
    }

    func objects(_ url: URL) throws -> [[String: Any]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    func importObjects(_ objects: [[String: Any]], _ kind: EntityKind, _ importer: ImportService, name: String) throws {
        let url = workspace.appendingPathComponent(name)
        let lines = try objects.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self) }
        write(lines, to: url)
        _ = try importer.importFile(kind, path: url.path)
    }

    /// One random change set: creators with new vectors, stats, followers or categories, new creators,
    /// products with new rates or vectors, new invitations (which change exclusions), new sales (which
    /// move commission suggestions) and shops whose rating crosses the eligibility threshold.
    func applyChanges(round: Int, random: inout SeededRandom, importer: ImportService, creators: [[String: Any]], products: [[String: Any]], shops: [[String: Any]] = [], database: MatchDatabase? = nil) throws {
        var changed: [[String: Any]] = []
        let categories = models.taxonomy.categories.filter { $0.parent == nil }.map(\.name)
        for _ in 0..<(5 + random.int(0...(40 - 1))) {
            var c = creators[random.int(0...(creators.count - 1))]
            switch random.int(0...(5 - 1)) {
            case 0: c["vector"] = (c["vector"] as! [Double]).map { $0 + random.uniform(-0.8...0.8) }
            case 1: c["gmv_30d"] = random.uniform(0...90_000)
            case 2: c["followers"] = random.int(0...(2_000_000 - 1))
            case 3: c["categories"] = [categories[random.int(0...(categories.count - 1))]: random.uniform(0.2...1)]
            default: c["post_rate"] = random.uniform(0...1)
            }
            changed.append(c)
        }
        for i in 0..<random.int(0...(6 - 1)) {
            var c = creators[random.int(0...(creators.count - 1))]
            c["id"] = "cr-new-\(round)-\(i)"
            c["vector"] = (c["vector"] as! [Double]).map { $0 + random.uniform(-0.3...0.3) }
            changed.append(c)
        }
        try importObjects(changed, .creators, importer, name: "creators-\(round).jsonl")
        var productChanges: [[String: Any]] = []
        for _ in 0..<random.int(0...(4 - 1)) {
            var p = products[random.int(0...(products.count - 1))]
            if random.int(0...(2 - 1)) == 0 {
                p["commission_rate"] = 1500 + 100 * random.int(0...(10 - 1))
            } else {
                p["vector"] = (p["vector"] as! [Double]).map { $0 + random.uniform(-0.5...0.5) }
            }
            productChanges.append(p)
        }
        if !productChanges.isEmpty { try importObjects(productChanges, .products, importer, name: "products-\(round).jsonl") }
        var invitations: [[String: Any]] = []
        for _ in 0..<random.int(0...(3 - 1)) {
            invitations.append([
                "creator_id": creators[random.int(0...(creators.count - 1))]["id"]!, "product_id": products[random.int(0...(products.count - 1))]["id"]!,
                "sent_at": "2026-11-20T09:00:00Z", "status": "pending", "commission_rate": 1500,
            ])
        }
        // Invitations at the edge of the recent window (90 days): they stop excluding on the later days.
        for _ in 0..<(2 + random.int(0...(6 - 1))) {
            invitations.append([
                "creator_id": creators[random.int(0...(creators.count - 1))]["id"]!, "product_id": products[random.int(0...(products.count - 1))]["id"]!,
                "sent_at": "2026-08-\(27 + random.int(0...2))T09:00:00Z", "status": "accepted", "commission_rate": 1500,
            ])
        }
        if !invitations.isEmpty { try importObjects(invitations, .invitations, importer, name: "invitations-\(round).jsonl") }
        var sales: [[String: Any]] = []
        for i in 0..<random.int(0...(30 - 1)) {
            let orders = 1 + random.int(0...(40 - 1))
            sales.append([
                "creator_id": creators[random.int(0...(creators.count - 1))]["id"]!, "product_id": products[random.int(0...(products.count - 1))]["id"]!,
                "date": "2026-11-\(10 + (round + i) % 15)", "orders": orders, "gmv": Double(orders) * random.uniform(5...80),
                "commission_rate": 500 + 100 * random.int(0...(15 - 1)), "content_type": random.int(0...1) == 0 ? "video" : "live",
            ])
        }
        if !sales.isEmpty { try importObjects(sales, .outcomes, importer, name: "outcomes-\(round).jsonl") }
        // A hand-written delete of a recent invitation (outside creatormatch): its exclusion ends without
        // the date moving.
        if let database, round == 4 {
            try database.write { db in
                try db.execute(sql: """
                    DELETE FROM invitations WHERE (creator_id, product_id, sent_at) IN
                        (SELECT creator_id, product_id, sent_at FROM invitations ORDER BY sent_day DESC, creator_id LIMIT 3)
                    """)
            }
        }
        if !shops.isEmpty, random.int(0...(2 - 1)) == 0 {
            var shop = shops[random.int(0...(shops.count - 1))]
            shop["rating"] = random.int(0...(2 - 1)) == 0 ? 2.0 : 4.6
            try importObjects([shop], .shops, importer, name: "shops-\(round).jsonl")
        }
    }

    /// The run's products and published lists: every field a reader sees.
    func published(_ database: MatchDatabase, run: Int64) throws -> (products: [RunProductRow], entries: [String: String], ranked: [String: [RankedList.Entry]]) {
        let entries = try RunExports(database: database, models: models).entriesJSON(run: run)
        return try database.read { db in
            let products = try RunStore.products(db, run: run).map { row -> RunProductRow in
                var row = row
                row.listID = nil
                return row
            }
            let lists = try RunStore.lists(db, run: run).mapValues { Array($0.creators) }
            return (products, entries, lists)
        }
    }

    /// The first product (by id) whose value differs between two keyed lists, or nil when equal.
    func firstDifference(_ a: [(String, String)], _ b: [(String, String)]) -> String? {
        let left = Dictionary(uniqueKeysWithValues: a)
        let right = Dictionary(uniqueKeysWithValues: b)
        return Set(left.keys).union(right.keys).sorted().first { left[$0] != right[$0] }
    }

    @Test func incrementalRunsEqualFullRunsOnRandomChangeSets() throws {
        let (database, importer, demo) = try market()
        let creators = try objects(demo.appendingPathComponent("creators.jsonl"))
        let products = try objects(demo.appendingPathComponent("products.jsonl"))
        let shops = try objects(demo.appendingPathComponent("shops.jsonl"))
        let service = RescoreService(database: database, models: models, clock: FixedClock(day: asOf))
        var request = RescoreRequest(asOf: asOf)
        request.k = 10
        let first = try service.rescore(request)
        #expect(first.mode == "full")
        var random = SeededRandom(seed: 20261125)
        var incrementalSeen = 0
        var (eligibilityMoves, rateChanges) = (0, 0)
        var last = first.run_id
        for round in 0..<6 {
            try applyChanges(round: round, random: &random, importer: importer, creators: creators, products: products, shops: shops, database: database)
            // The last rounds are the next nights: eligibility windows, recent invitations and sales
            // move with the day.
            request.asOf = asOf.advanced(by: max(0, round - 3))
            request.incremental = true
            let incremental = try service.rescore(request)
            request.incremental = false
            let full = try service.rescore(request)
            // The summary's changes (computed from memory) are what `runs diff` reads from the store.
            let stored = try database.read { db in
                (try RunDiff.compare(db, from: last, to: incremental.run_id).summary, try RunDiff.compare(db, from: incremental.run_id, to: full.run_id).summary)
            }
            #expect(incremental.changes == stored.0, "round \(round): the incremental run's changes differ from runs diff")
            #expect(full.changes == stored.1, "round \(round): the full run's changes differ from runs diff")
            #expect((incremental.changes?.creators_added ?? 0) > 0, "round \(round): nothing changed")
            eligibilityMoves += (incremental.changes?.became_eligible ?? 0) + (incremental.changes?.became_ineligible ?? 0)
            rateChanges += incremental.changes?.rate_changes ?? 0
            last = full.run_id
            if incremental.mode == "incremental" {
                incrementalSeen += 1
                #expect(incremental.products_searched < incremental.products_scored, "round \(round): an incremental run searched every product")
                #expect((incremental.creators_changed ?? 0) > 0)
            }
            let a = try published(database, run: incremental.run_id)
            let b = try published(database, run: full.run_id)
            #expect(firstDifference(a.products.map { ($0.productID, "\($0)") }, b.products.map { ($0.productID, "\($0)") }) == nil, "round \(round): product rows differ")
            #expect(firstDifference(a.ranked.map { ($0.key, "\($0.value)") }, b.ranked.map { ($0.key, "\($0.value)") }) == nil, "round \(round): ranked creators differ")
            #expect(firstDifference(a.entries.map { ($0.key, $0.value) }, b.entries.map { ($0.key, $0.value) }) == nil, "round \(round): entries differ")
            // And both equal shortlists computed from scratch, without any stored run.
            var live = ShortlistRequest(selection: .allEligible, asOf: request.asOf)
            live.k = 10
            live.maxShare = 1
            let report = try ShortlistService(database: database, models: models).shortlists(live)
            let fromScratch = Dictionary(uniqueKeysWithValues: report.shortlists.map { ($0.product_id, "[" + $0.creators.map(\.jsonText).joined(separator: ",") + "]") })
            #expect(firstDifference(fromScratch.map { ($0.key, $0.value) }, a.entries.map { ($0.key, $0.value) }) == nil, "round \(round): the incremental run differs from a fresh computation")
        }
        #expect(incrementalSeen == 6)
        // The change sets reached eligibility and the suggested rates, not only the creators.
        #expect(eligibilityMoves > 0)
        #expect(rateChanges > 0)
    }

    @Test func anIncrementalRunFallsBackToFullAndSaysWhy() throws {
        let (database, _, _) = try market()
        let service = RescoreService(database: database, models: models, clock: FixedClock(day: asOf))
        var request = RescoreRequest(asOf: asOf)
        request.k = 10
        request.incremental = true
        let first = try service.rescore(request)
        #expect(first.mode == "full")
        #expect(first.full_reason == nil)
        let same = try service.rescore(request)
        #expect(same.mode == "incremental")
        #expect(same.creators_changed == 0)
        #expect(same.products_searched == 0)
        #expect(same.lists_written == 0)
        #expect(same.lists_reused == same.products_scored)
        #expect(same.changes?.products_changed == 0)
        request.k = 12
        let other = try service.rescore(request)
        #expect(other.mode == "full")
        #expect(other.full_reason?.contains("different parameters") == true)
    }

    /// A later day moves exclusions (invitations older than the recent window stop excluding) and so
    /// most products' digests, but seldom their rankings: those lists are shared, not written again, and
    /// the run still equals a fresh computation (the randomized test checks that on later days).
    @Test func aLaterDaySharesListsWhoseRankingDidNotMove() throws {
        let (database, _, _) = try market()
        let service = RescoreService(database: database, models: models, clock: FixedClock(day: asOf))
        var request = RescoreRequest(asOf: asOf)
        request.k = 10
        let first = try service.rescore(request)
        request.asOf = asOf.advanced(by: 20)
        request.incremental = true
        let later = try service.rescore(request)
        let (movedDigests, sharedAnyway) = try database.read { db in
            try Row.fetchOne(db, sql: """
                SELECT count(*), sum(a.list_id = b.list_id) FROM run_products a JOIN run_products b ON a.product_id = b.product_id
                WHERE a.run_id = ? AND b.run_id = ? AND a.digest != b.digest AND a.list_id IS NOT NULL
                """, arguments: [first.run_id, later.run_id]).map { (($0[0] as Int?) ?? 0, ($0[1] as Int?) ?? 0) }!
        }
        #expect(movedDigests > 0, "no product's inputs moved with the day")
        #expect(sharedAnyway > 0, "\(movedDigests) products' inputs moved and none of their lists was shared")
        // Only their exclusions moved: their kept lists took the creators whose exclusion lapsed, no
        // product was searched over every creator.
        #expect(later.mode == "incremental")
        #expect(later.products_searched < movedDigests)
        #expect(later.lists_written < later.products_scored)
    }

    /// The next day, a shop's invitation older than the recent window stops excluding its creator, and a
    /// new one excludes another: an incremental run keeps the lists (only exclusions moved), puts the
    /// freed creator where a fresh computation does and drops the newly invited one.
    @Test func exclusionsThatLapseOrBeginMoveCreatorsIntoAndOutOfKeptLists() throws {
        let (database, importer, _) = try market()
        let service = RescoreService(database: database, models: models, clock: FixedClock(day: asOf))
        let nextDay = asOf.advanced(by: 1)
        func live(_ day: Day) throws -> [String: [String]] {
            var request = ShortlistRequest(selection: .allEligible, asOf: day)
            request.k = 10
            request.maxShare = 1
            let report = try ShortlistService(database: database, models: models).shortlists(request)
            return Dictionary(uniqueKeysWithValues: report.shortlists.map { ($0.product_id, $0.creators.map(\.creator_id)) })
        }
        // A shop with two eligible products: its invitations to one exclude creators from the other.
        let lists = try live(asOf)
        let shops = try database.read { db in try StoreQueries.products(db) }.filter { lists[$0.id.rawValue] != nil }
        let byShop = Dictionary(grouping: shops, by: \.shopID)
        let (shop, pair) = try #require(byShop.first { $0.value.count >= 2 }.map { ($0.key, $0.value) })
        let (target, other) = (pair[0].id.rawValue, pair[1].id.rawValue)
        let freed = try #require(lists[target]?.first)
        // Sent 90 days before today: inside the window today, outside it tomorrow.
        try importObjects([[
            "creator_id": freed, "product_id": other, "sent_at": "\(asOf.advanced(by: -90))T09:00:00Z", "status": "accepted", "commission_rate": 1500,
        ]], .invitations, importer, name: "edge.jsonl")
        var request = RescoreRequest(asOf: asOf)
        request.k = 10
        let first = try service.rescore(request)
        let published = try database.read { db in try RunStore.lists(db, run: first.run_id) }
        #expect(published[target]?.creators.map(\.creatorID).contains(freed) == false, "the invited creator was listed")
        let invited = try #require(published[target]?.creators.map(\.creatorID).first)
        try importObjects([[
            "creator_id": invited, "product_id": other, "sent_at": "\(nextDay)T08:00:00Z", "status": "pending", "commission_rate": 1500,
        ]], .invitations, importer, name: "new.jsonl")
        request.asOf = nextDay
        request.incremental = true
        let next = try service.rescore(request)
        #expect(next.mode == "incremental")
        #expect(next.products_searched < byShop[shop]!.count, "the shop's products were searched over every creator")
        let after = try database.read { db in try RunStore.lists(db, run: next.run_id) }.mapValues { $0.creators.map(\.creatorID) }
        let fresh = try live(nextDay)
        #expect(after[target]?.contains(freed) == true)
        #expect(after[target]?.contains(invited) == false)
        #expect(after[target] == fresh[target])
        #expect(after[other] == fresh[other])
        // A hand-written delete ends an exclusion without the date moving: the triggers log it, and the
        // next incremental run searches those products again instead of trusting the kept lists.
        try database.write { db in
            try db.execute(sql: "DELETE FROM invitations WHERE creator_id = ? AND product_id = ?", arguments: [invited, other])
        }
        let again = try service.rescore(request)
        let restored = try database.read { db in try RunStore.lists(db, run: again.run_id) }.mapValues { $0.creators.map(\.creatorID) }
        #expect(restored[target]?.contains(invited) == true)
        #expect(restored[target] == (try live(nextDay))[target])
    }

    @Test func pruningDropsOnlyListsNoKeptRunShares() throws {
        let (database, importer, demo) = try market()
        let service = RescoreService(database: database, models: models, clock: FixedClock(day: asOf))
        var request = RescoreRequest(asOf: asOf)
        request.k = 10
        let a = try service.rescore(request)
        var random = SeededRandom(seed: 7)
        try applyChanges(round: 0, random: &random, importer: importer, creators: try objects(demo.appendingPathComponent("creators.jsonl")),
                         products: try objects(demo.appendingPathComponent("products.jsonl")))
        let b = try service.rescore(request)
        #expect(b.lists_reused > 0 && b.lists_written > 0)   // b shares some of a's lists and has its own
        let before = try published(database, run: b.run_id)
        func counts() throws -> (lists: Int, orphans: Int) {
            try database.read { db in
                (try Int.fetchOne(db, sql: "SELECT count(*) FROM run_lists")!,
                 try Int.fetchOne(db, sql: "SELECT count(*) FROM run_lists WHERE id NOT IN (SELECT list_id FROM run_products WHERE list_id IS NOT NULL)")!)
            }
        }
        let listsBefore = try counts().lists
        request.keep = 2
        let c = try service.rescore(request)
        #expect(c.pruned_runs == 1)
        #expect(try database.read { db in try RunStore.run(db, id: a.run_id) } == nil)
        let after = try counts()
        #expect(after.orphans == 0)
        #expect(after.lists == listsBefore - b.lists_written + c.lists_written)   // a's own lists went; shared ones stayed
        let kept = try published(database, run: b.run_id)
        #expect(kept.entries == before.entries)
        #expect(kept.ranked.mapValues { "\($0)" } == before.ranked.mapValues { "\($0)" })
    }

    @Test func rankedListsRoundTripAndMergeExactly() throws {
        let list = RankedList(entries: [.init(creatorID: "b", score: 0.9), .init(creatorID: "a", score: 0.5)], boundary: .init(creatorID: "c", score: 0.4))
        #expect(RankedList(decoding: list.encoded()) == list)
        #expect(RankedList(decoding: Array(list.encoded().dropLast())) == nil)
        // A changed creator scoring above the boundary joins in order; one below it is dropped.
        let merged = list.merging([.init(creatorID: "d", score: 0.5), .init(creatorID: "e", score: 0.3)], depth: 5, needed: 2)
        #expect(merged?.entries.map(\.creatorID) == ["b", "a", "d"])
        #expect(merged?.boundary == list.boundary)
        // Trimmed to the depth, the boundary becomes the last kept entry.
        let trimmed = list.merging([.init(creatorID: "d", score: 0.95)], depth: 2, needed: 2)
        #expect(trimmed?.entries.map(\.creatorID) == ["d", "b"])
        #expect(trimmed?.boundary == .init(creatorID: "b", score: 0.9))
        // Too few known creators above the boundary: the product needs a full search.
        #expect(RankedList(entries: [list.entries[0]], boundary: list.boundary).merging([], depth: 5, needed: 2) == nil)
    }

    @Test func entryCardsRoundTripAndRefuseTruncation() {
        let cards = [
            EntryCard(creatorID: "c1", creator: CreatorPart(username: "ünï", followers: 12_345, gmv: 12_000.5, gmvEstimated: false, gpm: 12.5, postRate: 0.7, avgCommissionRate: 1200),
                      score: 0.8125, similarity: 0.9, parts: ScoreParts(similarity: 0.5, salesStrength: 0.2, postRate: 0.07, commissionFit: 0.1),
                      share: 0.95, blocks: [.category: 0.5, .audience: 0.2, .price: 0.15, .content: 0.05],
                      profileNote: "sells in the 20-40 price band (product: 20-40)"),
            EntryCard(creatorID: "c2", creator: CreatorPart(username: nil, followers: 0, gmv: 0, gmvEstimated: true),
                      score: -0.25, similarity: -0.1, parts: nil, share: 0, blocks: nil),
        ]
        // Lists written before 0.3.0: whole cards.
        let old = EntryCardCodec.encodeSelfContained(cards)
        #expect(EntryCardCodec.decode(old) { _ in nil } == cards)
        #expect(EntryCardCodec.decode(Array(old.dropLast())) { _ in nil } == nil)
        #expect(EntryCardCodec.decode(old + [0]) { _ in nil } == nil)
        #expect(EntryCardCodec.decode(EntryCardCodec.encodeSelfContained([])) { _ in nil } == [])
        // Now: the product's part in the list, each creator's part once in the run.
        let parts = Dictionary(uniqueKeysWithValues: cards.map { ($0.creatorID, EntryCardCodec.encodeCreatorPart($0.creator)) })
        for (id, bytes) in parts {
            #expect(EntryCardCodec.decodeCreatorPart(bytes) == cards.first { $0.creatorID == id }!.creator)
            #expect(EntryCardCodec.decodeCreatorPart(Array(bytes.dropLast())) == nil)
        }
        let lookup: (String) -> CreatorPart? = { parts[$0].flatMap(EntryCardCodec.decodeCreatorPart) }
        let list = EntryCardCodec.encodeProductParts(cards)
        #expect(EntryCardCodec.decode(list, creator: lookup) == cards)
        #expect(EntryCardCodec.creatorIDs(list) == ["c1", "c2"])
        #expect(list.count < old.count * 3 / 4, "\(list.count) bytes against \(old.count)")
        #expect(EntryCardCodec.decode(Array(list.dropLast()), creator: lookup) == nil)
        #expect(EntryCardCodec.decode(list + [0], creator: lookup) == nil)
        #expect(EntryCardCodec.decode(list) { $0 == "c1" ? lookup($0) : nil } == nil, "a creator missing from the run makes the list unreadable")
        #expect(EntryCardCodec.decode(EntryCardCodec.encodeProductParts([])) { _ in nil } == [])
        // Doubles that are not exactly a float keep all their bits.
        var precise = cards[0]
        precise.similarity = 0.1
        precise.share = 1.0 / 3
        #expect(EntryCardCodec.decode(EntryCardCodec.encodeProductParts([precise]), creator: lookup) == [precise])
    }
}
