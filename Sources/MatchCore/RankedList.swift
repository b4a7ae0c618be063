/// A product's ranked creators as a rescoring run keeps them: the published top k and a few more
/// (the reserve), with exact scores, and the boundary below which every creator not listed ranks.
/// An incremental rescore relies on that invariant: a creator whose inputs did not change and who is
/// not in the list cannot enter it, so only changed creators need scoring.
public struct RankedList: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public var creatorID: String
        public var score: Float

        public init(creatorID: String, score: Float) {
            self.creatorID = creatorID
            self.score = score
        }

        /// The result order: score descending, then creator id ascending (byte order).
        public static func ranksBefore(_ a: Entry, _ b: Entry) -> Bool {
            a.score > b.score || (a.score == b.score && CreatorID(a.creatorID) < CreatorID(b.creatorID))
        }
    }

    /// Best first.
    public var entries: [Entry]
    /// Every creator not in `entries` ranks after `boundary`; nil when `entries` holds every candidate.
    public var boundary: Entry?

    public init(entries: [Entry], boundary: Entry?) {
        self.entries = entries
        self.boundary = boundary
    }

    /// Merges newly scored creators into a list whose other creators are unchanged: `entries` must
    /// already be without the changed creators, `scored` holds the changed creators' new scores (any
    /// order; those ranking after the boundary are dropped). The result keeps at most `depth` entries.
    /// Returns nil when fewer than `needed` entries remain known, so the product needs a full search.
    public func merging(_ scored: [Entry], depth: Int, needed: Int) -> RankedList? {
        var merged = entries
        for entry in scored where boundary.map({ Entry.ranksBefore(entry, $0) }) ?? true {
            merged.append(entry)
        }
        merged.sort(by: Entry.ranksBefore)
        var boundary = self.boundary
        if merged.count > depth {
            boundary = merged[depth - 1]
            merged.removeLast(merged.count - depth)
        }
        guard merged.count >= needed || boundary == nil else { return nil }
        return RankedList(entries: merged, boundary: boundary)
    }

    // MARK: Encoding

    /// A compact little-endian encoding: count, boundary flag (+ boundary), then each entry as
    /// float32 score bits, UTF-8 id length (UInt16) and bytes.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(8 + entries.count * 16)
        func put32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func put(_ e: Entry) {
            put32(e.score.bitPattern)
            let id = e.creatorID.utf8
            withUnsafeBytes(of: UInt16(id.count).littleEndian) { out.append(contentsOf: $0) }
            out.append(contentsOf: id)
        }
        put32(UInt32(entries.count))
        out.append(boundary == nil ? 0 : 1)
        if let boundary { put(boundary) }
        for entry in entries { put(entry) }
        return out
    }

    public init?(decoding bytes: [UInt8]) {
        var i = 0
        func get32() -> UInt32? {
            guard i + 4 <= bytes.count else { return nil }
            defer { i += 4 }
            return UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
        }
        func get() -> Entry? {
            guard let bits = get32(), i + 2 <= bytes.count else { return nil }
            let length = Int(bytes[i]) | Int(bytes[i + 1]) << 8
            i += 2
            guard i + length <= bytes.count else { return nil }
            defer { i += length }
            return Entry(creatorID: String(decoding: bytes[i..<(i + length)], as: UTF8.self), score: Float(bitPattern: bits))
        }
        // Each entry takes at least 6 bytes, so a count the bytes cannot hold is refused before it is
        // used to reserve room (a hostile count of 4 billion would ask for ~100 GB).
        guard let count = get32(), i < bytes.count, Int(count) <= (bytes.count - i) / 6 else { return nil }
        let hasBoundary = bytes[i] == 1
        i += 1
        var boundary: Entry?
        if hasBoundary {
            guard let b = get() else { return nil }
            boundary = b
        }
        var entries: [Entry] = []
        entries.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let e = get() else { return nil }
            entries.append(e)
        }
        guard i == bytes.count else { return nil }
        self.init(entries: entries, boundary: boundary)
    }
}
