/// A parsed JSON value. Objects keep the last value of a repeated key.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// Any number, including the non-standard `NaN`, `Infinity` and out-of-range literals, which
    /// parse to non-finite values so that the importer can name the field that carries them.
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public var isString: Bool {
        if case .string = self { return true }
        return false
    }

    /// A short description of the value's kind, for messages: "a string", "an array", …
    public var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

public struct JSONSyntaxError: Error, Sendable, Equatable {
    /// 1-based byte column in the line.
    public let column: Int
    public let message: String
}

/// A strict JSON parser over one line's bytes. It reads numbers without going through `String`
/// (the importer reads millions of vector components), rejects invalid UTF-8, and bounds nesting.
public struct JSONLineParser {
    public static let maxDepth = 64

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    /// With `capturedKey`, the exact text of that member's number in the top-level object (element 0)
    /// or in each object of a top-level array (by element index): a JSON-RPC id is echoed byte for byte.
    private var capturedKey: String?
    private var captured: [Int: String] = [:]
    private var topLevelElement = 0
    private var topLevelIsArray = false

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    public static func parse(_ line: some Collection<UInt8>) throws(JSONSyntaxError) -> JSONValue {
        let array = Array(line)
        let result: Result<JSONValue, JSONSyntaxError> = array.withUnsafeBufferPointer { buffer in
            Result { () throws(JSONSyntaxError) in try parse(buffer: buffer) }
        }
        return try result.get()
    }

    /// Parses one JSON value that must fill `buffer` (surrounding white space allowed).
    public static func parse(buffer: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) -> JSONValue {
        var parser = JSONLineParser(bytes: buffer)
        return try parser.parseWhole()
    }

    /// Parses like `parse`, and also returns the exact source text of every number that is the value
    /// of member `key` of the top-level object (at index 0) or of an object element of a top-level
    /// array (at its element index). A number's text survives where its `Double` would round.
    public static func parse(_ line: some Collection<UInt8>, numberTextOfMember key: String) throws(JSONSyntaxError) -> (value: JSONValue, numberText: [Int: String]) {
        let array = Array(line)
        let result: Result<(JSONValue, [Int: String]), JSONSyntaxError> = array.withUnsafeBufferPointer { buffer in
            Result { () throws(JSONSyntaxError) in
                var parser = JSONLineParser(bytes: buffer)
                parser.capturedKey = key
                let value = try parser.parseWhole()
                return (value, parser.captured)
            }
        }
        return try result.get()
    }

    private mutating func parseWhole() throws(JSONSyntaxError) -> JSONValue {
        skipWhitespace()
        topLevelIsArray = !atEnd && bytes[index] == UInt8(ascii: "[")
        let value = try parseValue(depth: 0)
        skipWhitespace()
        if index < bytes.count {
            throw error("unexpected text after the JSON value")
        }
        return value
    }

    private func error(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(column: index + 1, message: message)
    }

