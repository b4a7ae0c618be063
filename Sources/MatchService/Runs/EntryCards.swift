import Foundation
import MatchCore

/// What a published run keeps of one shortlist entry: the numbers its reasons and JSON are written
/// from, rendered when read with the same code a live shortlist uses, so a published entry reads
/// exactly like the live one. `creator` is what the creator contributes to every entry it is in.
package struct EntryCard: Equatable {
    package var creatorID: String
    package var creator: CreatorPart
    package var score: Float
    package var similarity: Double
    package var parts: ScoreParts?
    /// The creator's share of GMV in the product's category (related categories count partly).
    package var share: Double
    package var blocks: [FeatureBlock: Double]?
    /// With profile vectors: the creator's price band, audience and content next to the product's.
    package var profileNote: String? = nil

    // Package access lets the fuzz targets (`creatormatch-fuzz`) drive the codecs without `@testable`.
    package init(creatorID: String, creator: CreatorPart, score: Float, similarity: Double, parts: ScoreParts?, share: Double,
                 blocks: [FeatureBlock: Double]?, profileNote: String? = nil) {
        self.creatorID = creatorID
        self.creator = creator
        self.score = score
        self.similarity = similarity
        self.parts = parts
        self.share = share
        self.blocks = blocks
        self.profileNote = profileNote
    }
}

/// How to render cards: the product's category and offered rate, and the ranking and wording.
struct CardContext {
    let models: ModelCatalog
    let explainer: ReasonWriter
    let category: String
    let offeredRate: Int?

    func entry(_ card: EntryCard, rank: Int) -> ShortlistEntry {
        let creator = card.creator
        return ShortlistEntry(
            rank: rank, creator_id: card.creatorID, username: creator.username, followers: creator.followers,
            tier: models.platform.tier(followers: creator.followers)?.name,
            score: ShortlistService.rounded(Double(card.score)), similarity: ShortlistService.rounded(card.similarity),
            score_parts: card.parts.map(ShortlistService.rounded),
            reasons: explainer.reasons(category: category, share: card.share, offeredRate: offeredRate, creator: creator.signals,
                                       followers: creator.followers, similarity: card.similarity, parts: card.parts, blocks: card.blocks,
                                       profileNote: card.profileNote))
    }

    /// The entries' JSON array.
    func json(_ cards: [EntryCard]) -> String {
        "[" + cards.enumerated().map { entry($0.element, rank: $0.offset + 1).jsonText }.joined(separator: ",") + "]"
    }
}

/// What a creator contributes to every entry it appears in: the same in each of its lists. A run
/// stores it once per creator (`run_creators`); the lists' cards keep only what depends on the product.
package struct CreatorPart: Equatable {
    package var username: String?
    package var followers: Int
    package var gmv: Double
    package var gmvEstimated: Bool
    package var gpm: Double? = nil
    package var postRate: Double? = nil
    package var avgCommissionRate: Int? = nil

    var signals: CreatorSignals {
        CreatorSignals(gmv: gmv, gmvEstimated: gmvEstimated, gpm: gpm, postRate: postRate, avgCommissionRate: avgCommissionRate, categories: [])
    }

    package init(username: String?, followers: Int, gmv: Double, gmvEstimated: Bool, gpm: Double? = nil, postRate: Double? = nil,
                 avgCommissionRate: Int? = nil) {
        self.username = username
        self.followers = followers
        self.gmv = gmv
        self.gmvEstimated = gmvEstimated
        self.gpm = gpm
        self.postRate = postRate
        self.avgCommissionRate = avgCommissionRate
    }
}

