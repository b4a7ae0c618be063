import Foundation
import Testing
@testable import MatchCore

@Suite struct DayTests {
    @Test func roundTripsEveryDayOverFourCenturies() {
        var day = Day(year: 1900, month: 1, day: 1)!
        var previous = day.daysSinceEpoch - 1
        while day.civil.year < 2300 {
            #expect(day.daysSinceEpoch == previous + 1)
            #expect(Day(iso8601: day.description) == day)
            previous = day.daysSinceEpoch
            day = day.advanced(by: 1)
        }
    }

    @Test func parsesDatesAndTimestampsAndRejectsTheRest() {
        #expect(Day(iso8601: "1970-01-01")?.daysSinceEpoch == 0)
        #expect(Day(iso8601: "2026-11-25T09:30:00Z") == Day(year: 2026, month: 11, day: 25))
        #expect(Day(iso8601: "2024-02-29") != nil)
        for bad in ["2026-02-29", "2026-13-01", "2026-1-01", "20261125", "2026-11-25X", "", "abcd-ef-gh"] {
            #expect(Day(iso8601: bad) == nil, "\(bad)")
        }
    }
}

@Suite struct IdentifierTests {
    @Test func orderIsUTF8ByteOrder() {
        // Swift's String < would put "é" (U+00E9) and "e\u{301}" equal-ish; byte order is what the contract says.
        #expect(CreatorID("B") < CreatorID("a"))
        #expect(CreatorID("a") < CreatorID("ab"))
        #expect(CreatorID("z") < CreatorID("é"))
        #expect(CreatorID("e\u{301}") < CreatorID("é"))
    }
}

@Suite struct CommissionRateTests {
    @Test func formatsHundredthsOfAPercent() {
        #expect(CommissionRate(hundredthsOfPercent: 1200).description == "12%")
        #expect(CommissionRate(hundredthsOfPercent: 1250).description == "12.5%")
        #expect(CommissionRate(hundredthsOfPercent: 105).description == "1.05%")
        #expect(CommissionRate.validRange == 100...8000)
    }
}

@Suite struct TaxonomyTests {
    static let file: Taxonomy.File = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Models/taxonomy.json")
        return try! JSONDecoder().decode(Taxonomy.File.self, from: Data(contentsOf: url))
    }()

    @Test func mapsEveryLevelOneCategoryOfTheBriefCaseInsensitively() throws {
        let taxonomy = try Taxonomy(file: Self.file)
        let names = [
            "Phones & Electronics", "Computers & Office Equipment", "Household Appliances", "Beauty & Personal Care",
            "Health", "Food & Beverages", "Baby & Maternity", "Pet Supplies", "Womenswear & Underwear",
            "Menswear & Underwear", "Shoes", "Fashion Accessories", "Jewelry Accessories & Derivatives",
            "Luggage & Bags", "Kids' Fashion", "Sports & Outdoor", "Home Supplies", "Kitchenware", "Furniture",
            "Textiles & Soft Furnishings", "Home Improvement", "Tools & Hardware", "Toys & Hobbies",
            "Automotive & Motorcycle", "Books, Magazines & Audio", "Collectibles",
        ]
        for name in names {
            #expect(taxonomy.category(named: name)?.parent == nil, "\(name)")
            #expect(taxonomy.category(named: name.uppercased())?.name == name)
            #expect(taxonomy.category(named: "  " + name.lowercased().replacingOccurrences(of: " ", with: "  ") + " ")?.name == name)
        }
        #expect(taxonomy.category(named: "Phones & Electronics")?.group == .electronics)
        #expect(taxonomy.category(named: "Beauty & Personal Care")?.group == .fmcg)
        #expect(taxonomy.category(named: "Shoes")?.group == .fashionLifestyle)
        #expect(taxonomy.category(named: "skincare")?.parent == "Beauty & Personal Care")
        #expect(taxonomy.category(named: "skincare")?.group == .fmcg)
        for group in CategoryGroup.allCases {
            #expect(taxonomy.category(named: group.rawValue)?.group == group)
        }
        #expect(taxonomy.category(named: "Spaceships") == nil)
    }

    @Test func rejectsAChildWithAnUnknownParent() {
        let file = Taxonomy.File(version: 1, categories: [.init(name: "Orphan", group: nil, parent: "Nowhere")])
        #expect(throws: MatchError.self) { try Taxonomy(file: file) }
    }
}

extension Taxonomy.File {
    init(version: Int, categories: [Entry]) {
        let json = try! JSONEncoder().encode(EncodableFile(version: version, categories: categories.map { .init(name: $0.name, group: $0.group?.rawValue, parent: $0.parent) }))
        self = try! JSONDecoder().decode(Taxonomy.File.self, from: json)
    }
}

extension Taxonomy.File.Entry {
    init(name: String, group: CategoryGroup?, parent: String?) {
        let json = try! JSONEncoder().encode(EncodableFile.Entry(name: name, group: group?.rawValue, parent: parent))
        self = try! JSONDecoder().decode(Taxonomy.File.Entry.self, from: json)
    }
}

private struct EncodableFile: Encodable {
    struct Entry: Encodable { let name: String; let group: String?; let parent: String? }
    let version: Int
    let categories: [Entry]
}

@Suite struct JSONTextTests {
    @Test func escapesWhatJSONRequiresAndKeepsTheRest() throws {
        let samples = ["plain", "", "quote \" and backslash \\", "line\nbreak\r\ttab", "bell \u{07} and nul \u{00}", "thé 商品 🎉", "\u{1F}end"]
        for sample in samples {
            let quoted = JSONText.string(sample)
            let decoded = try JSONSerialization.jsonObject(with: Data("[\(quoted)]".utf8)) as? [String]
            #expect(decoded == [sample], "\(quoted)")
            #expect(!quoted.dropFirst().dropLast().unicodeScalars.contains { $0.value < 0x20 })
        }
        #expect(JSONText.string("a\"b") == #""a\"b""#)
        #expect(JSONText.string("\u{01}") == #""\u0001""#)
    }
}
