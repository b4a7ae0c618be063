import Foundation
import GRDB
import Testing

/// `creatormatch serve` driven over real pipes.
@Suite struct ServeCLITests {
    let cli = CLI()

    func seed() throws {
        cli.write("shops.jsonl", [#"{"id":"s1","rating":4.5,"status":"active"}"#, #"{"id":"low","rating":2,"status":"active"}"#])
        cli.write("products.jsonl", [
            #"{"id":"p1","shop_id":"s1","category":"Health","price":20,"status":"live","commission_rate":1500,"vector":[1,0,0]}"#,
            #"{"id":"p2","shop_id":"low","category":"Shoes","price":20,"status":"live","vector":[0,1,0]}"#,
        ])
        cli.write("creators.jsonl", (0..<30).map { #"{"id":"c\#($0)","followers":\#(1000 * $0 + 1),"vector":[\#($0 % 3),\#($0 % 5),1]}"# })
        for entity in ["shops", "products", "creators"] {
            #expect(try cli.run(["import", entity, cli.path("\(entity).jsonl")]).status == 0)
        }
    }

    func serve(_ lines: [String]) throws -> (responses: [[String: Any]], raw: [String], status: Int32, stderr: String) {
        let result = try cli.run(["serve"], stdin: lines.joined(separator: "\n") + "\n")
        let raw = result.stdout.split(separator: "\n").map(String.init)
        let parsed = raw.map { line -> [String: Any] in
            let value = try? JSONSerialization.jsonObject(with: Data(line.utf8))
            if let object = value as? [String: Any] { return object }
            if let array = value as? [[String: Any]] { return ["batch": array] }
            return ["unparsable": line]
        }
        return (parsed, raw, result.status, result.stderr)
    }

    static func code(_ response: [String: Any]) -> Int? {
        (response["error"] as? [String: Any])?["code"] as? Int
    }

    @Test func everyMethodAnswers() throws {
        try seed()
        let (responses, _, status, stderr) = try serve([
            #"{"jsonrpc":"2.0","id":1,"method":"stats"}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"eligibility","params":{"product_id":"p2","as_of":"2026-11-25"}}"#,
            #"{"jsonrpc":"2.0","id":3,"method":"commission","params":{"category":"Health","as_of":"2026-11-25"}}"#,
            #"{"jsonrpc":"2.0","id":4,"method":"shortlist","params":{"product_id":"p1","limit":5,"rank_by":"similarity","as_of":"2026-11-25"}}"#,
            #"{"jsonrpc":"2.0","id":5,"method":"upsert_creators","params":{"creators":[{"id":"new","followers":5,"vector":[1,0,0]}]}}"#,
            #"{"jsonrpc":"2.0","id":6,"method":"upsert_products","params":{"products":[{"id":"p3","shop_id":"s1","category":"Health","price":9,"status":"live","vector":[0,0,1]}]}}"#,
            #"{"jsonrpc":"2.0","id":7,"method":"shortlist","params":{"product_id":"p1","limit":1,"rank_by":"similarity","as_of":"2026-11-25"}}"#,
            #"{"jsonrpc":"2.0","id":8,"method":"rpc.discover"}"#,
            #"{"jsonrpc":"2.0","id":9,"method":"stats"}"#,
        ])
        #expect(status == 0, "\(stderr)")
        #expect(responses.count == 9)
        #expect(responses.map { $0["id"] as? Int } == Array(1...9))
        #expect(responses.allSatisfy { $0["result"] != nil && $0["jsonrpc"] as? String == "2.0" })
        let eligibility = responses[1]["result"] as! [String: Any]
        #expect(((eligibility["products"] as! [[String: Any]])[0]["status"] as? String) == "temporarily_disqualified")
        let shortlist = responses[3]["result"] as! [String: Any]
        #expect(shortlist["product_id"] as? String == "p1")
        #expect((shortlist["creators"] as! [[String: Any]]).count == 5)
        // The upserted creator, exactly on p1's direction, leads the next shortlist: upserts are seen at once.
        let after = responses[6]["result"] as! [String: Any]
        #expect(((after["creators"] as! [[String: Any]])[0]["creator_id"] as? String) == "new")
        let discover = responses[7]["result"] as! [String: Any]
        #expect((discover["methods"] as! [[String: Any]]).map { $0["name"] as! String }.contains("upsert_products"))
        #expect((responses[8]["result"] as! [String: Any])["creators"] as? Int == 31)
    }

    @Test func everyErrorClassGetsItsCodeAndTheServerGoesOn() throws {
        try seed()
        let (responses, _, status, _) = try serve([
            #"{"jsonrpc":"2.0","id":1,"method":"stats""#,
            #"[]"#,
            #"{"jsonrpc":"1.0","id":2,"method":"stats"}"#,
            #"{"jsonrpc":"2.0","id":3,"method":"explode"}"#,
            #"{"jsonrpc":"2.0","id":4,"method":"shortlist","params":{"product_id":"p1","limit":"ten"}}"#,
            #"{"jsonrpc":"2.0","id":5,"method":"shortlist","params":{"product_id":"nope"}}"#,
            #"{"jsonrpc":"2.0","id":6,"method":"shortlist","params":{"product_id":"p2","as_of":"2026-11-25"}}"#,
            #"{"jsonrpc":"2.0","id":7,"method":"upsert_creators","params":{"creators":[{"id":"ok","followers":1},{"id":"bad","followers":1,"vector":[1,2]}]}}"#,
            #"{"jsonrpc":"2.0","id":8,"method":"stats"}"#,
        ])
        #expect(status == 0)
        #expect(responses.count == 9)
        #expect(responses.map(Self.code) == [-32700, -32600, -32600, -32601, -32602, -32001, -32002, -32602, nil])
        #expect(responses[0]["id"] is NSNull)
        #expect(((responses[4]["error"] as! [String: Any])["message"] as! String).contains("\"limit\""))
        #expect(((responses[7]["error"] as! [String: Any])["message"] as! String).contains("creators[1], field \"vector\""))
        // The bad upsert wrote nothing, not even its good first record.
        #expect((responses[8]["result"] as! [String: Any])["creators"] as? Int == 30)
    }

    @Test func rescoreThenAnswersFromThePublishedRun() throws {
        try seed()
        let (responses, _, status, stderr) = try serve([
            #"{"jsonrpc":"2.0","id":1,"method":"shortlist","params":{"product_id":"p1","from_run":true}}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"rescore","params":{"limit":3,"rank_by":"similarity","as_of":"2026-11-25"}}"#,
            #"{"jsonrpc":"2.0","id":3,"method":"shortlist","params":{"product_id":"p1","from_run":true}}"#,
            #"{"jsonrpc":"2.0","id":4,"method":"shortlist","params":{"product_id":"p1","limit":3,"rank_by":"similarity","as_of":"2026-11-25"}}"#,
            #"{"jsonrpc":"2.0","id":5,"method":"shortlist","params":{"product_id":"p2","from_run":true}}"#,
            #"{"jsonrpc":"2.0","id":6,"method":"rescore","params":{"limit":3,"rank_by":"similarity","as_of":"2026-11-25","incremental":true}}"#,
        ])
        #expect(status == 0, "\(stderr)")
        #expect(Self.code(responses[0]) == -32001)
        let summary = responses[1]["result"] as! [String: Any]
        #expect(summary["status"] as? String == "published")
        #expect(summary["run_id"] as? Int == 1)
        let stored = responses[2]["result"] as! [String: Any]
        let live = responses[3]["result"] as! [String: Any]
        #expect(stored["run_id"] as? Int == 1)
        let storedIDs = (stored["creators"] as! [[String: Any]]).map { $0["creator_id"] as! String }
        let liveIDs = (live["creators"] as! [[String: Any]]).map { $0["creator_id"] as! String }
        #expect(storedIDs == liveIDs)
        #expect(storedIDs.count == 3)
        // p2's shop has a low rating: the run says why it has no shortlist.
        #expect(Self.code(responses[4]) == -32002)
        // Nothing changed since run 1: the incremental run searches nothing and shares every list.
        let incremental = responses[5]["result"] as! [String: Any]
        #expect(incremental["mode"] as? String == "incremental")
        #expect(incremental["products_searched"] as? Int == 0)
        #expect(incremental["lists_written"] as? Int == 0)
    }

    /// Upserts through the server patch the warm creators in place (no reload), and what it answers
    /// afterwards equals a fresh computation by the command line.
    @Test func upsertsPatchTheWarmCreatorsExactly() throws {
        try seed()
        let shortlist = #"{"jsonrpc":"2.0","id":ID,"method":"shortlist","params":{"product_id":"p1","limit":12,"as_of":"2026-11-25"}}"#
        let (responses, _, status, stderr) = try serve([
            shortlist.replacingOccurrences(of: "ID", with: "1"),
            // A new creator (inserted in id order), a changed vector, and a profile-only change.
            #"{"jsonrpc":"2.0","id":2,"method":"upsert_creators","params":{"creators":[{"id":"c15a","followers":90000,"gmv_30d":5000,"categories":{"Health":0.9},"vector":[3,1,1]},{"id":"c3","followers":10,"vector":[1,0,0.1]},{"id":"c4","followers":777777,"categories":{"Health":1}}]}}"#,
            shortlist.replacingOccurrences(of: "ID", with: "3"),
            #"{"jsonrpc":"2.0","id":4,"method":"stats"}"#,
            // A rescore through the server scores the warm creators (no reload).
            #"{"jsonrpc":"2.0","id":5,"method":"rescore","params":{"limit":12,"as_of":"2026-11-25"}}"#,
            #"{"jsonrpc":"2.0","id":6,"method":"stats"}"#,
        ])
        #expect(status == 0, "\(stderr)")
        #expect((responses[1]["result"] as? [String: Any])?["upserted"] as? Int == 3)
        #expect((responses[3]["result"] as? [String: Any])?["warm_loads"] as? Int == 1)
        #expect((responses[4]["result"] as? [String: Any])?["status"] as? String == "published")
        #expect((responses[5]["result"] as? [String: Any])?["warm_loads"] as? Int == 1)
        // It publishes what a rescore by the command line (loading every creator) publishes.
        let served = try cli.run(["export", "shortlists", "--run", "1"]).stdout
        #expect(try cli.run(["rescore", "--limit", "12", "--as-of", "2026-11-25", "--quiet"]).status == 0)
        let loaded = try cli.run(["export", "shortlists", "--run", "2"]).stdout
        #expect(served.contains("c15a"))
        #expect(served.replacingOccurrences(of: #""run_id":1"#, with: "") == loaded.replacingOccurrences(of: #""run_id":2"#, with: ""))
        let warm = try JSONSerialization.data(withJSONObject: (responses[2]["result"] as! [String: Any])["creators"]!, options: [.sortedKeys])
        let cold = try cli.run(["shortlist", "--product", "p1", "--limit", "12", "--as-of", "2026-11-25", "--format", "json"])
        let coldObject = try JSONSerialization.jsonObject(with: Data(cold.stdout.utf8)) as! [String: Any]
        let coldCreators = try JSONSerialization.data(withJSONObject: coldObject["creators"]!, options: [.sortedKeys])
        #expect(warm == coldCreators)
        #expect(String(decoding: warm, as: UTF8.self).contains("c15a"))
    }

    @Test func batchesAndNotifications() throws {
        try seed()
        let (responses, raw, _, _) = try serve([
            #"[{"jsonrpc":"2.0","id":"a","method":"stats"},{"jsonrpc":"2.0","method":"stats"},{"jsonrpc":"2.0","id":"b","method":"nope"},5]"#,
            #"{"jsonrpc":"2.0","method":"stats"}"#,
            #"[{"jsonrpc":"2.0","method":"stats"}]"#,
            #"{"jsonrpc":"2.0","id":null,"method":"stats"}"#,
        ])
        // The batch answers its two requests and the invalid element; notifications get nothing.
        #expect(raw.count == 2)
        let batch = responses[0]["batch"] as! [[String: Any]]
        #expect(batch.count == 3)
        #expect(batch.map { $0["id"] as? String } == ["a", "b", nil])
        #expect(batch.map(Self.code) == [nil, -32601, -32600])
        #expect(responses[1]["id"] is NSNull)
        #expect(responses[1]["result"] != nil)
    }

    @Test func anOverlongLineIsRejectedUnreadAndTheNextOneIsAnswered() throws {
        try seed()
        let huge = #"{"jsonrpc":"2.0","id":1,"method":"stats","params":{"pad":""# + String(repeating: "x", count: 3 << 20) + #""}}"#
        let result = try cli.run(["serve", "--max-line-bytes", "1048576"], stdin: huge + "\n" + #"{"jsonrpc":"2.0","id":2,"method":"stats"}"# + "\n")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].contains("-32600"))
        #expect(lines[0].contains("over the limit"))
        #expect(lines[1].contains(#""id":2"#))
    }

    /// Seeded random and mutated lines: every line that expects an answer gets exactly one
    /// well-formed response, the process survives, and the database stays intact.
    @Test func fuzzedLinesNeverKillTheServerOrTheDatabase() throws {
        try seed()
        var state: UInt64 = 2026
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33)
        }
        let valid = [
            #"{"jsonrpc":"2.0","id":1,"method":"stats"}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"shortlist","params":{"product_id":"p1","limit":3}}"#,
            #"{"jsonrpc":"2.0","id":3,"method":"upsert_creators","params":{"creators":[{"id":"f","followers":3,"vector":[0,1,0]}]}}"#,
            #"{"jsonrpc":"2.0","id":4,"method":"commission","params":{"product_id":"p1"}}"#,
        ]
        var lines: [String] = []
        for i in 0..<300 {
            var bytes = Array(valid[next() % valid.count].utf8)
            switch i % 6 {
            case 0: for _ in 0..<(1 + next() % 4) { bytes[next() % bytes.count] = UInt8(next() % 256) }
            case 1: bytes = Array(bytes.prefix(next() % bytes.count))
            case 2: bytes = Array(String(repeating: "[", count: 500 + next() % 500).utf8)
            case 3: bytes = Array(#"{"jsonrpc":"2.0","id":9,"method":"shortlist","params":{"product_id":"p1","limit":1e308}}"#.utf8)
            case 4: bytes.insert(contentsOf: [0xC3, 0x28], at: next() % bytes.count)
            default: break
            }
            // Keep one request a line: a mutation must not introduce a newline.
            lines.append(String(decoding: bytes.map { $0 == 0x0A ? 0x20 : $0 }, as: UTF8.self))
        }
        let result = try cli.run(["serve"], stdin: lines.joined(separator: "\n") + "\n")
        #expect(result.status == 0, "\(result.stderr)")
        let responses = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        for response in responses {
            let object = try JSONSerialization.jsonObject(with: Data(response.utf8))
            let single = object as? [String: Any] ?? (object as? [[String: Any]])?.first
            #expect(single?["jsonrpc"] as? String == "2.0", "\(response.prefix(200))")
            #expect((single?["result"] == nil) != (single?["error"] == nil))
        }
        // Lines that are requests with an id, or not requests at all, each get one response; only
        // notifications (valid requests without an id) and blank lines get none.
        #expect(responses.count <= lines.count)
        #expect(responses.count >= lines.count * 2 / 3)
        let queue = try DatabaseQueue(path: cli.databasePath)
        let check = try queue.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") }
        #expect(check == "ok")
    }

    /// Another process imports while the server runs: the next answer sees the change.
    @Test func aWriteByAnotherProcessIsSeenByTheNextRequest() throws {
        try seed()
        let server = try InteractiveServer(database: cli.databasePath)
        let request = #"{"jsonrpc":"2.0","id":1,"method":"shortlist","params":{"product_id":"p1","limit":1,"rank_by":"similarity","as_of":"2026-11-25"}}"#
        func leader(_ response: [String: Any]) -> String? {
            ((response["result"] as? [String: Any])?["creators"] as? [[String: Any]])?.first?["creator_id"] as? String
        }
        let first = leader(server.ask(request))
        #expect(first != nil && first != "zz-new")
        cli.write("more.jsonl", [#"{"id":"zz-new","followers":10,"vector":[1,0,0]}"#])
        #expect(try cli.run(["import", "creators", cli.path("more.jsonl")]).status == 0)
        #expect(leader(server.ask(request)) == "zz-new")
        #expect(server.finish() == 0)
    }

    @Test func sigtermExitsZero() throws {
        try seed()
        let server = try InteractiveServer(database: cli.databasePath)
        // Wait for an answer, then terminate the idle server.
        #expect(server.ask(#"{"jsonrpc":"2.0","id":1,"method":"stats"}"#)["id"] as? Int == 1)
        server.process.terminate()
        server.process.waitUntilExit()
        #expect(server.process.terminationReason == .exit)
        #expect(server.process.terminationStatus == 0)
    }
}

/// A `creatormatch serve` process to talk to one request at a time.
final class InteractiveServer {
    let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var buffer = Data()

    init(database: String) throws {
        process.executableURL = CLI.binary
        process.arguments = ["serve", "--db", database]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// Sends one line and reads one response line.
    func ask(_ line: String) -> [String: Any] {
        input.fileHandleForWriting.write(Data((line + "\n").utf8))
        while !buffer.contains(0x0A) { buffer.append(output.fileHandleForReading.availableData) }
        let end = buffer.firstIndex(of: 0x0A)!
        let response = buffer[..<end]
        buffer.removeSubrange(...end)
        return (try? JSONSerialization.jsonObject(with: Data(response))) as? [String: Any] ?? [:]
    }

    /// Closes stdin and returns the exit status.
    func finish() -> Int32 {
        input.fileHandleForWriting.closeFile()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