/// Entry cards as stored. Lists written since 0.3.0 keep the product's part of each card (creator id,
/// score, similarity, score parts, category share, feature blocks, profile note) behind a marker, and
/// the run keeps each creator's part once; lists written before keep whole cards (the "self-contained"
/// format, still read). Doubles that are exactly a float (similarity, many shares and GMVs) take 4
/// bytes instead of 8; nothing is rounded.
package enum EntryCardCodec {
    /// Starts product-part lists: as the old format's card count it would be 4 billion cards.
    package static let productPartMarker: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFE]

    package static func encodeProductParts(_ cards: [EntryCard]) -> [UInt8] {
        var out = ByteWriter(capacity: 8 + cards.count * 64)
        for b in productPartMarker { out.u8(b) }
        out.varint(UInt64(cards.count))
        for c in cards {
            out.varText(c.creatorID)
            out.u32(c.score.bitPattern)
            out.real(c.similarity)
            out.parts(c.parts)
            out.real(c.share)
            out.blocks(c.blocks)
            out.varText(c.profileNote)
        }
        return out.bytes
    }

    package static func encodeCreatorPart(_ part: CreatorPart) -> [UInt8] {
        var out = ByteWriter(capacity: 48)
        out.varText(part.username)
        out.varint(UInt64(max(0, part.followers)))
        out.real(part.gmv)
        out.u8((part.gmvEstimated ? 1 : 0) | (part.gpm != nil ? 2 : 0) | (part.postRate != nil ? 4 : 0) | (part.avgCommissionRate != nil ? 8 : 0))
        if let gpm = part.gpm { out.real(gpm) }
        if let rate = part.postRate { out.real(rate) }
        if let rate = part.avgCommissionRate { out.varint(UInt64(max(0, rate))) }
        return out.bytes
    }

    package static func decodeCreatorPart(_ bytes: [UInt8]) -> CreatorPart? {
        var r = ByteReader(bytes)
        // Varints hold up to 2^64 - 1; one that is no Int makes the bytes unreadable, not the process crash.
        guard let username = r.varText(), let followers = r.varint().flatMap(Int.init(exactly:)), let gmv = r.real(),
              let flags = r.u8() else { return nil }
        var part = CreatorPart(username: username, followers: followers, gmv: gmv, gmvEstimated: flags & 1 != 0)
        if flags & 2 != 0 { guard let v = r.real() else { return nil }; part.gpm = v }
        if flags & 4 != 0 { guard let v = r.real() else { return nil }; part.postRate = v }
        if flags & 8 != 0 { guard let v = r.varint().flatMap(Int.init(exactly:)) else { return nil }; part.avgCommissionRate = v }
        return r.atEnd ? part : nil
    }

    /// Whether `bytes` hold product parts (their creators' parts come from the run).
    package static func isProductParts(_ bytes: [UInt8]) -> Bool { bytes.starts(with: productPartMarker) }

    /// The creator ids of product-part cards, in order (nil when unreadable or self-contained).
    package static func creatorIDs(_ bytes: [UInt8]) -> [String]? {
        decodeProductParts(bytes) { _ in CreatorPart(username: nil, followers: 0, gmv: 0, gmvEstimated: false) }?.map(\.creatorID)
    }

    /// Whole cards from stored bytes of either format; `creator` gives a creator's part for product-part
    /// lists (nil when the run lacks it: the list is unreadable).
    package static func decode(_ bytes: [UInt8], creator: (String) -> CreatorPart?) -> [EntryCard]? {
        isProductParts(bytes) ? decodeProductParts(bytes, creator: creator) : decodeSelfContained(bytes)
    }

    package static func decodeProductParts(_ bytes: [UInt8], creator: (String) -> CreatorPart?) -> [EntryCard]? {
        var r = ByteReader(bytes)
        // The marker is checked, not skipped: `creatorIDs` calls this directly and must answer nil for
        // self-contained bytes.
        guard isProductParts(bytes), r.skip(productPartMarker.count), let count = r.varint(), count <= UInt64(bytes.count) else { return nil }
        var cards: [EntryCard] = []
        cards.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let id = r.varText(), let creatorID = id, let score = r.u32(), let similarity = r.real(), let parts = r.parts() else { return nil }
            guard let share = r.real(), let blocks = r.blocks(), let note = r.varText(), let who = creator(creatorID) else { return nil }
            cards.append(EntryCard(
                creatorID: creatorID, creator: who, score: Float(bitPattern: score), similarity: similarity, parts: parts, share: share,
                blocks: blocks, profileNote: note))
        }
        return r.atEnd ? cards : nil
    }

    /// The format of lists written before 0.3.0: whole cards, fixed-width fields.
    package static func encodeSelfContained(_ cards: [EntryCard]) -> [UInt8] {
        var out = ByteWriter(capacity: cards.count * 140)
        out.u32(UInt32(cards.count))
        for c in cards {
            out.text(c.creatorID)
            out.text(c.creator.username)
            out.u64(UInt64(bitPattern: Int64(c.creator.followers)))
            out.u32(c.score.bitPattern)
            out.f64(c.similarity)
            out.parts(c.parts)
            out.f64(c.share)
            out.f64(c.creator.gmv)
            out.u8(c.creator.gmvEstimated ? 1 : 0)
            out.optional(c.creator.gpm)
            out.optional(c.creator.postRate)
            out.optional(c.creator.avgCommissionRate.map(Double.init))
            out.blocks(c.blocks)
            out.text(c.profileNote)
        }
        return out.bytes
    }

    package static func decodeSelfContained(_ bytes: [UInt8]) -> [EntryCard]? {
        var r = ByteReader(bytes)
        guard let count = r.u32(), UInt64(count) <= UInt64(bytes.count) else { return nil }
        var cards: [EntryCard] = []
        cards.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let id = r.text(), let creatorID = id, let username = r.text(), let followers = r.u64(), let score = r.u32(),
                  let similarity = r.f64(), let parts = r.parts() else { return nil }
            guard let share = r.f64(), let gmv = r.f64(), let estimated = r.u8(), let gpm = r.optional(), let postRate = r.optional(),
                  let rate = r.optional(), let blocks = r.blocks(), let note = r.text() else { return nil }
            // The rate was written as a double; one that is no whole Int (NaN, infinite, 1e300, 12.5) is unreadable.
            var wholeRate: Int?
            if let rate {
                guard let whole = Int(exactly: rate) else { return nil }
                wholeRate = whole
            }
            let creator = CreatorPart(
                username: username, followers: Int(Int64(bitPattern: followers)), gmv: gmv, gmvEstimated: estimated == 1, gpm: gpm,
                postRate: postRate, avgCommissionRate: wholeRate)
            cards.append(EntryCard(
                creatorID: creatorID, creator: creator, score: Float(bitPattern: score), similarity: similarity, parts: parts, share: share,
                blocks: blocks, profileNote: note))
        }
        return r.atEnd ? cards : nil
    }
}

