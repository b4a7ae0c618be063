import Foundation
import GRDB
import Testing

/// Regression tests for the defects an attack on the built binary found (issue 16): each replays the
/// attack and checks the exit status, the message and that the database is exactly as before.
@Suite struct HostileInputCLITests {
    let cli = CLI()

    func seed() throws {
        cli.write("shops.jsonl", [#"{"id":"s1","rating":4.5,"status":"active"}"#])
        cli.write("products.jsonl", [#"{"id":"p-000001","shop_id":"s1","category":"Health","price":20,"status":"live","vector":[1,0,0]}"#])
        cli.write("creators.jsonl", (0..<12).map { #"{"id":"cr-000000\#($0 % 10)\#($0 / 10)","followers":\#(1000 * $0 + 5),"vector":[\#($0 % 3),\#($0 % 5),1]}"# })
        for entity in ["shops", "products", "creators"] {
            #expect(try cli.run(["import", entity, cli.path("\(entity).jsonl")]).status == 0)
        }
    }

    // MARK: 1. ids

    /// NUL, other control characters, invisible format characters and edge whitespace in an id: the
    /// import fails naming file, line and field, and writes nothing (before, a NUL id overwrote another
    /// creator's vector and crashed every later rescore).
    @Test(arguments: [
        (#"cr-00000010\u0000evil"#, "control character U+0000"),
        (#"cr-1\u001b[31m"#, "control character U+001B"),
        (#"cr-1\u0085"#, "control character U+0085"),
        (#"cr-1\u202e"#, "invisible format character U+202E"),
        (#"cr-1\u200b"#, "invisible format character U+200B"),
        (#" cr-00000010"#, "leading or trailing"),
        (#"cr-00000010 "#, "leading or trailing"),
        (#"cr-1\u2028"#, "line separator U+2028"),
    ])
    func badIdsAreRefusedWithFileLineFieldAndChangeNothing(id: String, problem: String) throws {
        try seed()
        let before = try cli.dump()
        let file = cli.write("bad.jsonl", [#"{"id":"ok-1","followers":1,"vector":[1,1,1]}"#, #"{"id":"\#(id)","followers":9,"vector":[9,9,9]}"#])
        let result = try cli.run(["import", "creators", file])
        #expect(result.status == 1)
        #expect(result.stderr.contains("bad.jsonl line 2, field \"id\""))
        #expect(result.stderr.contains(problem))
        #expect(try cli.dump() == before)
    }

    /// The same rule through the server's upserts and for ids given as parameters.
    @Test func badIdsAreRefusedByUpsertsAndParameters() throws {
        try seed()
        let before = try cli.dump()
        let result = try cli.run(["serve"], stdin: [
            #"{"jsonrpc":"2.0","id":1,"method":"upsert_products","params":{"products":[{"id":"p-000001\u0000x","shop_id":"s1","category":"Health","price":1,"status":"live"}]}}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"shortlist","params":{"product_id":"p-000001\u0000x"}}"#,
            #"{"jsonrpc":"2.0","id":3,"method":"shortlist","params":{"product_id":"p-000001","deny":["cr-1\u0000"]}}"#,
        ].joined(separator: "\n") + "\n")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].contains(#""code":-32602"#) && lines[0].contains("products[0]"))
        #expect(lines[1].contains(#""code":-32602"#) && lines[1].contains(#"param \"product_id\""#))
        #expect(lines[2].contains(#""code":-32602"#) && lines[2].contains(#"param \"deny[0]\""#))
        #expect(try cli.dump() == before)
        // On the command line: a usage error (64), for single ids and for id lists.
        for args in [["shortlist", "--product", "p-000001\u{7}"], ["eligibility", "--shop", " s1"], ["similar", "--creator", "a\u{200B}b"],
                     ["shortlist", "--product", "p-000001", "--deny", "x\u{1}"]] {
            let refused = try cli.run(args)
            #expect(refused.status == 64, "\(args)")
            #expect(refused.stderr.contains("the id"), "\(args): \(refused.stderr)")
        }
    }

    /// Unicode policy: ids are stored in NFC, so the decomposed spelling of an id names the same creator.
    @Test func decomposedAndComposedSpellingsNameOneCreator() throws {
        try seed()
        cli.write("c.jsonl", [#"{"id":"caf\u00e9","followers":10,"vector":[1,0,0]}"#, #"{"id":"cafe\u0301","followers":20,"vector":[1,0,0]}"#])
        #expect(try cli.run(["import", "creators", cli.path("c.jsonl")]).status == 0)
        let queue = try DatabaseQueue(path: cli.databasePath)
        let rows = try queue.read { db in try Row.fetchAll(db, sql: "SELECT hex(id) AS h, followers FROM creators WHERE id LIKE 'caf%'") }
        try queue.close()
        #expect(rows.count == 1)
        #expect(rows.first?["h"] == "636166C3A9")   // NFC bytes
        #expect(rows.first?["followers"] == 20)      // the later line updated it
    }

    // MARK: 2. record limit

    /// An endless line is refused at the limit with its line number, in bounded memory and time.
    @Test func anEndlessRecordIsRefusedAtTheLimit() throws {
        try seed()
        let before = try cli.dump()
        let result = try cli.run(["import", "creators", "/dev/zero", "--input-format", "jsonl", "--max-record-bytes", "65536"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("/dev/zero line 1"))
        #expect(result.stderr.contains("limit of 65536 bytes"))
        #expect(try cli.dump() == before)
    }

    /// With --skip-invalid an oversized record is skipped and named; the records after it are imported.
    @Test func anOversizedRecordIsSkippedWithSkipInvalid() throws {
        try seed()
        let long = #"{"id":"big","followers":1,"username":""# + String(repeating: "x", count: 5000) + #""}"#
        let file = cli.write("mixed.jsonl", [#"{"id":"a1","followers":1}"#, long, #"{"id":"a2","followers":2}"#])
        let result = try cli.run(["import", "creators", file, "--skip-invalid", "--max-record-bytes", "1024", "--format", "json"])
        #expect(result.status == 0)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(report["imported"] as? Int == 2)
        #expect(report["rejected"] as? Int == 1)
        let issue = try #require((report["issues"] as? [[String: Any]])?.first)
        #expect(issue["line"] as? Int == 2)
        #expect((issue["message"] as? String)?.contains("is 5") == true)   // 5,0xx bytes counted
    }

    /// A CSV with CR-only line ends (old Mac spreadsheets) imports its rows, not zero.
    @Test func csvWithCarriageReturnLineEndsImportsEveryRow() throws {
        try seed()
        let url = URL(fileURLWithPath: cli.path("mac.csv"))
        try "id,followers\rm1,10\rm2,20\rm3,30\r".write(to: url, atomically: true, encoding: .utf8)
        let result = try cli.run(["import", "creators", url.path, "--format", "json"])
        #expect(result.status == 0)
        #expect(result.stdout.contains(#""imported" : 3"#))
    }

    // MARK: 3. Models/ ranges and non-finite numbers

    /// A weight of 1e308 (and other out-of-range values) is refused when Models/ loads, naming file,
    /// key and range: no command prints nothing with exit 0, no JSON carries "inf".
    @Test(arguments: [
        (#""similarity": 0.55"#, #""similarity": 1e308"#, "weights.similarity"),
        (#""similarity": 0.55"#, #""similarity": -0.5"#, "weights.similarity"),
        (#""max_shortlist_share": 0.2"#, #""max_shortlist_share": -1"#, "max_shortlist_share"),
        (#""recently_invited_days": 90"#, #""recently_invited_days": 1000000000000"#, "recently_invited_days"),
    ])
    func outOfRangeModelValuesAreRefused(original: String, replacement: String, key: String) throws {
        try seed()
        let models = try copyModels()
        let file = models.appendingPathComponent("ranking.json")
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.contains(original))
        try text.replacingOccurrences(of: original, with: replacement).write(to: file, atomically: true, encoding: .utf8)
        let result = try cli.run(["shortlist", "--product", "p-000001", "--format", "json", "--models", models.path])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("ranking.json: \(key) must be"))
    }

    @Test func implausibleNumbersAreRefused() throws {
        try seed()
        let file = cli.write("huge.jsonl", [#"{"id":"h1","followers":1,"gmv_30d":1.7e308}"#])
        let result = try cli.run(["import", "creators", file])
        #expect(result.status == 1)
        #expect(result.stderr.contains("field \"gmv_30d\""))
        #expect(result.stderr.contains("10^13"))
    }

    func copyModels() throws -> URL {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Models")
        let target = cli.directory.appendingPathComponent("Models")
        try FileManager.default.copyItem(at: source, to: target)
        return target
    }

    // MARK: 4. the rescore lock

    /// Two spellings of one database (a symbolic link) take one lock: the second rescore waits or is refused.
    @Test func theRescoreLockHoldsThroughASymbolicLink() throws {
        try seed()
        let link = cli.path("link.sqlite")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: cli.databasePath)
        // Hold the lock the way a running rescore does, through the real path's lock file.
        let lockPath = cli.databasePath + ".rescore.lock"
        let fd = open(lockPath, O_CREAT | O_RDWR, 0o644)
        #expect(fd >= 0)
        defer { close(fd) }
        #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
        let viaLink = try cli.run(["rescore", "--db", link], withDB: false)
        #expect(viaLink.status != 0)
        #expect(viaLink.stderr.contains("another rescore is running"))
        flock(fd, LOCK_UN)
        #expect(try cli.run(["rescore", "--db", link], withDB: false).status == 0)
    }

    // MARK: 5. CSV formula injection

    @Test func csvCellsThatASpreadsheetWouldRunAreNeutralised() throws {
        try seed()
        let file = cli.write("evil.jsonl", [
            #"{"id":"=HYPERLINK(\"http://x\",\"click\")","followers":5000,"vector":[1,0,0]}"#,
            #"{"id":"@SUM(1+1)","followers":5000,"vector":[1,0,0.1]}"#,
            #"{"id":"+1","followers":5000,"vector":[1,0,0.2]}"#,
            #"{"id":"-2","followers":5000,"vector":[1,0,0.3]}"#,
        ])
        #expect(try cli.run(["import", "creators", file]).status == 0)
        let result = try cli.run(["shortlist", "--product", "p-000001", "--batches", "--format", "csv", "--rank-by", "similarity"])
        #expect(result.status == 0)
        let cells = result.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",", maxSplits: 3)[2] }
        for cell in cells {
            let text = cell.hasPrefix("\"") ? String(cell.dropFirst()) : String(cell)
            #expect(!["=", "+", "-", "@", "\t", "\r"].contains(where: { text.hasPrefix($0) }), "\(cell)")
        }
        #expect(result.stdout.contains(#""'=HYPERLINK(""http://x"",""click"")""#))
        #expect(result.stdout.contains(#""'@SUM(1+1)""#))
    }

    // MARK: 6. JSON-RPC ids

    @Test func jsonRPCIdsAreEchoedByteForByte() throws {
        try seed()
        let ids = ["9007199254740993", "123456789012345678901234567890", "1.50", "-0", "1e400", "\"x\\u0000y\""]
        let result = try cli.run(["serve"], stdin: ids.map { #"{"jsonrpc":"2.0","id":\#($0),"method":"stats"}"# }.joined(separator: "\n")
            + "\n[" + ids.prefix(2).map { #"{"jsonrpc":"2.0","id":\#($0),"method":"stats"}"# }.joined(separator: ",") + "]\n")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == ids.count + 1)
        for (line, id) in zip(lines, ids) {
            #expect(line.hasPrefix(#"{"jsonrpc":"2.0","id":\#(id),"result":"#), "\(line.prefix(80))")
        }
        #expect(lines.last?.contains(#""id":9007199254740993,"#) == true)
        #expect(lines.last?.contains(#""id":123456789012345678901234567890,"#) == true)
    }

    // MARK: smaller ones

    @Test func aByteOrderMarkBeforeARequestIsNotAParseError() throws {
        try seed()
        let result = try cli.run(["serve"], stdin: "\u{FEFF}" + #"{"jsonrpc":"2.0","id":1,"method":"stats"}"# + "\n")
        #expect(result.stdout.hasPrefix(#"{"jsonrpc":"2.0","id":1,"result":"#))
    }

    @Test func aBatchOverTheCapIsRefusedWhole() throws {
        try seed()
        let batch = "[" + Array(repeating: #"{"jsonrpc":"2.0","method":"stats"}"#, count: 1001).joined(separator: ",") + "]"
        let result = try cli.run(["serve"], stdin: batch + "\n" + #"{"jsonrpc":"2.0","id":2,"method":"stats"}"# + "\n")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines[0].contains(#""code":-32600"#) && lines[0].contains("at most 1000"))
        #expect(lines[1].contains(#""id":2,"result""#))
    }

    @Test func contradictoryTiersAndUnsupportedFormatsAreUsageErrors() throws {
        try seed()
        let tiers = try cli.run(["shortlist", "--product", "p-000001", "--min-tier", "mega", "--max-tier", "nano"])
        #expect(tiers.status == 64)
        #expect(tiers.stderr.contains("above the highest tier"))
        let csv = try cli.run(["shortlist", "--product", "p-000001", "--format", "csv"])
        #expect(csv.status == 64)
        #expect(csv.stdout.isEmpty)
        let rpc = try cli.run(["serve"], stdin: #"{"jsonrpc":"2.0","id":1,"method":"shortlist","params":{"product_id":"p-000001","min_tier":"mega","max_tier":"nano"}}"# + "\n")
        #expect(rpc.stdout.contains(#""code":-32602"#))
    }
}
