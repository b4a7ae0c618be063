import Foundation

/// A string identifier tagged with the entity it names, so a product id can never be passed
/// where a creator id is expected. Ordering is byte order of the UTF-8 encoding, which is the
/// tie-break order the shortlist contract specifies.
public struct EntityID<Entity>: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    public static func < (lhs: EntityID, rhs: EntityID) -> Bool {
        utf8Precedes(lhs.rawValue, rhs.rawValue)
    }
}

/// Whether `a` comes before `b` in byte order of their UTF-8 (over the contiguous bytes; the generic
/// `utf8.lexicographicallyPrecedes` is several times slower, and binary searches over ids use this).
@inlinable
public func utf8Precedes(_ a: String, _ b: String) -> Bool {
    var a = a
    var b = b
    return a.withUTF8 { x in
        b.withUTF8 { y in
            let n = min(x.count, y.count)
            var i = 0
            while i < n {
                if x[i] != y[i] { return x[i] < y[i] }
                i += 1
            }
            return x.count < y.count
        }
    }
}

public enum ShopTag {}
public enum ProductTag {}
public enum CreatorTag {}

public typealias ShopID = EntityID<ShopTag>
public typealias ProductID = EntityID<ProductTag>
public typealias CreatorID = EntityID<CreatorTag>

/// The one rule every id from outside passes before it names a row (imports, upserts, and ids
/// given as parameters): ids are text a person can read and type, compared byte for byte.
///
/// - not empty, at most `maxBytes` bytes of UTF-8;
/// - no leading or trailing whitespace (it is never trimmed: `"abc"` and `" abc"` would otherwise
///   be one id to some readers and two to others);
/// - no control characters (C0, DEL, C1, including NUL), no invisible format characters (zero-width
///   spaces and joiners, bidirectional overrides, the byte-order mark), no line or paragraph
///   separators, no private-use code points and no noncharacters;
/// - Unicode policy: an id is stored in Normalization Form C. An id written in another form
///   (e.g. `e` + combining acute instead of `é`) is normalized to NFC on entry, so both spellings
///   name one entity wherever they are given.
public enum IdentifierRule {
    /// Ids longer than this are refused (platform open ids are under 100 bytes).
    public static let maxBytes = 256

    /// The id as stored (NFC), or why it cannot be one: a phrase that completes "the id …".
    public static func check(_ text: String) -> Result<String, IdentifierProblem> {
        if text.isEmpty { return .failure(IdentifierProblem("is empty; give a non-empty id")) }
        var ascii = true
        for byte in text.utf8 where byte >= 0x80 { ascii = false; break }
        if ascii {
            // Fast path: printable ASCII is already NFC.
            for (offset, byte) in text.utf8.enumerated() where byte < 0x20 || byte == 0x7F {
                return .failure(IdentifierProblem("contains the control character \(hex(UInt32(byte))) at byte \(offset); ids must be printable text, remove it"))
            }
            if text.utf8.first == 0x20 || text.utf8.last == 0x20 {
                return .failure(IdentifierProblem("has leading or trailing spaces; remove them (ids are never trimmed)"))
            }
            if text.utf8.count > maxBytes { return .failure(tooLong(text.utf8.count)) }
            return .success(text)
        }
        for (offset, scalar) in text.unicodeScalars.enumerated() {
            if let kind = forbiddenKind(scalar) {
                return .failure(IdentifierProblem("contains \(kind) \(hex(scalar.value)) at character \(offset); ids must be printable text, remove it"))
            }
        }
        if let first = text.unicodeScalars.first, let last = text.unicodeScalars.last,
           first.properties.isWhitespace || last.properties.isWhitespace {
            return .failure(IdentifierProblem("has leading or trailing whitespace; remove it (ids are never trimmed)"))
        }
        let normalized = text.precomposedStringWithCanonicalMapping
        if normalized.utf8.count > maxBytes { return .failure(tooLong(normalized.utf8.count)) }
        return .success(normalized)
    }

    static func forbiddenKind(_ scalar: Unicode.Scalar) -> String? {
        let properties = scalar.properties
        switch properties.generalCategory {
        case .control: return "the control character"
        case .format: return "the invisible format character"
        case .lineSeparator, .paragraphSeparator: return "the line separator"
        case .privateUse: return "the private-use character"
        default: return properties.isNoncharacterCodePoint ? "the noncharacter" : nil
        }
    }

    static func tooLong(_ bytes: Int) -> IdentifierProblem {
        IdentifierProblem("is \(bytes) bytes long; ids are at most \(maxBytes) bytes of UTF-8")
    }

    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

/// Why a text cannot be an id: completes "the id …" / "field X …".
public struct IdentifierProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "the id \(message)" }
}

extension EntityID {
    /// An id from outside (a file, a request, a command-line option), checked by `IdentifierRule`
    /// and normalized to NFC.
    public init(validating text: String) throws(IdentifierProblem) {
        switch IdentifierRule.check(text) {
        case .success(let id): self.init(id)
        case .failure(let problem): throw problem
        }
    }
}
