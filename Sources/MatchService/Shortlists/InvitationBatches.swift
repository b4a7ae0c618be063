import MatchCore

/// One row of an invitation export: a creator invited to a product within one target collaboration.
public struct InvitationBatchRow: Codable, Sendable, Equatable {
    public let batch: Int
    public let product_id: String
    public let creator_id: String
    public let rank: Int
    public let score: Double
    /// The rate offered for this product (hundredths of a percent), when it has one.
    public let offered_rate: Int?
}

/// Groups shortlists into target collaborations within the platform's limits
/// (`Models/platform.json`: at most 50 creators and 100 products each): each product's creators are
/// cut into runs of at most 50 by rank; runs with the same creators across products share a
/// collaboration, up to 100 products.
public enum InvitationBatches {
    public static func plan(_ shortlists: [Shortlist], limits: PlatformFacts.TargetCollaboration) -> [InvitationBatchRow] {
        struct Group {
            var creators: [String]
            var products: [(Shortlist, ArraySlice<ShortlistEntry>)]
        }
        var groups: [Group] = []
        var openGroupByCreators: [[String]: Int] = [:]
        for shortlist in shortlists where !shortlist.creators.isEmpty {
            var start = 0
            while start < shortlist.creators.count {
                let run = shortlist.creators[start..<min(start + limits.max_creators, shortlist.creators.count)]
                let key = run.map(\.creator_id).sorted()
                if let g = openGroupByCreators[key], groups[g].products.count < limits.max_products {
                    groups[g].products.append((shortlist, run))
                } else {
                    openGroupByCreators[key] = groups.count
                    groups.append(Group(creators: key, products: [(shortlist, run)]))
                }
                start += limits.max_creators
            }
        }
        var rows: [InvitationBatchRow] = []
        for (number, group) in groups.enumerated() {
            for (shortlist, run) in group.products {
                for entry in run {
                    rows.append(InvitationBatchRow(
                        batch: number + 1, product_id: shortlist.product_id, creator_id: entry.creator_id,
                        rank: entry.rank, score: entry.score, offered_rate: shortlist.offered_rate))
                }
            }
        }
        return rows
    }

    public static func csv(_ rows: [InvitationBatchRow]) -> String {
        var out = "batch,product_id,creator_id,rank,score,offered_rate,offered_rate_percent\n"
        for row in rows {
            let rate = row.offered_rate.map(String.init) ?? ""
            let percent = row.offered_rate.map { String(format: "%.2f", Double($0) / 100) } ?? ""
            out += "\(row.batch),\(field(row.product_id)),\(field(row.creator_id)),\(row.rank),\(row.score),\(rate),\(percent)\n"
        }
        return out
    }

    /// A CSV text cell, quoted when it must be and safe to open in a spreadsheet (`CSVText.cell`).
    public static func field(_ text: String) -> String { CSVText.cell(text) }
}

#if canImport(Foundation)
import Foundation
#endif
