import MatchCore
import MatchProtocol

/// The line parsers: the JSON parser every import and request goes through, and the JSON-RPC layer.
enum ParserTargets {
    static func json(_ bytes: [UInt8]) {
        let value: JSONValue
        do {
            value = try JSONLineParser.parse(bytes)
        } catch {
            check((1...bytes.count + 1).contains(error.column), "error column \(error.column) is outside a line of \(bytes.count) bytes")
            return
        }
        let text = CanonicalJSON.text(value)
        let again: JSONValue
        do {
            again = try JSONLineParser.parse(Array(text.utf8))
        } catch {
            fatalError("fuzz check failed: the printed value does not parse (\(error.message) at column \(error.column)): \(text)")
        }
        check(CanonicalJSON.text(again) == text, "printed and parsed again, the value changed: \(text) became \(CanonicalJSON.text(again))")
    }

    /// What `creatormatch serve` does with a line, minus the database: parse it, read every parameter
    /// with every typed accessor, and write the response lines, which must be JSON objects that carry
    /// the request id back.
    static func rpc(_ bytes: [UInt8]) {
        switch JSONRPC.parse(bytes) {
        case .failure(let failure):
            checkResponse(JSONRPC.failure(id: .null, failure), id: .null)
        case .single(let item):
            answer(item)
        case .batch(let items):
            check(!items.isEmpty, "an empty batch parsed as a batch")
            items.forEach(answer)
        }
    }

    private static func answer(_ item: JSONRPC.Item) {
        switch item {
        case .invalid(let id, let failure):
            checkResponse(JSONRPC.failure(id: id, failure), id: id)
        case .request(let request):
            readEveryParam(request.params)
            guard let id = request.id else { return }
            checkResponse(JSONRPC.success(id: id, resultJSON: "{\"method\":\(JSONText.string(request.method))}"), id: id)
            checkResponse(JSONRPC.failure(id: id, JSONRPC.Failure(.invalidParams, "method \(request.method)")), id: id)
        }
    }

    private static func readEveryParam(_ params: Params) {
        _ = try? params.allowOnly(["k", "product_id"])
        for name in params.values.keys {
            _ = try? params.string(name)
            _ = try? params.strings(name)
            _ = try? params.int(name, in: 1...1000)
            _ = try? params.int(name, in: Int.min...Int.max)
            _ = try? params.number(name)
            _ = try? params.bool(name)
            _ = try? params.day(name)
            _ = try? params.objects(name)
        }
    }

    private static func checkResponse(_ line: String, id: JSONRPC.ID) {
        check(!line.utf8.contains(0x0A), "a response spans lines: \(line)")
        guard case .object(let response)? = try? JSONLineParser.parse(Array(line.utf8)) else {
            fatalError("fuzz check failed: a response is not a JSON object: \(line)")
        }
        check(response["jsonrpc"] == .string("2.0"), "a response without \"jsonrpc\": \"2.0\": \(line)")
        check((response["result"] == nil) != (response["error"] == nil), "a response needs exactly one of result and error: \(line)")
        let echoed: JSONValue = switch id {
        case .string(let s): .string(s)
        // The id is echoed as the request wrote it: the same text parses to the same number.
        case .number(let text): (try? JSONLineParser.parse(Array(text.utf8))) ?? .null
        case .null: .null
        }
        check(response["id"] == echoed, "the response's id \(response["id"].map(CanonicalJSON.text) ?? "(none)") is not the request's \(CanonicalJSON.text(echoed))")
    }
}
