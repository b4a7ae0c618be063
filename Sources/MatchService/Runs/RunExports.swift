import Foundation
import GRDB
import MatchCore
import MatchStore

/// Reads published runs: the contract's shortlist lines, and the invitations new since a run.
public struct RunExports: Sendable {
    let database: MatchDatabase
    let models: ModelCatalog

    public init(database: MatchDatabase, models: ModelCatalog) {
        self.database = database
        self.models = models
    }

    /// The published entries of a list: its cards rendered as a live shortlist renders them (same
    /// wording, current Models/), or the JSON stored by runs from before cards. Cards that keep only the
    /// product's part take each creator's part from the run (`creators`).
    func entries(_ payload: RunListPayload, run: RunRecord, offeredRate: Int?, creators: RunCreators) throws -> [ShortlistEntry] {
        guard let bytes = payload.cards else {
            return try JSONDecoder().decode([ShortlistEntry].self, from: Data(payload.entries.utf8))
        }
        let context = Self.context(models, run: run, category: payload.category ?? "", offeredRate: offeredRate)
        return try Self.cards(bytes, run: run, creators: creators).enumerated().map { context.entry($0.element, rank: $0.offset + 1) }
    }

    /// The entries' JSON array text.
    func entriesJSON(_ payload: RunListPayload, run: RunRecord, offeredRate: Int?, creators: RunCreators) throws -> String {
        guard let bytes = payload.cards else { return payload.entries }
        return Self.context(models, run: run, category: payload.category ?? "", offeredRate: offeredRate).json(try Self.cards(bytes, run: run, creators: creators))
    }

    static func cards(_ bytes: [UInt8], run: RunRecord, creators: RunCreators) throws -> [EntryCard] {
        guard let cards = EntryCardCodec.decode(bytes, creator: { creators.parts[$0] }) else {
            throw MatchError(.database, "run \(run.id) has an unreadable shortlist; rescore to write a new run")
        }
        return cards
    }

    /// How a run's cards are worded: a rescore uses the default filters of its ranking.
    static func context(_ models: ModelCatalog, run: RunRecord, category: String, offeredRate: Int?) -> CardContext {
        let ranking = BlendedRanking(model: models.ranking, taxonomy: models.taxonomy)
        let recentDays = run.rank_by == RankBy.blended.rawValue ? models.ranking.recently_invited_days : 0
        return CardContext(models: models, explainer: ReasonWriter(models: models, ranking: ranking, filters: CreatorFilters(), recentDays: recentDays),
                           category: category, offeredRate: offeredRate)
    }

    /// Every list of a run as its entries' JSON array, by product id.
    public func entriesJSON(run id: Int64?) throws(MatchError) -> [String: String] {
        try database.read { db in
            let run = try Self.resolve(db, id)
            let rates = Dictionary(uniqueKeysWithValues: try RunStore.products(db, run: run.id).map { ($0.productID, $0.targetRate) })
            var out: [String: String] = [:]
            let creators = try RunCreators(db, run: run.id)
            for (product, payload) in try RunStore.payloads(db, run: run.id) {
                out[product] = try entriesJSON(payload, run: run, offeredRate: rates[product] ?? nil, creators: creators)
            }
            return out
        }
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
            let payloads = try RunStore.payloads(db, run: run.id)
            let products = try RunStore.products(db, run: run.id).filter { $0.status == "eligible" }
            let creators = try RunCreators(db, run: run.id)
            // Rendering reasons is the work: products in parallel.
            let lines = parallelMap(products.count) { i -> Result<String, MatchError> in
                let product = products[i]
                return Result { () throws(MatchError) -> String in
                    let entries: String
                    do {
                        entries = try payloads[product.productID].map { try entriesJSON($0, run: run, offeredRate: product.targetRate, creators: creators) } ?? "[]"
                    } catch {
                        throw (error as? MatchError) ?? MatchError(.database, "\(error)")
                    }
                    return Self.line(product, run: run.id, entries: entries)
                }
            }
            return try lines.map { try $0.get() }
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
            let payload = try RunStore.payloads(db, run: run.id, product: product)[product]
            let creators = try RunCreators(db, run: run.id, ids: payload?.cards.flatMap(EntryCardCodec.creatorIDs) ?? [])
            return Self.line(row, run: run.id, entries: try payload.map { try entriesJSON($0, run: run, offeredRate: row.targetRate, creators: creators) } ?? "[]")
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
            let creators = try RunCreators(db, run: run.id)
            let rates = Dictionary(uniqueKeysWithValues: try RunStore.products(db, run: run.id).map { ($0.productID, $0.targetRate) })
            for (product, list) in after where before[product]?.id != list.id {
                let known = Set(before[product]?.creators.map(\.creatorID) ?? [])
                guard list.creators.contains(where: { !known.contains($0.creatorID) }), let payload = try RunStore.payload(db, list: list.id) else { continue }
                rows[product] = try entries(payload, run: run, offeredRate: rates[product] ?? nil, creators: creators).filter { !known.contains($0.creator_id) }
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

/// A published run's creator parts (`run_creators`), decoded: all of them, or those of some creators.
struct RunCreators {
    let parts: [String: CreatorPart]

    init(_ db: Database, run: Int64, ids: [String]? = nil) throws {
        if let ids, ids.isEmpty {
            parts = [:]
            return
        }
        parts = try RunStore.creatorParts(db, run: run, ids: ids).compactMapValues(EntryCardCodec.decodeCreatorPart)
    }
}
