import MatchCore

/// Prints a `JSONValue` as text `JSONLineParser` reads back to the same value: keys sorted, numbers in
/// Swift's shortest round-trip form, and the parser's extensions `NaN`, `Infinity`, `-Infinity`.
/// Equal text means equal values, NaN included, so it also serves to compare values.
enum CanonicalJSON {
    static func text(_ value: JSONValue) -> String {
        var out = ""
        write(value, to: &out)
        return out
    }

    private static func write(_ value: JSONValue, to out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += number(n)
        case .string(let s): out += JSONText.string(s)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                write(item, to: &out)
            }
            out += "]"
        case .object(let object):
            out += "{"
            for (i, key) in object.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                out += JSONText.string(key) + ":"
                write(object[key]!, to: &out)
            }
            out += "}"
        }
    }

    static func number(_ n: Double) -> String {
        if n.isNaN { return "NaN" }
        if n.isInfinite { return n < 0 ? "-Infinity" : "Infinity" }
        return "\(n)"
    }
}
