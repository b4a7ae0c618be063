import MatchCore

/// Why one field of one record was rejected.
public struct FieldError: Error, Sendable, Equatable {
    public let field: String?
    public let message: String

    public init(field: String?, _ message: String) {
        self.field = field
        self.message = message
    }
}

/// One record's fields, from a JSON object or a CSV row. Typed accessors check presence, type,
/// finiteness and range, and throw a `FieldError` that names the field and what was expected.
/// CSV cells are strings: the accessors read numbers from them, and an empty cell is a missing one.
public struct FieldSet: Sendable {
    public let values: [String: JSONValue]
    public let isCSV: Bool

    public init(values: [String: JSONValue], isCSV: Bool) {
        self.values = values
        self.isCSV = isCSV
    }

    /// The field's value, or nil when it is absent or null (or an empty CSV cell).
    public func value(_ field: String) -> JSONValue? {
        switch values[field] {
        case nil, .null?: return nil
        case .string(let s)? where isCSV && s.isEmpty: return nil
        case let value?: return value
        }
    }

    public func has(_ field: String) -> Bool { value(field) != nil }

    func missing(_ field: String, _ expected: String) -> FieldError {
        FieldError(field: field, "is required (\(expected)) but missing; add it")
    }

    // MARK: strings

    public func requiredString(_ field: String) throws(FieldError) -> String {
        guard let value = value(field) else { throw missing(field, "a non-empty string") }
        return try string(field, value)
    }

    /// An id: a string that passes `IdentifierRule` (never trimmed; NFC).
    public func requiredID<Entity>(_ field: String, _ type: EntityID<Entity>.Type = EntityID<Entity>.self) throws(FieldError) -> EntityID<Entity> {
        guard let value = value(field) else { throw missing(field, "a non-empty id") }
        return EntityID(try id(field, value))
    }

    /// The text of an id field, checked by `IdentifierRule` and normalized to NFC.
    public func id(_ field: String, _ value: JSONValue) throws(FieldError) -> String {
        guard case .string(let text) = value else {
            throw FieldError(field: field, "expected an id (a string), got \(value.kindDescription); quote the value")
        }
        switch IdentifierRule.check(text) {
        case .success(let id): return id
        case .failure(let problem): throw FieldError(field: field, problem.message)
        }
    }

    /// The text of a required id field (for ids that are not entity keys, such as a sample request's).
    public func requiredIDText(_ field: String) throws(FieldError) -> String {
        guard let value = value(field) else { throw missing(field, "a non-empty id") }
        return try id(field, value)
    }

    public func optionalString(_ field: String) throws(FieldError) -> String? {
        guard let value = value(field) else { return nil }
        return try string(field, value)
    }

    private func string(_ field: String, _ value: JSONValue) throws(FieldError) -> String {
        guard case .string(let text) = value else {
            throw FieldError(field: field, "expected a string, got \(value.kindDescription); quote the value")
        }
        let trimmed = text.trimmingSpaces
        guard !trimmed.isEmpty else { throw FieldError(field: field, "must not be empty") }
        return trimmed
    }

    /// A string that must be one of `allowed`.
    public func requiredEnum<E: RawRepresentable & CaseIterable>(_ field: String, _ type: E.Type) throws(FieldError) -> E where E.RawValue == String {
        let text = try requiredString(field)
        return try enumValue(field, text, type)
    }

    public func optionalEnum<E: RawRepresentable & CaseIterable>(_ field: String, _ type: E.Type) throws(FieldError) -> E? where E.RawValue == String {
        guard let text = try optionalString(field) else { return nil }
        return try enumValue(field, text, type)
    }

    private func enumValue<E: RawRepresentable & CaseIterable>(_ field: String, _ text: String, _ type: E.Type) throws(FieldError) -> E where E.RawValue == String {
        if let value = E(rawValue: text.lowercased()) { return value }
        let allowed = E.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        throw FieldError(field: field, "expected one of \(allowed), got \"\(text.prefixForMessage)\"")
    }

    // MARK: numbers