    private var atEnd: Bool { index >= bytes.count }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard !atEnd else { throw error("unexpected end of line; the JSON value is incomplete") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "N"): try expectLiteral("NaN"); return .number(.nan)
        case UInt8(ascii: "I"): try expectLiteral("Infinity"); return .number(.infinity)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("unexpected character; expected a JSON value")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("unexpected end of line") }
        let start = literal.utf8Start
        for i in 0..<count where bytes[index + i] != start[i] {
            throw error("unexpected character; expected a JSON value")
        }
        index += count
    }

    private mutating func parseObject(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth <= Self.maxDepth else { throw error("nesting deeper than \(Self.maxDepth) levels") }
        index += 1
        var object: [String: JSONValue] = [:]
        skipWhitespace()
        if !atEnd, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard !atEnd, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a quoted key") }
            let key = try parseString()
            skipWhitespace()
            guard !atEnd, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':' after the key \"\(key)\"") }
            index += 1
            skipWhitespace()
            let valueStart = index
            object[key] = try parseValue(depth: depth)
            if let capturedKey, key == capturedKey, depth == (topLevelIsArray ? 2 : 1),
               case .number? = object[key] {
                captured[topLevelElement] = String(decoding: UnsafeBufferPointer(rebasing: bytes[valueStart..<index]), as: UTF8.self)
            }
            skipWhitespace()
            guard !atEnd else { throw error("unexpected end of line; an object is not closed") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(object) }
            throw error("expected ',' or '}' in an object")
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth <= Self.maxDepth else { throw error("nesting deeper than \(Self.maxDepth) levels") }
        index += 1
        var array: [JSONValue] = []
        skipWhitespace()
        if !atEnd, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(array)
        }
        while true {
            skipWhitespace()
            if depth == 1 { topLevelElement = array.count }
            array.append(try parseValue(depth: depth))
            skipWhitespace()
            guard !atEnd else { throw error("unexpected end of line; an array is not closed") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(array) }
            throw error("expected ',' or ']' in an array")
        }
    }

    private mutating func parseString() throws(JSONSyntaxError) -> String {
        index += 1
        let start = index
        // Fast path: no escapes.
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                guard let text = String(validating: slice, as: UTF8.self) else {
                    throw JSONSyntaxError(column: start + 1, message: "a string is not valid UTF-8")
                }
                return text
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw error("a control character inside a string; escape it") }
            index += 1
        }
        var buffer = Array(bytes[start..<index])
        while index < bytes.count {
            let b = bytes[index]
            switch b {
            case UInt8(ascii: "\""):
                index += 1
                guard let text = String(validating: buffer, as: UTF8.self) else {
                    throw JSONSyntaxError(column: start + 1, message: "a string is not valid UTF-8")
                }
                return text
            case UInt8(ascii: "\\"):
                index += 1
                guard !atEnd else { throw error("unexpected end of line inside a string") }
                let e = bytes[index]
                index += 1
                switch e {
                case UInt8(ascii: "\""): buffer.append(0x22)
                case UInt8(ascii: "\\"): buffer.append(0x5C)
                case UInt8(ascii: "/"): buffer.append(0x2F)
                case UInt8(ascii: "b"): buffer.append(0x08)
                case UInt8(ascii: "f"): buffer.append(0x0C)
                case UInt8(ascii: "n"): buffer.append(0x0A)
                case UInt8(ascii: "r"): buffer.append(0x0D)
                case UInt8(ascii: "t"): buffer.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try parseHex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                            throw error("an unpaired UTF-16 surrogate in a \\u escape")
                        }
                        index += 2
                        let low = try parseHex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw error("an unpaired UTF-16 surrogate in a \\u escape") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw error("an unpaired UTF-16 surrogate in a \\u escape")
                    }
                    buffer.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
                default:
                    throw error("an invalid escape sequence in a string")
                }
            default:
                if b < 0x20 { throw error("a control character inside a string; escape it") }
                buffer.append(b)
                index += 1
            }
        }
        throw error("unexpected end of line inside a string; close it with '\"'")
    }

    private mutating func parseHex4() throws(JSONSyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("a \\u escape needs four hex digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[index]
            let digit: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(b - 48)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(b - 87)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(b - 55)
            default: throw error("a \\u escape needs four hex digits")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private static let exactPowersOfTen: [Double] = (0...22).map { p in
        var v = 1.0
        for _ in 0..<p { v *= 10 }
        return v
    }

    /// JSON number grammar, plus `-Infinity` and `-NaN`. Small decimals take Clinger's exact fast
    /// path; anything else goes through `strtod` for correct rounding.
    private mutating func parseNumber() throws(JSONSyntaxError) -> Double {
        let start = index
        var negative = false
        if bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
            if !atEnd, bytes[index] == UInt8(ascii: "I") { try expectLiteral("Infinity"); return -.infinity }
            if !atEnd, bytes[index] == UInt8(ascii: "N") { try expectLiteral("NaN"); return .nan }
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        var exact = true
        guard !atEnd, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) else {
            throw error("a number needs a digit here")
        }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if !atEnd, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                throw error("a number must not have a leading zero")
            }
        } else {
            while !atEnd, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                if digits < 19 { mantissa = mantissa * 10 + UInt64(bytes[index] - 48); digits += 1 } else { exact = false; exponent += 1 }
                index += 1
            }
        }
        if !atEnd, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard !atEnd, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) else {
                throw error("a number needs a digit after '.'")
            }
            while !atEnd, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                if digits < 19 {
                    mantissa = mantissa * 10 + UInt64(bytes[index] - 48)
                    if mantissa != 0 { digits += 1 }
                    exponent -= 1
                } else if bytes[index] != UInt8(ascii: "0") {
                    exact = false
                }
                index += 1
            }
        }
        if !atEnd, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            var expNegative = false
            if !atEnd, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                expNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            guard !atEnd, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) else {
                throw error("a number needs a digit in its exponent")
            }
            var e = 0
            while !atEnd, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                if e < 100_000 { e = e * 10 + Int(bytes[index] - 48) }
                index += 1
            }
            exponent += expNegative ? -e : e
        }
        if exact, mantissa < (1 << 53), (-22...22).contains(exponent) {
            var value = Double(mantissa)
            if exponent >= 0 { value *= Self.exactPowersOfTen[exponent] } else { value /= Self.exactPowersOfTen[-exponent] }
            return negative ? -value : value
        }
        var text = bytes[start..<index].map { CChar(bitPattern: $0) }
        text.append(0)
        return text.withUnsafeBufferPointer { strtod($0.baseAddress!, nil) }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
