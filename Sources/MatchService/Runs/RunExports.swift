import Foundation
import GRDB
import MatchCore
import MatchStore

/// Reads published runs: the contract's shortlist lines, and the invitations new since a run.
public struct RunExports: Sendable {
    let database: MatchDatabase

    public init(database: MatchDatabase) {
        self.database = database
    }

    /// The run to read: `id`, else the latest published one.
    static func resolve(_ db: Database, _ id: Int64?) throws -> RunRecord {
        if let id {
            guard let run = try RunStore.run(db, id: id) else {
                throw MatchError(.notFound, "no run \(id); `creatormatch runs list` shows the runs there are")
            }
            guard run.status == "published" else {
                throw MatchError(.notFound, "run \(id) is \(run.status), not published; export a published run")
            }
            return run
        }
        guard let latest = try RunStore.latestPublished(db) else {
            throw MatchError(.notFound, "no published run yet; run `creatormatch rescore` first")
        }
        return latest
    }

    /// One JSON object a line per eligible product: `{"product_id", "run_id", "creators": [...]}`.
    public func shortlistLines(run id: Int64?) throws(MatchError) -> [String] {
        try database.read { db in
            let run = try Self.resolve(db, id)
            let entries = try RunStore.entries(db, run: run.id)
            return try RunStore.products(db, run: run.id).filter { $0.status == "eligible" }.map { product in
                Self.line(product, run: run.id, entries: entries[product.productID] ?? "[]")
            }
        }
    }

    /// One product's shortlist from a published run (the latest by default), as its JSON object.
    public func shortlistLine(product: String, run id: Int64?) throws(MatchError) -> String {
        try database.read { db in
            let run = try Self.resolve(db, id)
            guard let row = try RunStore.product(db, run: run.id, product: product) else {
                throw MatchError(.notFound, "run \(run.id) has no product \"\(product)\"; check the id, or rescore after importing it")
            }
            guard row.status == "eligible" else {
                let reasons = (try? JSONDecoder().decode([String].self, from: Data(row.reasons.utf8))) ?? []
                throw MatchError(.ineligible, "in run \(run.id) product \(product) is \(row.status.replacingOccurrences(of: "_", with: " ")): \(reasons.joined(separator: "; "))")
            }
            return Self.line(row, run: run.id, entries: try RunStore.entries(db, run: run.id, product: product)[product] ?? "[]")
        }
    }

    /// `entries` is the stored JSON array of the product's entries.
    static func line(_ product: RunProductRow, run: Int64, entries: String) -> String {
        var line = "{\"product_id\":\(JSONText.string(product.productID)),\"run_id\":\(run)"
        if let rate = product.targetRate { line += ",\"offered_rate\":\(rate)" }
        if let rate = product.suggestedRate { line += ",\"suggested_open_rate\":\(rate)" }
        return line + ",\"creators\":" + entries + "}"
    }

    /// Shortlists of `run` (latest by default) keeping only creators not in `since`'s shortlist of the
    /// same product: what the seller sends today.
    public func newInvitations(run id: Int64?, since: Int64) throws(MatchError) -> [Shortlist] {
        try database.read { db in
            let run = try Self.resolve(db, id)
            let old = try Self.resolve(db, since)
            let before = try RunStore.lists(db, run: old.id)
            let after = try RunStore.lists(db, run: run.id)
            var rows: [String: [ShortlistEntry]] = [:]
            let decoder = JSONDecoder()
            for (product, list) in after where before[product]?.id != list.id {
                let known = Set(before[product]?.creators.map(\.creatorID) ?? [])
                guard list.creators.contains(where: { !known.contains($0.creatorID) }), let text = try RunStore.entries(db, list: list.id) else { continue }
                let entries = try decoder.decode([ShortlistEntry].self, from: Data(text.utf8))
                rows[product] = entries.filter { !known.contains($0.creator_id) }
            }
            return try RunStore.products(db, run: run.id).compactMap { product in
                guard let entries = rows[product.productID], !entries.isEmpty else { return nil }
                guard let stored = try StoreQueries.product(db, id: ProductID(product.productID)) else { return nil }
                return Shortlist(
                    product_id: product.productID, run_id: run.id, shop_id: stored.shopID.rawValue, category: stored.category,
                    offered_rate: product.targetRate, suggested_open_rate: product.suggestedRate, current_rate: stored.commissionRate,
                    rank_by: run.rank_by, creators: entries)
            }
        }
    }

    public func runs() throws(MatchError) -> [RunRecord] {
        try database.read { db in try RunStore.runs(db) }
    }

    public func diff(from a: Int64, to b: Int64) throws(MatchError) -> RunDiffReport {
        try database.read { db in try RunDiff.compare(db, from: a, to: b) }
    }
}