/// Reads what `ByteWriter` wrote; every read is nil past the end.
struct ByteReader {
    let bytes: [UInt8]
    var i = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { i == bytes.count }

    mutating func skip(_ n: Int) -> Bool {
        guard i + n <= bytes.count else { return false }
        i += n
        return true
    }

    mutating func u8() -> UInt8? {
        guard i < bytes.count else { return nil }
        defer { i += 1 }
        return bytes[i]
    }

    mutating func u32() -> UInt32? {
        guard i + 4 <= bytes.count else { return nil }
        defer { i += 4 }
        return UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
    }

    mutating func u64() -> UInt64? {
        guard let low = u32(), let high = u32() else { return nil }
        return UInt64(low) | UInt64(high) << 32
    }

    mutating func f64() -> Double? { u64().map(Double.init(bitPattern:)) }

    mutating func varint() -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while let byte = u8() {
            guard shift < 64 else { return nil }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        return nil
    }

    /// A tagged double: 4 bytes when it is exactly a float.
    mutating func real() -> Double? {
        switch u8() {
        case 4?: return u32().map { Double(Float(bitPattern: $0)) }
        case 8?: return f64()
        default: return nil
        }
    }

    /// Length-prefixed UTF-8 (u32; nil as 0xFFFFFFFF). `.some(nil)` is a stored nil.
    mutating func text() -> String?? {
        guard let n = u32() else { return nil }
        if n == UInt32.max { return .some(nil) }
        return utf8(Int(n))
    }

    /// Varint length + 1 (0 for nil), then UTF-8.
    mutating func varText() -> String?? {
        guard let n = varint() else { return nil }
        if n == 0 { return .some(nil) }
        guard n - 1 <= UInt64(bytes.count) else { return nil }
        return utf8(Int(n - 1))
    }

    mutating func utf8(_ n: Int) -> String?? {
        guard i + n <= bytes.count else { return nil }
        defer { i += n }
        return .some(String(decoding: bytes[i..<(i + n)], as: UTF8.self))
    }

    mutating func optional() -> Double?? {
        guard let flag = u8() else { return nil }
        if flag == 0 { return .some(nil) }
        guard let v = f64() else { return nil }
        return .some(v)
    }

    /// A presence byte, then the four score parts.
    mutating func parts() -> ScoreParts?? {
        guard let flag = u8() else { return nil }
        guard flag == 1 else { return .some(nil) }
        guard let a = f64(), let b = f64(), let c = f64(), let d = f64() else { return nil }
        return .some(ScoreParts(similarity: a, salesStrength: b, postRate: c, commissionFit: d))
    }

    /// A presence byte, then one double per feature block.
    mutating func blocks() -> [FeatureBlock: Double]?? {
        guard let flag = u8() else { return nil }
        guard flag == 1 else { return .some(nil) }
        var values: [FeatureBlock: Double] = [:]
        for block in FeatureBlock.allCases {
            guard let v = f64() else { return nil }
            values[block] = v
        }
        return .some(values)
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

    /// A presence byte, then the four score parts.
    mutating func parts(_ p: ScoreParts?) {
        guard let p else { u8(0); return }
        u8(1)
        f64(p.similarity)
        f64(p.salesStrength)
        f64(p.postRate)
        f64(p.commissionFit)
    }

    /// A presence byte, then one double per feature block.
    mutating func blocks(_ b: [FeatureBlock: Double]?) {
        guard let b else { u8(0); return }
        u8(1)
        for block in FeatureBlock.allCases { f64(b[block] ?? 0) }
    }

    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Varint length + 1 (0 for nil), then UTF-8.
    mutating func varText(_ s: String?) {
        guard let s else { varint(0); return }
        varint(UInt64(s.utf8.count) + 1)
        bytes.append(contentsOf: s.utf8)
    }

    /// A tagged double: 4 bytes when it is exactly a float (no rounding either way), else 8.
    mutating func real(_ v: Double) {
        let f = Float(v)
        if Double(f) == v {
            u8(4)
            u32(f.bitPattern)
        } else {
            u8(8)
            f64(v)
        }
    }
}
