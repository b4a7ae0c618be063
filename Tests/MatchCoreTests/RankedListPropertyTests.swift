import MatchCore
import PropertyBased
import Testing

typealias Entry = RankedList.Entry

/// Distinct creator ids whose byte order differs from `String`'s order: "é" precomposed and as
/// "e" + combining accent are equal Strings but different bytes; emoji and CJK sort after ASCII.
func creatorID(_ i: Int) -> String {
    ["e\u{301}", "é", "z", "E", "😀", "中", ""][i % 7] + String(i / 7)
}

/// The contract's order: score descending, then the id's UTF-8 bytes ascending.
func contractOrder(_ a: Entry, _ b: Entry) -> Bool {
    if a.score != b.score { return a.score > b.score }
    return Array(a.creatorID.utf8).lexicographicallyPrecedes(Array(b.creatorID.utf8))
}

/// One creator of the model market: its score in the previous run, and whether it changed since
/// (then its new score, or nil when it is no longer a candidate).
struct MarketCreator: Sendable, CustomStringConvertible {
    var old: Float
    var changed: Bool
    var new: Float?
    var description: String { changed ? "\(old)→\(new.map { "\($0)" } ?? "gone")" : "\(old)" }
}

let marketCreators: Generator<MarketCreator, some SendableSequenceType> = zip(tieProneScores, Gen.bool(0.3), tieProneScores.optional(valueRate: 0.85))
    .map { old, changed, new in MarketCreator(old: old, changed: changed, new: new) }

@Suite struct RankedListProperties {
    /// The previous list is what a full search stores (the top `depth`, the last kept as the boundary
    /// when the list is full); after some creators change, the merged list must be what a full sort of
    /// the changed market says, as far as it goes.
    @Test func mergingAgreesWithAFullSortOfTheChangedMarket() async {
        await propertyCheck(count: 500, input: marketCreators.array(of: 0...40), Gen.int(in: 1...12), Gen.int(in: 0...12)) { market, depth, neededDraw in
            let needed = min(neededDraw, depth)
            let before = market.indices.map { Entry(creatorID: creatorID($0), score: market[$0].old) }.sorted(by: contractOrder)
            let stored = Array(before.prefix(depth))
            let oldBoundary = stored.count == depth ? stored.last : nil
            // Ids as bytes: Swift's String equality would take "é" and "e\u{301}" for one creator.
            let changedIDs = Set(market.indices.filter { market[$0].changed }.map { Array(creatorID($0).utf8) })
            let kept = RankedList(entries: stored.filter { !changedIDs.contains(Array($0.creatorID.utf8)) }, boundary: oldBoundary)
            let scored = market.indices.reversed().compactMap { i in
                market[i].changed ? market[i].new.map { Entry(creatorID: creatorID(i), score: $0) } : nil
            }
            let after = market.indices.compactMap { i in
                (market[i].changed ? market[i].new : market[i].old).map { Entry(creatorID: creatorID(i), score: $0) }
            }.sorted(by: contractOrder)

            let result = kept.merging(scored, depth: depth, needed: needed)

            // What the merge can know: every creator ranking before the old boundary (the others ranked
            // after it and did not change), and the boundary's creator if it did not change.
            let knowable: Int
            if let oldBoundary {
                knowable = after.filter { contractOrder($0, oldBoundary) }.count + (changedIDs.contains(Array(oldBoundary.creatorID.utf8)) ? 0 : 1)
            } else {
                knowable = after.count
            }
            guard let result else {
                #expect(oldBoundary != nil && knowable < needed, "a full search was asked for although \(knowable) of \(needed) entries are known")
                return
            }
            #expect(oldBoundary == nil || knowable >= needed, "fewer than \(needed) known entries, yet no full search asked for")
            #expect(result.entries.count == min(depth, knowable))
            // The entries are the head of the fresh ranking, in its order.
            #expect(result.entries.map(bitwise) == after.prefix(result.entries.count).map(bitwise))
            // Every creator left out ranks after the boundary; no boundary means nobody is left out.
            if let boundary = result.boundary {
                #expect(after.dropFirst(result.entries.count).allSatisfy { !contractOrder($0, boundary) })
            } else {
                #expect(result.entries.count == after.count)
            }
        }
    }

    @Test func encodingRoundTripsAndRefusesTruncation() async {
        await propertyCheck(count: 300, input: zip(unicodeIDs, extremeFloats).array(of: 0...20), zip(unicodeIDs, extremeFloats).optional) { pairs, boundaryPair in
            let list = RankedList(entries: pairs.map { Entry(creatorID: $0.0, score: $0.1) }, boundary: boundaryPair.map { Entry(creatorID: $0.0, score: $0.1) })
            let bytes = list.encoded()
            let decoded = RankedList(decoding: bytes)
            #expect(decoded.map(bitwise) == bitwise(list))
            for cut in 0..<bytes.count {
                #expect(RankedList(decoding: Array(bytes[..<cut])) == nil, "a list cut to \(cut) of \(bytes.count) bytes decoded")
            }
            #expect(RankedList(decoding: bytes + [0]) == nil)
        }
    }

    /// Found by fuzzing (Tests/Fuzz/Corpus/ranked-list): a count the bytes cannot hold used to reserve
    /// room for it first (~100 GB for 4 billion entries) and abort.
    @Test func aCountTheBytesCannotHoldIsUnreadable() {
        #expect(RankedList(decoding: [0x02, 0x3F, 0x01, 0xB3, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x61, 0x62]) == nil)
        #expect(RankedList(decoding: [0xFF, 0xFF, 0xFF, 0xFF, 0x00]) == nil)
        #expect(RankedList(decoding: [0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3F, 0x00, 0x00]) != nil, "one entry in 6 bytes still reads")
    }

    @Test func theLongestIDTheFormatHoldsRoundTrips() {
        let longest = String(repeating: "é", count: Int(UInt16.max) / 2) + "x"   // 65535 UTF-8 bytes
        let list = RankedList(entries: [Entry(creatorID: longest, score: 0.5)], boundary: Entry(creatorID: "", score: -0.0))
        #expect(RankedList(decoding: list.encoded()).map(bitwise) == bitwise(list))
    }
}

/// Ids from scalars that exercise UTF-8 widths: ASCII, NUL, combining marks, CJK, emoji, U+FFFD.
let unicodeIDs: Generator<String, some SendableSequenceType> = Gen<Character?>.element(of: Array("ab\u{0}é\u{301}中😀\u{FFFD}\u{10FFFF} ") as [Character])
    .map { $0! }.string(of: 0...12)

/// Floats at the edges: ±0, subnormals, the largest, ±infinity, NaNs with payloads, plus ordinary ones.
let extremeFloats: Generator<Float, some SendableSequenceType> = Gen<Float>.oneOf(
    Gen<Float?>.element(of: [
        0, -0.0, .leastNonzeroMagnitude, -.leastNormalMagnitude, .greatestFiniteMagnitude, .infinity, -.infinity,
        .nan, Float(bitPattern: 0xFFC0_0001), .signalingNaN,
    ] as [Float]).map { $0! },
    Gen.float(in: -2...2)
)

/// An entry as its id's bytes and its score's bits: NaN equals itself, and "é" differs from "e\u{301}"
/// (Swift's String equality takes them for one string).
func bitwise(_ entry: Entry) -> [UInt32] {
    entry.creatorID.utf8.map(UInt32.init) + [entry.score.bitPattern]
}

func bitwise(_ list: RankedList) -> [[UInt32]] {
    [list.boundary.map(bitwise) ?? []] + list.entries.map(bitwise)
}
