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