    public func requiredNumber(_ field: String, in range: ClosedRange<Double>? = nil, expected: String = "a number") throws(FieldError) -> Double {
        guard let value = value(field) else { throw missing(field, expected) }
        return try number(field, value, range: range, expected: expected)
    }

    public func optionalNumber(_ field: String, in range: ClosedRange<Double>? = nil, expected: String = "a number") throws(FieldError) -> Double? {
        guard let value = value(field) else { return nil }
        return try number(field, value, range: range, expected: expected)
    }

    public func requiredInt(_ field: String, in range: ClosedRange<Int>? = nil, expected: String = "a whole number") throws(FieldError) -> Int {
        guard let value = value(field) else { throw missing(field, expected) }
        return try int(field, value, range: range, expected: expected)
    }

    public func optionalInt(_ field: String, in range: ClosedRange<Int>? = nil, expected: String = "a whole number") throws(FieldError) -> Int? {
        guard let value = value(field) else { return nil }
        return try int(field, value, range: range, expected: expected)
    }

    /// Reads a number from a JSON number, or from a CSV cell's text.
    public func number(_ field: String, _ value: JSONValue, range: ClosedRange<Double>?, expected: String) throws(FieldError) -> Double {
        let number: Double
        switch value {
        case .number(let n):
            number = n
        case .string(let s) where isCSV:
            guard let parsed = Double(s.trimmingSpaces) else {
                throw FieldError(field: field, "expected \(expected), got \"\(s.prefixForMessage)\"")
            }
            number = parsed
        default:
            throw FieldError(field: field, "expected \(expected), got \(value.kindDescription)\(value.isString ? "; remove the quotes" : "")")
        }
        guard number.isFinite else {
            throw FieldError(field: field, "must be a finite number, got \(number.isNaN ? "NaN" : "an infinite value"); replace it with a real value or drop the field")
        }
        if let range, !range.contains(number) {
            throw FieldError(field: field, "expected \(expected), got \(Self.format(number))")
        }
        return number
    }

    public func int(_ field: String, _ value: JSONValue, range: ClosedRange<Int>?, expected: String) throws(FieldError) -> Int {
        let number = try self.number(field, value, range: nil, expected: expected)
        guard number == number.rounded(), abs(number) < 9.0e15 else {
            throw FieldError(field: field, "expected \(expected), got \(Self.format(number))")
        }
        let integer = Int(number)
        if let range, !range.contains(integer) {
            throw FieldError(field: field, "expected \(expected), got \(integer)")
        }
        return integer
    }

    // MARK: dates

    public func requiredDay(_ field: String) throws(FieldError) -> Day {
        guard let value = value(field) else { throw missing(field, "a date YYYY-MM-DD") }
        return try day(field, value)
    }

    public func day(_ field: String, _ value: JSONValue) throws(FieldError) -> Day {
        guard case .string(let text) = value else {
            throw FieldError(field: field, "expected a date \"YYYY-MM-DD\", got \(value.kindDescription)")
        }
        guard let day = Day(iso8601: text.trimmingSpaces) else {
            throw FieldError(field: field, "expected a date \"YYYY-MM-DD\" (or an ISO 8601 timestamp), got \"\(text.prefixForMessage)\"")
        }
        return day
    }

    /// A list: a JSON array, or in CSV a cell whose items are separated by `;` or `|`.
    public func optionalList(_ field: String) throws(FieldError) -> [JSONValue]? {
        guard let value = value(field) else { return nil }
        switch value {
        case .array(let items): return items
        case .string(let s) where isCSV:
            return s.split(whereSeparator: { $0 == ";" || $0 == "|" })
                .map { JSONValue.string(String($0).trimmingSpaces) }
                .filter { $0 != .string("") }
        default:
            throw FieldError(field: field, "expected an array, got \(value.kindDescription)")
        }
    }

    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(value)
    }
}

extension String {
    var trimmingSpaces: String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view.removeFirst() }
        while let last = view.last, last.isWhitespace { view.removeLast() }
        return String(view)
    }

    /// The value as quoted in an error message, cut so a huge cell cannot flood the terminal.
    var prefixForMessage: String {
        count > 40 ? String(prefix(40)) + "…" : self
    }
}
