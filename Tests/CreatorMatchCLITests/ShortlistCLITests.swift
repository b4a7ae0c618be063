import Foundation
import Testing

/// Shortlists through the built binary, checked against a brute-force float64 oracle.
@Suite struct ShortlistCLITests {
    let cli = CLI()

    struct Entry: Decodable {
        let rank: Int
        let creator_id: String
        let score: Double
        let similarity: Double
        let score_parts: Parts?
        let reasons: [String]
        struct Parts: Decodable { let similarity, sales_strength, post_rate, commission_fit: Double }
    }
    struct Shortlist: Decodable { let product_id: String; let run_id: String?; let creators: [Entry] }
    struct Report: Decodable { let shortlists: [Shortlist]; let skipped: [Skipped]; let candidates: Int }
    struct Skipped: Decodable { let product_id: String; let status: String }

    /// A seeded market: creators with random 6-d vectors, some exact duplicates (ties), a few ids
    /// whose byte order differs from Swift's String order.
    func seed(creators: Int = 300, seed: UInt64 = 1) throws -> (creators: [String: [Double]], products: [String: [Double]], followers: [String: Int]) {
        var state = seed
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) * 2 - 1
        }
        var creatorVectors: [String: [Double]] = [:]
        var followers: [String: Int] = [:]
        var lines: [String] = []
        let special = ["B", "a", "é", "Z-1", "b"]
        for i in 0..<creators {
            let id = i < special.count ? special[i] : "c\(i)"
            // Every tenth creator duplicates an earlier one's vector: exact ties.
            let vector = i >= 10 && i % 10 == 0 ? creatorVectors[i - 10 < special.count ? special[i - 10] : "c\(i - 10)"]! : (0..<6).map { _ in (next() * 1000).rounded() / 1000 }
            creatorVectors[id] = vector
            let f = Int((next() + 1) * 600_000)
            followers[id] = f
            let gmv = i % 7 == 0 ? "" : #","gmv_30d":\#(Int((next() + 1) * 50_000))"#
            let categories = i % 3 == 0 ? #"{"Health":0.8}"# : #"{"Shoes":0.6,"Skincare":0.3}"#
            lines.append(#"{"id":"\#(id)","username":"u\#(i)","followers":\#(f)\#(gmv),"categories":\#(categories),"avg_commission_rate":\#(1000 + 100 * (i % 10)),"post_rate":0.\#(i % 9 + 1),"vector":[\#(vector.map { String($0) }.joined(separator: ","))]}"#)
        }
        cli.write("creators.jsonl", lines)
        cli.write("shops.jsonl", [#"{"id":"s1","rating":4.5,"status":"active"}"#, #"{"id":"bad","rating":1.0,"status":"active"}"#])
        var productVectors: [String: [Double]] = [:]
        var productLines: [String] = []
        for i in 0..<6 {
            let vector = (0..<6).map { _ in (next() * 1000).rounded() / 1000 }
            productVectors["p\(i)"] = vector
            productLines.append(#"{"id":"p\#(i)","shop_id":"s1","category":"\#(i % 2 == 0 ? "Health" : "Shoes")","price":20,"status":"live","commission_rate":1500,"vector":[\#(vector.map { String($0) }.joined(separator: ","))]}"#)
        }
        productLines.append(#"{"id":"p-bad","shop_id":"bad","category":"Health","price":20,"status":"live","vector":[1,0,0,0,0,0]}"#)
        cli.write("products.jsonl", productLines)
        cli.write("invitations.jsonl", [
            #"{"creator_id":"c11","product_id":"p0","sent_at":"2026-11-01","status":"declined"}"#,
            #"{"creator_id":"c12","product_id":"p1","sent_at":"2026-01-01","status":"accepted"}"#,
            #"{"creator_id":"c13","product_id":"p1","sent_at":"2026-11-20","status":"pending"}"#,
        ])
        for entity in ["shops", "products", "creators", "invitations"] {
            let result = try cli.run(["import", entity, cli.path("\(entity).jsonl")])
            #expect(result.status == 0, "\(result.stderr)")
        }
        return (creatorVectors, productVectors, followers)
    }

    static func cosine(_ a: [Double], _ b: [Double]) -> Double {
        func norm(_ v: [Double]) -> Double { v.map { $0 * $0 }.reduce(0, +).squareRoot() }
        return zip(a, b).map { Double(Float($0)) * Double(Float($1)) }.reduce(0, +) / (norm(a.map { Double(Float($0)) }) * norm(b.map { Double(Float($0)) }))
    }

    static func byteOrder(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

    @Test func similarityIsTheExactTopKWithTiesByCreatorIdBytes() throws {
        let market = try seed()
        let result = try cli.run(["shortlist", "--product", "p0", "--rank-by", "similarity", "--limit", "40", "--as-of", "2026-11-25", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let shortlist = try JSONDecoder().decode(Shortlist.self, from: Data(result.stdout.utf8))
        #expect(shortlist.product_id == "p0")
        // Oracle: every creator except the one invited to p0, float64 cosine, ties by id bytes.
        let oracle = market.creators.filter { $0.key != "c11" }
            .map { (id: $0.key, score: Self.cosine(market.products["p0"]!, $0.value)) }
            .sorted { abs($0.score - $1.score) > 1e-9 ? $0.score > $1.score : Self.byteOrder($0.id, $1.id) }
        #expect(shortlist.creators.count == 40)
        #expect(shortlist.creators.map(\.rank) == Array(1...40))
        for (got, want) in zip(shortlist.creators, oracle) {
            #expect(abs(got.score - want.score) < 1e-5)
        }
        // The same ids in the same order (ties broken by id bytes) wherever scores differ by more than rounding.
        #expect(shortlist.creators.map(\.creator_id) == Array(oracle.prefix(40).map(\.id)))
        #expect(!shortlist.creators.contains { $0.creator_id == "c11" })
        // Ranked by similarity, the reported similarity is the score itself.
        #expect(shortlist.creators.allSatisfy { $0.similarity == $0.score })
    }

    @Test func tiesAreBrokenByByteOrderOfIds() throws {
        cli.write("shops.jsonl", [#"{"id":"s1","rating":4.5,"status":"active"}"#])
        cli.write("products.jsonl", [#"{"id":"p","shop_id":"s1","category":"Health","price":1,"status":"live","vector":[1,0]}"#])
        // Five identical vectors: the order is by id bytes ("B" < "Z" < "a" < "z" < "é", C3 A9).
        cli.write("creators.jsonl", ["é", "a", "Z", "z", "B"].map { #"{"id":"\#($0)","followers":1,"vector":[2,0]}"# } + [#"{"id":"far","followers":1,"vector":[0,1]}"#])
        for entity in ["shops", "products", "creators"] {
            #expect(try cli.run(["import", entity, cli.path("\(entity).jsonl")]).status == 0)
        }
        let result = try cli.run(["shortlist", "--product", "p", "--rank-by", "similarity", "--limit", "10", "--format", "json"])
        let shortlist = try JSONDecoder().decode(Shortlist.self, from: Data(result.stdout.utf8))
        #expect(shortlist.creators.map(\.creator_id) == ["B", "Z", "a", "z", "é", "far"])
        // Fewer candidates than k: a shorter list, no padding.
        #expect(shortlist.creators.count == 6)
    }

    @Test func blendedScoresDecomposeIntoTheirPartsAndAreOrdered() throws {
        _ = try seed()
        let result = try cli.run(["shortlist", "--product", "p1", "--limit", "25", "--as-of", "2026-11-25", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let shortlist = try JSONDecoder().decode(Shortlist.self, from: Data(result.stdout.utf8))
        #expect(shortlist.creators.count == 25)
        for entry in shortlist.creators {
            let parts = try #require(entry.score_parts)
            #expect(abs(parts.similarity + parts.sales_strength + parts.post_rate + parts.commission_fit - entry.score) < 1e-5)
            #expect(entry.reasons.count >= 5)
            #expect(entry.reasons.last!.hasPrefix("passed filters:"))
        }
        #expect(zip(shortlist.creators, shortlist.creators.dropFirst()).allSatisfy { $0.score >= $1.score })
        // c13 was invited by the shop 5 days ago (90-day default) and c12 to this product long ago.
        #expect(!shortlist.creators.contains { ["c12", "c13"].contains($0.creator_id) })
    }

    @Test func filtersNarrowTheCandidates() throws {
        let market = try seed()
        func ids(_ extra: [String]) throws -> [String] {
            let result = try cli.run(["shortlist", "--product", "p0", "--rank-by", "similarity", "--limit", "300", "--as-of", "2026-11-25", "--format", "json"] + extra)
            #expect(result.status == 0, "\(result.stderr)")
            return try JSONDecoder().decode(Shortlist.self, from: Data(result.stdout.utf8)).creators.map(\.creator_id)
        }
        let all = try ids([])
        #expect(all.count == market.creators.count - 1)
        let macro = try ids(["--min-tier", "macro"])
        #expect(Set(macro) == Set(all.filter { market.followers[$0]! >= 500_000 }))
        let upToMicro = try ids(["--max-tier", "micro"])
        #expect(upToMicro.allSatisfy { market.followers[$0]! < 100_000 })
        #expect(!upToMicro.isEmpty)
        let health = try ids(["--category", "Health"])
        #expect(Set(health) == Set(all.filter { id in
            let i = ["B", "a", "é", "Z-1", "b"].firstIndex(of: id) ?? Int(id.dropFirst())!
            return i % 3 == 0
        }))
        let allowed = try ids(["--allow", "c20,c21,c22", "--deny", "c21"])
        #expect(Set(allowed) == ["c20", "c22"])
        // c11 declined p0 (and is excluded from p0 anyway); for p2 only --exclude-declined drops it.
        func idsFor(_ product: String, _ extra: [String]) throws -> [String] {
            let result = try cli.run(["shortlist", "--product", product, "--rank-by", "similarity", "--limit", "300", "--as-of", "2026-11-25", "--format", "json"] + extra)
            return try JSONDecoder().decode(Shortlist.self, from: Data(result.stdout.utf8)).creators.map(\.creator_id)
        }
        #expect(try idsFor("p2", []).contains("c11"))
        #expect(!(try idsFor("p2", ["--exclude-declined"]).contains("c11")))
        let recent = try ids(["--recently-invited-days", "30"])
        #expect(!recent.contains("c13"))
        #expect(recent.count == all.count - 1)
    }

    @Test func streamingFromTheDatabaseGivesTheSameShortlists() throws {
        _ = try seed()
        for rankBy in ["similarity", "blended"] {
            let base = ["shortlist", "--all", "--limit", "30", "--rank-by", rankBy, "--as-of", "2026-11-25", "--format", "jsonl", "--min-tier", "nano", "--exclude-declined"]
            let loaded = try cli.run(base)
            let streamed = try cli.run(base + ["--stream", "--tile-creators", "7", "--tile-products", "4"])
            let oneThread = try cli.run(base + ["--threads", "1", "--tile-creators", "64", "--filter-precision", "float32"])
            #expect(loaded.status == 0, "\(loaded.stderr)")
            #expect(streamed.status == 0, "\(streamed.stderr)")
            #expect(loaded.stdout.split(separator: "\n").count == 6)
            #expect(streamed.stdout == loaded.stdout)
            #expect(oneThread.stdout == loaded.stdout)
        }
    }

    @Test func ineligibleAndUnknownProductsSayWhy() throws {
        _ = try seed()
        let ineligible = try cli.run(["shortlist", "--product", "p-bad", "--as-of", "2026-11-25"])
        #expect(ineligible.status == 1)
        #expect(ineligible.stderr.contains("temporarily disqualified"))
        #expect(ineligible.stderr.contains("store rating 1"))
        let unknown = try cli.run(["shortlist", "--product", "nope"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no product with id \"nope\""))
        let all = try cli.run(["shortlist", "--all", "--limit", "3", "--as-of", "2026-11-25", "--format", "json"])
        let report = try JSONDecoder().decode(Report.self, from: Data(all.stdout.utf8))
        #expect(report.shortlists.count == 6)
        #expect(report.skipped.map(\.product_id) == ["p-bad"])
        let usage = try cli.run(["shortlist", "--product", "p0", "--all"])
        #expect(usage.status == 64)
    }

    @Test func invitationBatchesRespectThePlatformLimits() throws {
        _ = try seed(creators: 260)
        let result = try cli.run(["shortlist", "--all", "--limit", "120", "--as-of", "2026-11-25", "--batches", "--format", "csv"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = result.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == 6 * 120)
        var creatorsByBatch: [String: Set<String>] = [:]
        var productsByBatch: [String: Set<String>] = [:]
        // The offered rate is the commission suggestion's targeted rate for the product.
        struct Suggestion: Decodable { let target_rate: Int }
        var targetRates: [String: String] = [:]
        for product in (0..<6).map({ "p\($0)" }) {
            let commission = try cli.run(["commission", "--product", product, "--as-of", "2026-11-25", "--format", "json"])
            targetRates[product] = String(try JSONDecoder().decode(Suggestion.self, from: Data(commission.stdout.utf8)).target_rate)
        }
        for row in rows {
            creatorsByBatch[row[0], default: []].insert(row[2])
            productsByBatch[row[0], default: []].insert(row[1])
            #expect(row[5] == targetRates[row[1]])
        }
        #expect(creatorsByBatch.values.allSatisfy { $0.count <= 50 })
        #expect(productsByBatch.values.allSatisfy { $0.count <= 100 })
    }

    @Test func lookalikesExcludeTheCreatorItself() throws {
        let market = try seed()
        let result = try cli.run(["similar", "--creator", "c10", "--limit", "5", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        struct Lookalikes: Decodable { let creators: [Entry] }
        let report = try JSONDecoder().decode(Lookalikes.self, from: Data(result.stdout.utf8))
        // Every tenth creator copies B's vector: exact ties at cosine 1, listed in id byte order.
        #expect(report.creators.prefix(3).map(\.creator_id) == ["B", "c100", "c110"])
        #expect(!report.creators.contains { $0.creator_id == "c10" })
        let oracle = market.creators.filter { $0.key != "c10" }.map { Self.cosine(market.creators["c10"]!, $0.value) }.sorted(by: >)
        #expect(abs(report.creators[4].similarity - oracle[4]) < 1e-5)
    }
}
