import Foundation
import GRDB
import MatchCore
import MatchStore

public struct RunDiffSummary: Codable, Sendable, Equatable {
    public let products_changed: Int
    public let creators_added: Int
    public let creators_dropped: Int
    public let rank_moves: Int
    public let rate_changes: Int
    public let became_eligible: Int
    public let became_ineligible: Int
}

/// What changed for one product between two runs.
public struct ProductDiff: Codable, Sendable {
    public struct Move: Codable, Sendable, Equatable {
        public let creator_id: String
        public let from: Int
        public let to: Int
    }
    public struct RateChange: Codable, Sendable, Equatable {
        public let from: Int?
        public let to: Int?
    }
    public struct StatusChange: Codable, Sendable {
        public let from: String?
        public let to: String?
        /// Why, in the newer run (the rule that now fails, or nothing when it became eligible).
        public let reasons: [String]
    }
    public let product_id: String
    public let added: [String]
    public let dropped: [String]
    public let moved: [Move]
    public let target_rate: RateChange?
    public let status: StatusChange?
}

public struct RunDiffReport: Codable, Sendable {
    public let from_run: Int64
    public let to_run: Int64
    public let summary: RunDiffSummary
    public let products: [ProductDiff]
}

/// Compares two published runs product by product.
public enum RunDiff {
    public static func compare(_ db: Database, from a: Int64, to b: Int64) throws -> RunDiffReport {
        for id in [a, b] {
            guard let run = try RunStore.run(db, id: id) else {
                throw MatchError(.notFound, "no run \(id); `creatormatch runs list` shows the runs there are")
            }
            guard run.status == "published" else {
                throw MatchError(.notFound, "run \(id) is \(run.status), not published; compare published runs")
            }
        }
        let oldProducts = Dictionary(uniqueKeysWithValues: try RunStore.products(db, run: a).map { ($0.productID, $0) })
        let newProducts = Dictionary(uniqueKeysWithValues: try RunStore.products(db, run: b).map { ($0.productID, $0) })
        // Lists both runs share have not changed: only the others are decoded.
        let shared = Set(oldProducts.values.compactMap(\.listID)).intersection(newProducts.values.compactMap(\.listID))
        let oldLists = try RunStore.lists(db, run: a, except: shared)
        let newLists = try RunStore.lists(db, run: b, except: shared)
        return diff(from: a, to: b, old: oldProducts, new: newProducts) { id in
            if let list = oldProducts[id]?.listID, list == newProducts[id]?.listID { return nil }
            return (oldLists[id]?.creators.map(\.creatorID) ?? [], newLists[id]?.creators.map(\.creatorID) ?? [])
        }
    }

    /// The comparison itself, from the runs' product rows and, per product, its published creators
    /// before and after (nil when both runs share the list, so nothing in it changed). A rescore calls it
    /// with what it holds in memory and `detail: false` (the summary's counts only, without listing and
    /// sorting every added, dropped and moved creator); `compare` with what it reads.
    static func diff(from a: Int64, to b: Int64, old oldProducts: [String: RunProductRow], new newProducts: [String: RunProductRow],
                     detail: Bool = true, creators: (String) -> (before: [String], after: [String])?) -> RunDiffReport {
        func ranks(_ ids: [String]) -> [String: Int] {
            Dictionary(ids.enumerated().map { ($0.element, $0.offset + 1) }, uniquingKeysWith: min)
        }
        var diffs: [ProductDiff] = []
        var changedProducts = 0
        var added = 0, dropped = 0, moves = 0, rates = 0, eligible = 0, ineligible = 0
        for id in Set(oldProducts.keys).union(newProducts.keys).sorted(by: utf8Precedes) {
            var plus: [String] = []
            var minus: [String] = []
            var moved: [ProductDiff.Move] = []
            var counts = (plus: 0, minus: 0, moved: 0)
            if let lists = creators(id), lists.before != lists.after {
                let before = ranks(lists.before)
                let after = ranks(lists.after)
                if detail {
                    plus = after.keys.filter { before[$0] == nil }.sorted { after[$0]! < after[$1]! }
                    minus = before.keys.filter { after[$0] == nil }.sorted { before[$0]! < before[$1]! }
                    moved = after.compactMap { creator, rank -> ProductDiff.Move? in
                        guard let old = before[creator], old != rank else { return nil }
                        return .init(creator_id: creator, from: old, to: rank)
                    }.sorted { $0.to < $1.to }
                    counts = (plus.count, minus.count, moved.count)
                } else {
                    var kept = 0
                    for (creator, rank) in after {
                        guard let old = before[creator] else { counts.plus += 1; continue }
                        kept += 1
                        if old != rank { counts.moved += 1 }
                    }
                    counts.minus = before.count - kept
                }
            }
        let oldRate = oldProducts[id]?.targetRate
            let newRate = newProducts[id]?.targetRate
            let rateChange = oldRate != newRate && oldProducts[id] != nil && newProducts[id] != nil ? ProductDiff.RateChange(from: oldRate, to: newRate) : nil
            let oldStatus = oldProducts[id]?.status
            let newStatus = newProducts[id]?.status
            var statusChange: ProductDiff.StatusChange?
            if oldStatus != newStatus {
                let reasons = (try? JSONDecoder().decode([String].self, from: Data((newProducts[id]?.reasons ?? "[]").utf8))) ?? []
                statusChange = .init(from: oldStatus, to: newStatus, reasons: reasons)
                if newStatus == "eligible" { eligible += 1 } else if oldStatus == "eligible" { ineligible += 1 }
            }
            guard counts.plus + counts.minus + counts.moved > 0 || rateChange != nil || statusChange != nil else { continue }
            changedProducts += 1
            added += counts.plus
            dropped += counts.minus
            moves += counts.moved
            if rateChange != nil { rates += 1 }
            if detail { diffs.append(ProductDiff(product_id: id, added: plus, dropped: minus, moved: moved, target_rate: rateChange, status: statusChange)) }
        }
        return RunDiffReport(
            from_run: a, to_run: b,
            summary: .init(products_changed: changedProducts, creators_added: added, creators_dropped: dropped, rank_moves: moves,
                           rate_changes: rates, became_eligible: eligible, became_ineligible: ineligible),
            products: diffs)
    }
}
