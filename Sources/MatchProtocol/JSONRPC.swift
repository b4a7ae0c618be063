import Foundation
import MatchCore

/// JSON-RPC 2.0 over lines: one request (or batch) a line in, one response line out.
public enum JSONRPC {
    public static let version = "2.0"

    /// The spec's codes, and this server's application codes (-32000…-32099).
    public enum Code: Int, Sendable {
        case parseError = -32700
        case invalidRequest = -32600
        case methodNotFound = -32601
        case invalidParams = -32602
        case internalError = -32603
        case applicationError = -32000
        case notFound = -32001
        case ineligible = -32002
        case databaseBusy = -32003
        case invalidData = -32004
        case noVectors = -32005
        case modelFiles = -32006
        case rescoreRunning = -32007
    }

    public struct Failure: Error, Sendable {
        public let code: Int
        public let message: String

        public init(_ code: Code, _ message: String) {
            self.code = code.rawValue
            self.message = message
        }

        /// The application code for a service error.
        public init(_ error: MatchError) {
            let code: Code = switch error.code {
            case .notFound: .notFound
            case .ineligible: .ineligible
            case .databaseBusy: .databaseBusy
            case .invalidInput, .unmappedCategory, .dimensionMismatch: .invalidData
            case .noVectors: .noVectors
            case .modelFiles: .modelFiles
            case .locked: .rescoreRunning
            case .database, .newerSchema, .io: .applicationError
            }
            self.init(code, error.message)
        }
    }

    /// A request id: a string, a number or null. Absent means a notification. A number keeps the
    /// request's own text, so the response echoes it byte for byte (`9007199254740993` stays that,
    /// though a Double would round it).
    public enum ID: Sendable, Equatable {
        case string(String)
        case number(text: String)
        case null

        var json: String {
            switch self {
            case .string(let s): return JSONText.string(s)
            case .number(let text): return text
            case .null: return "null"
            }
        }
    }

    public struct Request: Sendable {
        /// nil for a notification (no response is sent).
        public let id: ID?
        public let method: String
        public let params: Params
    }

    /// One element of a line: a valid request, or an error to answer with (id null when unknown).
    public enum Item: Sendable {
        case request(Request)
        case invalid(id: ID, Failure)
    }

    public enum Line: Sendable {
        case single(Item)
        case batch([Item])
        /// Unparsable JSON, or an empty batch: one error response.
        case failure(Failure)
    }

    /// Interprets one input line.
    public static func parse(_ bytes: [UInt8]) -> Line {
        let value: JSONValue
        let idText: [Int: String]
        do {
            (value, idText) = try JSONLineParser.parse(withoutByteOrderMark(bytes), numberTextOfMember: "id")
        } catch {
            return .failure(Failure(.parseError, "parse error at column \(error.column): \(error.message); send one JSON value per line"))
        }
        switch value {
        case .array(let items):
            guard !items.isEmpty else { return .failure(Failure(.invalidRequest, "an empty batch; send at least one request")) }
            guard items.count <= maxBatch else {
                return .failure(Failure(.invalidRequest, "a batch of \(items.count) requests; send at most \(maxBatch) in one batch"))
            }
            return .batch(items.enumerated().map { item($0.element, idText: idText[$0.offset]) })
        default:
            return .single(item(value, idText: idText[0]))
        }
    }

    /// The most requests one batch may carry: a batch is answered as one line, and the server stops
    /// (on SIGTERM or end of input) only between lines.
    public static let maxBatch = 1_000

    /// A line may begin with a UTF-8 byte-order mark (some editors and Windows tools write one).
    static func withoutByteOrderMark(_ bytes: [UInt8]) -> ArraySlice<UInt8> {
        bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes[...]
    }

    static func item(_ value: JSONValue, idText: String?) -> Item {
        guard case .object(let object) = value else {
            return .invalid(id: .null, Failure(.invalidRequest, "a request must be a JSON object with \"jsonrpc\", \"method\" and optionally \"params\" and \"id\""))
        }
        var id: ID? = nil
        switch object["id"] {
        case nil: id = nil
        case .string(let s)?: id = .string(s)
        // Any JSON number, echoed as written (1e400 too); not the NaN and Infinity this parser also reads.
        case .number?:
            guard let text = idText, !text.contains(where: { $0 == "N" || $0 == "I" }) else {
                return .invalid(id: .null, Failure(.invalidRequest, "\"id\" must be a string, a number or null"))
            }
            id = .number(text: text)
        case .null?: id = .null
        default:
            return .invalid(id: .null, Failure(.invalidRequest, "\"id\" must be a string, a number or null"))
        }
        guard object["jsonrpc"] == .string(version) else {
            return .invalid(id: id ?? .null, Failure(.invalidRequest, "\"jsonrpc\" must be \"2.0\""))
        }
        guard case .string(let method)? = object["method"] else {
            return .invalid(id: id ?? .null, Failure(.invalidRequest, "\"method\" must be a string"))
        }
        let params: [String: JSONValue]
        switch object["params"] {
        case nil: params = [:]
        case .object(let p)?: params = p
        case .array(let a)? where a.isEmpty: params = [:]
        case .array?:
            return .invalid(id: id ?? .null, Failure(.invalidParams, "params must be an object of named parameters (by-position params are not supported)"))
        default:
            return .invalid(id: id ?? .null, Failure(.invalidRequest, "\"params\" must be an object or an array"))
        }
        return .request(Request(id: id, method: method, params: Params(params)))
    }

