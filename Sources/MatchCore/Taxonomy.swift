/// The three policy groups whose eligibility thresholds differ (source article).
public enum CategoryGroup: String, CaseIterable, Codable, Sendable {
    case electronics
    case fashionLifestyle = "fashion_lifestyle"
    case fmcg

    public var displayName: String {
        switch self {
        case .electronics: "Electronics"
        case .fashionLifestyle: "Fashion & Lifestyle"
        case .fmcg: "FMCG"
        }
    }
}

/// One product category of the taxonomy: its platform name, its policy group, and its parent
/// (nil for level-1 categories and for the three group names themselves).
public struct Category: Hashable, Sendable {
    public let name: String
    public let group: CategoryGroup
    public let parent: String?

    public init(name: String, group: CategoryGroup, parent: String?) {
        self.name = name
        self.group = group
        self.parent = parent
    }
}

/// Maps category names (case-insensitively, spaces folded) to categories and their policy group.
public struct Taxonomy: Sendable {
    public let version: Int
    public let categories: [Category]
    private let byKey: [String: Category]

    /// The file's shape (`Models/taxonomy.json`).
    public struct File: Decodable, Sendable {
        public struct Entry: Decodable, Sendable {
            public let name: String
            public let group: CategoryGroup?
            public let parent: String?
        }
        public let version: Int
        public let categories: [Entry]
    }

    public init(file: File) throws(MatchError) {
        var byKey: [String: Category] = [:]
        var ordered: [Category] = []
        func add(_ category: Category) throws(MatchError) {
            let key = Taxonomy.key(category.name)
            guard byKey[key] == nil else {
                throw MatchError(.modelFiles, "taxonomy lists category \"\(category.name)\" twice; keep one entry")
            }
            byKey[key] = category
            ordered.append(category)
        }
        for group in CategoryGroup.allCases {
            try add(Category(name: group.rawValue, group: group, parent: nil))
        }
        // Level-1 entries first, so children can name a parent declared anywhere in the file.
        for entry in file.categories where entry.parent == nil {
            guard let group = entry.group else {
                throw MatchError(.modelFiles, "taxonomy category \"\(entry.name)\" has neither a group nor a parent; add \"group\"")
            }
            try add(Category(name: entry.name, group: group, parent: nil))
        }
        for entry in file.categories {
            guard let parentName = entry.parent else { continue }
            guard let parent = byKey[Taxonomy.key(parentName)] else {
                throw MatchError(.modelFiles, "taxonomy category \"\(entry.name)\" names unknown parent \"\(parentName)\"")
            }
            try add(Category(name: entry.name, group: entry.group ?? parent.group, parent: parent.name))
        }
        self.version = file.version
        self.categories = ordered
        self.byKey = byKey
    }

    /// The category for a name as sellers write it, or nil when the taxonomy does not map it.
    public func category(named name: String) -> Category? {
        byKey[Taxonomy.key(name)]
    }

    static func key(_ name: String) -> String {
        name.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }
}
