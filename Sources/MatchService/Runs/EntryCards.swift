import Foundation
import MatchCore

/// What a published run keeps of one shortlist entry: the numbers its reasons and JSON are written
/// from (about 100 bytes instead of ~600 of JSON). Entries are rendered when read, with the same code
/// a live shortlist uses, so a published entry reads exactly like the live one.
struct EntryCard: Equatable {
    var creatorID: String
    var username: String?
    var followers: Int
    var score: Float
    var similarity: Double
    var parts: ScoreParts?
    /// The creator's share of GMV in the product's category (related categories count partly).
    var share: Double
    var gmv: Double
    var gmvEstimated: Bool
    var gpm: Double?
    var postRate: Double?
    var avgCommissionRate: Int?
    var blocks: [FeatureBlock: Double]?
    /// With profile vectors: the creator's price band, audience and content next to the product's.
    var profileNote: String? = nil

    var signals: CreatorSignals {
        CreatorSignals(gmv: gmv, gmvEstimated: gmvEstimated, gpm: gpm, postRate: postRate, avgCommissionRate: avgCommissionRate, categories: [])
    }
}

/// How to render cards: the product's category and offered rate, and the ranking and wording.
struct CardContext {
    let models: ModelCatalog
    let explainer: ReasonWriter
    let category: String
    let offeredRate: Int?

    func entry(_ card: EntryCard, rank: Int) -> ShortlistEntry {
        ShortlistEntry(
            rank: rank, creator_id: card.creatorID, username: card.username, followers: card.followers,
            tier: models.platform.tier(followers: card.followers)?.name,
            score: ShortlistService.rounded(Double(card.score)), similarity: ShortlistService.rounded(card.similarity),
            score_parts: card.parts.map(ShortlistService.rounded),
            reasons: explainer.reasons(category: category, share: card.share, offeredRate: offeredRate, creator: card.signals,
                                       followers: card.followers, similarity: card.similarity, parts: card.parts, blocks: card.blocks,
                                       profileNote: card.profileNote))
    }

    /// The entries' JSON array.
    func json(_ cards: [EntryCard]) -> String {
        "[" + cards.enumerated().map { entry($0.element, rank: $0.offset + 1).jsonText }.joined(separator: ",") + "]"
    }
}

/// The cards' little-endian encoding: count, then per card its fields; optionals carry a presence byte.
enum EntryCardCodec {
    static func encode(_ cards: [EntryCard]) -> [UInt8] {
        var out = ByteWriter(capacity: cards.count * 140)
        out.u32(UInt32(cards.count))
        for c in cards {
            out.text(c.creatorID)
            out.text(c.username)
            out.u64(UInt64(bitPattern: Int64(c.followers)))
            out.u32(c.score.bitPattern)
            out.f64(c.similarity)
            if let p = c.parts { out.u8(1); out.f64(p.similarity); out.f64(p.salesStrength); out.f64(p.postRate); out.f64(p.commissionFit) } else { out.u8(0) }
            out.f64(c.share)
            out.f64(c.gmv)
            out.u8(c.gmvEstimated ? 1 : 0)
            out.optional(c.gpm)
            out.optional(c.postRate)
            out.optional(c.avgCommissionRate.map(Double.init))
            if let b = c.blocks {
                out.u8(1)
                for block in FeatureBlock.allCases { out.f64(b[block] ?? 0) }
            } else {
                out.u8(0)
            }
            out.text(c.profileNote)
        }
        return out.bytes
    }

    static func decode(_ bytes: [UInt8]) -> [EntryCard]? {
        var i = 0
        func take(_ n: Int) -> ArraySlice<UInt8>? {
            guard i + n <= bytes.count else { return nil }
            defer { i += n }
            return bytes[i..<(i + n)]
        }
        func u8() -> UInt8? { take(1)?.first }
        func u32() -> UInt32? { take(4).map { $0.reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) } } }
        func u64() -> UInt64? { take(8).map { $0.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) } } }
        func f64() -> Double? { u64().map(Double.init(bitPattern:)) }
        func text() -> String?? {
            guard let n = u32() else { return nil }
            if n == UInt32.max { return .some(nil) }
            guard let slice = take(Int(n)) else { return nil }
            return .some(String(decoding: slice, as: UTF8.self))
        }
        func optional() -> Double?? {
            guard let flag = u8() else { return nil }
            if flag == 0 { return .some(nil) }
            guard let v = f64() else { return nil }
            return .some(v)
        }
        guard let count = u32() else { return nil }
        var cards: [EntryCard] = []
        cards.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let id = text(), let creatorID = id, let username = text(), let followers = u64(), let score = u32(),
                  let similarity = f64(), let hasParts = u8() else { return nil }
            var parts: ScoreParts?
            if hasParts == 1 {
                guard let a = f64(), let b = f64(), let c = f64(), let d = f64() else { return nil }
                parts = ScoreParts(similarity: a, salesStrength: b, postRate: c, commissionFit: d)
            }
            guard let share = f64(), let gmv = f64(), let estimated = u8(), let gpm = optional(), let postRate = optional(),
                  let rate = optional(), let hasBlocks = u8() else { return nil }
            var blocks: [FeatureBlock: Double]?
            if hasBlocks == 1 {
                var values: [FeatureBlock: Double] = [:]
                for block in FeatureBlock.allCases {
                    guard let v = f64() else { return nil }
                    values[block] = v
                }
                blocks = values
            }
            guard let note = text() else { return nil }
            cards.append(EntryCard(
                creatorID: creatorID, username: username, followers: Int(Int64(bitPattern: followers)), score: Float(bitPattern: score),
                similarity: similarity, parts: parts, share: share, gmv: gmv, gmvEstimated: estimated == 1, gpm: gpm, postRate: postRate,
                avgCommissionRate: rate.map { Int($0) }, blocks: blocks, profileNote: note))
        }
        return i == bytes.count ? cards : nil
    }
}

/// Appends little-endian fields to a byte array (one growth check per field, no temporaries).
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    mutating func u8(_ v: UInt8) { bytes.append(v) }

    mutating func u32(_ v: UInt32) {
        bytes.append(UInt8(truncatingIfNeeded: v)); bytes.append(UInt8(truncatingIfNeeded: v >> 8))
        bytes.append(UInt8(truncatingIfNeeded: v >> 16)); bytes.append(UInt8(truncatingIfNeeded: v >> 24))
    }

    mutating func u64(_ v: UInt64) {
        u32(UInt32(truncatingIfNeeded: v))
        u32(UInt32(truncatingIfNeeded: v >> 32))
    }

    mutating func f64(_ v: Double) { u64(v.bitPattern) }

    /// Length-prefixed UTF-8; nil as length 0xFFFFFFFF.
    mutating func text(_ s: String?) {
        guard let s else { u32(UInt32.max); return }
        u32(UInt32(s.utf8.count))
        bytes.append(contentsOf: s.utf8)
    }

    /// A presence byte, then the value.
    mutating func optional(_ v: Double?) { if let v { u8(1); f64(v) } else { u8(0) } }
}
