import Foundation
import GRDB
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct RescoreCLITests {
    let cli = CLI()

    /// A small demo market, imported.
    func seed(creators: Int = 2000) throws {
        let demo = try cli.run(["demo", "--out", cli.path("demo"), "--creators", "\(creators)", "--products", "40", "--vector-dim", "16", "--as-of", "2026-11-25"], withDB: false)
        #expect(demo.status == 0, "\(demo.stderr)")
        for entity in ["shops", "products", "creators", "outcomes", "invitations"] {
            let result = try cli.run(["import", entity, cli.path("demo/\(entity).jsonl")])
            #expect(result.status == 0, "\(result.stderr)")
        }
    }

    @Test func aRunPublishesWhatShortlistComputesAndDiffsShowChanges() throws {
        try seed()
        let first = try cli.run(["rescore", "--as-of", "2026-11-25", "--limit", "20", "--format", "json"])
        #expect(first.status == 0, "\(first.stderr)")
        // The published shortlists are the ones `shortlist --all` computes.
        let exported = try cli.run(["export", "shortlists"]).stdout.split(separator: "\n")
        let live = try cli.run(["shortlist", "--all", "--limit", "20", "--max-share", "1", "--as-of", "2026-11-25", "--format", "jsonl"]).stdout.split(separator: "\n")
        #expect(exported.count == live.count)
        struct Line: Decodable { let product_id: String; let run_id: Int?; let creators: [Entry] }
        struct Entry: Decodable, Equatable { let creator_id: String; let rank: Int; let score: Double }
        let a = try exported.map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
        let b = try live.map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
        #expect(a.map(\.product_id) == b.map(\.product_id))
        #expect(a.map(\.creators) == b.map(\.creators))
        #expect(a.allSatisfy { $0.run_id == 1 })

        // A day later a shop's counterfeit violation leaves the window: that product becomes eligible.
        let second = try cli.run(["rescore", "--as-of", "2026-11-26", "--limit", "20"])
        #expect(second.status == 0)
        #expect(second.stdout.contains("run 2 published"))
        #expect(second.stdout.contains("1 became eligible"))
        let diff = try cli.run(["runs", "diff", "1", "2", "--format", "json"])
        struct Diff: Decodable {
            struct Product: Decodable { let product_id: String; let added: [String]; struct Status: Decodable { let from: String?; let to: String? }; let status: Status? }
            let products: [Product]
        }
        let report = try JSONDecoder().decode(Diff.self, from: Data(diff.stdout.utf8))
        let requalified = report.products.first { $0.product_id == "p-of-shop-counterfeit-59d" }
        #expect(requalified?.status?.to == "eligible")
        #expect(requalified?.added.count == 20)
        // Only the new creators are in today's invitations.
        let invitations = try cli.run(["export", "invitations", "--since", "1", "--format", "csv"]).stdout.split(separator: "\n").dropFirst()
        #expect(invitations.count == 20)
        #expect(invitations.allSatisfy { $0.contains("p-of-shop-counterfeit-59d") })
        let runs = try cli.run(["runs", "list"])
        #expect(runs.stdout.split(separator: "\n").count == 2)
        // Each run records the code version `--version` prints.
        let version = try cli.run(["--version"], withDB: false).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        struct Listed: Decodable { let code_version: String }
        let listed = try cli.run(["runs", "list", "--format", "jsonl"]).stdout.split(separator: "\n").map { try JSONDecoder().decode(Listed.self, from: Data($0.utf8)) }
        #expect(!version.isEmpty && listed.allSatisfy { $0.code_version == version })
        // Global options may also stand before a two-word command.
        let before = try cli.run(["--db", cli.databasePath, "--format", "jsonl", "runs", "list"], withDB: false)
        #expect(before.status == 0, "\(before.stderr)")
        #expect(before.stdout.split(separator: "\n").count == 2)
        // --keep 1 prunes the older run.
        #expect(try cli.run(["rescore", "--as-of", "2026-11-26", "--limit", "20", "--keep", "1", "--quiet"]).stdout.isEmpty)
        #expect(try cli.run(["runs", "list"]).stdout.split(separator: "\n").count == 1)
        #expect(try cli.run(["runs", "diff", "1", "3"]).status == 1)
    }

    /// A run's inputs digest is computed from what it read: equal for the same data, different once a
    /// creator changes.
    @Test func theInputsDigestFollowsTheData() throws {
        try seed(creators: 400)
        struct Listed: Decodable { let id: Int; let inputs_digest: String }
        func digests() throws -> [Int: String] {
            let lines = try cli.run(["runs", "list", "--format", "jsonl"]).stdout.split(separator: "\n")
            return Dictionary(uniqueKeysWithValues: try lines.map { try JSONDecoder().decode(Listed.self, from: Data($0.utf8)) }.map { ($0.id, $0.inputs_digest) })
        }
        for _ in 0..<2 { #expect(try cli.run(["rescore", "--as-of", "2026-11-25", "--quiet"]).status == 0) }
        let first = try String(contentsOfFile: cli.path("demo/creators.jsonl"), encoding: .utf8).split(separator: "\n")[0]
        let changed = first.replacingOccurrences(of: "\"followers\":", with: "\"followers\":1")
        #expect(changed != first)
        try (changed + "\n").write(toFile: cli.path("changed.jsonl"), atomically: true, encoding: .utf8)
        #expect(try cli.run(["import", "creators", cli.path("changed.jsonl")]).status == 0)
        #expect(try cli.run(["rescore", "--as-of", "2026-11-25", "--quiet"]).status == 0)
        let d = try digests()
        #expect(d.count == 3 && d.values.allSatisfy { $0.count == 16 })
        #expect(d[1] == d[2])
        #expect(d[2] != d[3])
    }

    /// A listed creator whose follower count changes (its GMV is known, so no score moves) leaves every
    /// list as it was: the next run shares them all, and still shows the new count.
    @Test func aFollowerChangeRewritesNoListButShows() throws {
        try seed(creators: 400)
        #expect(try cli.run(["rescore", "--as-of", "2026-11-25", "--quiet"]).status == 0)
        struct Line: Decodable { let creators: [Entry] }
        struct Entry: Decodable { let creator_id: String; let followers: Int }
        let before = try cli.run(["export", "shortlists"]).stdout.split(separator: "\n").map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
        let lines = try String(contentsOfFile: cli.path("demo/creators.jsonl"), encoding: .utf8).split(separator: "\n")
        let listed = Set(before.flatMap { $0.creators.map(\.creator_id) })
        let line = try #require(lines.first { line in listed.contains { line.contains("\"id\":\"\($0)\"") } && line.contains("\"gmv_30d\"") })
        let id = try #require(listed.first { line.contains("\"id\":\"\($0)\"") })
        var object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let followers = (object["followers"] as? Int ?? 0) + 1
        object["followers"] = followers
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: cli.path("changed.jsonl")))
        #expect(try cli.run(["import", "creators", cli.path("changed.jsonl")]).status == 0)
        let second = try cli.run(["rescore", "--as-of", "2026-11-25", "--format", "json"])
        struct Summary: Decodable { let lists_written: Int; let lists_reused: Int }
        let summary = try JSONDecoder().decode(Summary.self, from: Data(second.stdout.utf8))
        #expect(summary.lists_written == 0 && summary.lists_reused == before.count)
        let after = try cli.run(["export", "shortlists"]).stdout.split(separator: "\n").map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
        let shown = after.flatMap(\.creators).filter { $0.creator_id == id }
        #expect(!shown.isEmpty && shown.allSatisfy { $0.followers == followers })
    }

    @Test func aSecondRescoreExitsWith75WhileTheLockIsHeld() throws {
        try seed(creators: 200)
        let lockPath = cli.databasePath + ".rescore.lock"
        let fd = open(lockPath, O_CREAT | O_RDWR, 0o644)
        #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
        let busy = try cli.run(["rescore", "--as-of", "2026-11-25"])
        #expect(busy.status == 75)
        #expect(busy.stderr.contains("another rescore is running"))
        #expect(busy.stderr.contains("--wait"))
        flock(fd, LOCK_UN)
        close(fd)
        #expect(try cli.run(["rescore", "--as-of", "2026-11-25"]).status == 0)
    }

    /// kill -9 at seeded random moments: the database stays consistent, the published run is untouched,
    /// and the next rescore marks the interrupted run failed.
    @Test func killedAtRandomMomentsLosesNothing() throws {
        try seed(creators: 20_000)
        #expect(try cli.run(["rescore", "--as-of", "2026-11-25", "--limit", "30"]).status == 0)
        var published = try cli.run(["export", "shortlists"]).stdout
        var publishedRun = 1
        struct Run: Decodable { let id: Int; let status: String }
        var state: UInt64 = 99
        for _ in 0..<5 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let delay = Double(state >> 54) / 1024 * 0.6   // 0 … 0.6 s
            let process = Process()
            process.executableURL = CLI.binary
            process.arguments = ["rescore", "--db", cli.databasePath, "--as-of", "2026-11-26", "--limit", "30"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let queue = try DatabaseQueue(path: cli.databasePath)
            #expect(try queue.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") } == "ok")
            try queue.close()
            // Readers see the last published run exactly as it was, unless the kill came after a new publish.
            let runs = try cli.run(["runs", "list", "--format", "jsonl"]).stdout.split(separator: "\n")
                .map { try JSONDecoder().decode(Run.self, from: Data($0.utf8)) }
            let latest = runs.first { $0.status == "published" }!.id
            let now = try cli.run(["export", "shortlists"]).stdout
            if latest == publishedRun {
                #expect(now == published)
            } else {
                publishedRun = latest
                published = now
            }
        }
        let next = try cli.run(["rescore", "--as-of", "2026-11-26", "--limit", "30", "--format", "json"])
        #expect(next.status == 0, "\(next.stderr)")
        let statuses = try cli.run(["runs", "list", "--format", "jsonl"]).stdout
        #expect(!statuses.contains(#""status":"running""#))
    }
}
