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
        lhs.rawValue.utf8.lexicographicallyPrecedes(rhs.rawValue.utf8)
    }
}

public enum ShopTag {}
public enum ProductTag {}
public enum CreatorTag {}

public typealias ShopID = EntityID<ShopTag>
public typealias ProductID = EntityID<ProductTag>
public typealias CreatorID = EntityID<CreatorTag>