    /// A success response line: `result` is already JSON text.
    public static func success(id: ID, resultJSON: String) -> String {
        "{\"jsonrpc\":\"2.0\",\"id\":\(id.json),\"result\":\(resultJSON)}"
    }

    public static func failure(id: ID, _ error: Failure) -> String {
        "{\"jsonrpc\":\"2.0\",\"id\":\(id.json),\"error\":{\"code\":\(error.code),\"message\":\(JSONText.string(error.message))}}"
    }

    /// Encodes a result value as compact JSON.
    public static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// Named parameters, read with typed accessors whose errors name the parameter and what was expected.
public struct Params: Sendable {
    public let values: [String: JSONValue]

    public init(_ values: [String: JSONValue]) {
        self.values = values
    }

    func invalid(_ name: String, _ expected: String, _ got: JSONValue) -> JSONRPC.Failure {
        JSONRPC.Failure(.invalidParams, "param \"\(name)\": expected \(expected), got \(got.kindDescription)")
    }

    /// Fails for a parameter the method does not know (a typo would otherwise be ignored silently).
    public func allowOnly(_ names: Set<String>) throws(JSONRPC.Failure) {
        if let unknown = values.keys.sorted().first(where: { !names.contains($0) }) {
            throw JSONRPC.Failure(.invalidParams, "unknown param \"\(unknown)\"; this method takes \(names.sorted().joined(separator: ", "))")
        }
    }

    public func string(_ name: String) throws(JSONRPC.Failure) -> String? {
        guard let value = values[name], value != .null else { return nil }
        guard case .string(let s) = value, !s.isEmpty else { throw invalid(name, "a non-empty string", value) }
        return s
    }

    /// An id param, checked by `IdentifierRule` (the rule every imported id passed) and in NFC.
    public func id<Entity>(_ name: String, _ type: EntityID<Entity>.Type = EntityID<Entity>.self) throws(JSONRPC.Failure) -> EntityID<Entity>? {
        guard let value = values[name], value != .null else { return nil }
        guard case .string(let text) = value else { throw invalid(name, "an id (a string)", value) }
        return try Self.id(text, name)
    }

    /// An array of ids, each checked like `id(_:)`.
    public func ids<Entity>(_ name: String, _ type: EntityID<Entity>.Type = EntityID<Entity>.self) throws(JSONRPC.Failure) -> [EntityID<Entity>]? {
        guard let texts = try strings(name) else { return nil }
        var ids: [EntityID<Entity>] = []
        for (i, text) in texts.enumerated() { ids.append(try Self.id(text, "\(name)[\(i)]")) }
        return ids
    }

    static func id<Entity>(_ text: String, _ name: String) throws(JSONRPC.Failure) -> EntityID<Entity> {
        do {
            return try EntityID(validating: text)
        } catch {
            throw JSONRPC.Failure(.invalidParams, "param \"\(name)\": the id \(error.message)")
        }
    }

    public func strings(_ name: String) throws(JSONRPC.Failure) -> [String]? {
        guard let value = values[name], value != .null else { return nil }
        guard case .array(let items) = value else { throw invalid(name, "an array of strings", value) }
        var out: [String] = []
        for item in items {
            guard case .string(let s) = item else { throw invalid(name, "an array of strings", item) }
            out.append(s)
        }
        return out
    }

    public func int(_ name: String, in range: ClosedRange<Int>) throws(JSONRPC.Failure) -> Int? {
        guard let value = values[name], value != .null else { return nil }
        guard case .number(let n) = value, n.isFinite, n == n.rounded(), abs(n) < 1e15, range.contains(Int(n)) else {
            throw JSONRPC.Failure(.invalidParams, "param \"\(name)\": expected a whole number from \(range.lowerBound) to \(range.upperBound), got \(Self.describe(value))")
        }
        return Int(n)
    }

    public func number(_ name: String) throws(JSONRPC.Failure) -> Double? {
        guard let value = values[name], value != .null else { return nil }
        guard case .number(let n) = value, n.isFinite else { throw invalid(name, "a finite number", value) }
        return n
    }

    public func bool(_ name: String) throws(JSONRPC.Failure) -> Bool? {
        guard let value = values[name], value != .null else { return nil }
        guard case .bool(let b) = value else { throw invalid(name, "true or false", value) }
        return b
    }

    public func day(_ name: String) throws(JSONRPC.Failure) -> Day? {
        guard let text = try string(name) else { return nil }
        guard text.utf8.count == 10, let day = Day(iso8601: text) else {
            throw JSONRPC.Failure(.invalidParams, "param \"\(name)\": expected a date \"YYYY-MM-DD\", got \"\(text.prefix(40))\"")
        }
        return day
    }

    public func objects(_ name: String) throws(JSONRPC.Failure) -> [JSONValue] {
        guard let value = values[name] else { throw JSONRPC.Failure(.invalidParams, "param \"\(name)\" is required: an array of objects") }
        guard case .array(let items) = value, items.allSatisfy({ if case .object = $0 { return true } else { return false } }) else {
            throw invalid(name, "an array of objects", value)
        }
        return items
    }

    static func describe(_ value: JSONValue) -> String {
        if case .number(let n) = value { return n.isFinite ? String(n) : "a non-finite number" }
        return value.kindDescription
    }
}
