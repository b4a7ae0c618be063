import MatchCore
import MatchService
import PropertyBased
import Testing

/// Doubles at the edges of both encodings: exactly-a-float ones (4 bytes), ones that are not (8
/// bytes), ±0, subnormals of both widths, the largest of both, ±infinity, NaNs with payloads.
let edgeDoubles: Generator<Double, some SendableSequenceType> = Gen<Double>.oneOf(
    Gen<Double?>.element(of: [
        0, -0.0, 0.5, 0.1, 1.0 / 3, 12_000.5, 1e300, -1e-300, .leastNonzeroMagnitude, Double(Float.leastNonzeroMagnitude),
        .greatestFiniteMagnitude, Double(Float.greatestFiniteMagnitude), .infinity, -.infinity, .nan,
        Double(bitPattern: 0x7FF8_0000_0000_0001), Double(Float.nan), Double(bitPattern: 0x7FF0_0000_0000_0001),
    ] as [Double]).map { $0! },
    Gen.double(in: -1e6...1e6)
)

let edgeFloats: Generator<Float, some SendableSequenceType> = Gen<Float>.oneOf(
    Gen<Float?>.element(of: [0, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -.infinity, .nan, Float(bitPattern: 0xFFC0_0001)] as [Float]).map { $0! },
    Gen.float(in: -1...1)
)

/// Text over every UTF-8 width, NUL and combining marks included.
let edgeText: Generator<String, some SendableSequenceType> = Gen<Character?>.element(of: Array("a Z\u{0}\"é\u{301}中😀\u{FFFD}\u{10FFFF}\n") as [Character])
    .map { $0! }.string(of: 0...16)

/// Creator parts as the import allows them: counts and rates are whole and not negative.
let creatorParts: Generator<CreatorPart, some SendableSequenceType> = zip(
    zip(edgeText.optional, Gen.int(in: 0...Int.max), edgeDoubles, Gen.bool),
    zip(edgeDoubles.optional, edgeDoubles.optional, Gen.int(in: 0...1_000_000).optional)
).map { a, b in
    CreatorPart(username: a.0, followers: a.1, gmv: a.2, gmvEstimated: a.3, gpm: b.0, postRate: b.1, avgCommissionRate: b.2)
}

let scoreParts: Generator<ScoreParts?, some SendableSequenceType> = zip(edgeDoubles, edgeDoubles, edgeDoubles, edgeDoubles)
    .map { ScoreParts(similarity: $0.0, salesStrength: $0.1, postRate: $0.2, commissionFit: $0.3) }.optional

/// Feature blocks are stored whole (one value per block) or not at all.
let featureBlocks: Generator<[FeatureBlock: Double]?, some SendableSequenceType> = zip(edgeDoubles, edgeDoubles, edgeDoubles, edgeDoubles)
    .map { [.category: $0.0, .audience: $0.1, .price: $0.2, .content: $0.3] }.optional

let entryCards: Generator<EntryCard, some SendableSequenceType> = zip(
    zip(edgeText, creatorParts, edgeFloats, edgeDoubles),
    zip(scoreParts, edgeDoubles, featureBlocks, edgeText.optional)
).map { a, b in
    EntryCard(creatorID: a.0, creator: a.1, score: a.2, similarity: a.3, parts: b.0, share: b.1, blocks: b.2, profileNote: b.3)
}

/// A card as bytes and bits, so NaN equals itself and "é" differs from "e\u{301}" (which Swift's
/// String equality takes for one string).
func bitwise(_ card: EntryCard) -> [UInt64] {
    var out = textBits(card.creatorID)
    out += bitwise(card.creator)
    out.append(UInt64(card.score.bitPattern))
    out += realBits(card.similarity)
    if let p = card.parts {
        out += [p.similarity, p.salesStrength, p.postRate, p.commissionFit].flatMap { realBits($0) }
    } else {
        out.append(0)
    }
    out += realBits(card.share)
    if let blocks = card.blocks {
        out += FeatureBlock.allCases.flatMap { realBits(blocks[$0]) }
    } else {
        out.append(0)
    }
    out += textBits(card.profileNote)
    return out
}

func bitwise(_ part: CreatorPart) -> [UInt64] {
    var out = textBits(part.username)
    out.append(UInt64(bitPattern: Int64(part.followers)))
    out += realBits(part.gmv)
    out.append(part.gmvEstimated ? 1 : 0)
    out += realBits(part.gpm)
    out += realBits(part.postRate)
    out += part.avgCommissionRate.map { [1, UInt64($0)] } ?? [0]
    return out
}

func textBits(_ text: String?) -> [UInt64] {
    guard let text else { return [0] }
    return [1, UInt64(text.utf8.count)] + text.utf8.map { UInt64($0) }
}

func realBits(_ value: Double?) -> [UInt64] {
    guard let value else { return [0] }
    return [1, value.bitPattern]
}

@Suite struct EntryCardCodecProperties {
    @Test func creatorPartsRoundTripAndRefuseTruncation() async {
        await propertyCheck(count: 300, input: creatorParts) { part in
            let bytes = EntryCardCodec.encodeCreatorPart(part)
            #expect(EntryCardCodec.decodeCreatorPart(bytes).map(bitwise) == bitwise(part))
            for cut in 0..<bytes.count {
                #expect(EntryCardCodec.decodeCreatorPart(Array(bytes[..<cut])) == nil, "a part cut to \(cut) of \(bytes.count) bytes decoded")
            }
        }
    }

    /// Lists written since 0.3.0: the product's part of each card, each creator's part kept apart.
    @Test func productPartListsRoundTripAndRefuseTruncation() async {
        await propertyCheck(count: 200, input: entryCards.array(of: 0...6)) { cards in
            // The run keeps one part per creator id (as bytes: "é" and "e\u{301}" are two creators), so
            // cards that share an id share the part.
            var chosen: [[UInt8]: CreatorPart] = [:]
            for card in cards { chosen[Array(card.creatorID.utf8)] = card.creator }
            let cards = cards.map { card in
                var card = card
                card.creator = chosen[Array(card.creatorID.utf8)]!
                return card
            }
            let parts = chosen.mapValues(EntryCardCodec.encodeCreatorPart)
            let lookup: (String) -> CreatorPart? = { parts[Array($0.utf8)].flatMap(EntryCardCodec.decodeCreatorPart) }
            let bytes = EntryCardCodec.encodeProductParts(cards)
            #expect(EntryCardCodec.decode(bytes, creator: lookup).map { $0.map(bitwise) } == cards.map(bitwise))
            #expect(EntryCardCodec.creatorIDs(bytes).map { $0.map { Array($0.utf8) } } == cards.map { Array($0.creatorID.utf8) })
            for cut in 0..<bytes.count {
                #expect(EntryCardCodec.decode(Array(bytes[..<cut]), creator: lookup) == nil, "a list cut to \(cut) of \(bytes.count) bytes decoded")
            }
            if !cards.isEmpty {
                #expect(EntryCardCodec.decode(bytes) { _ in nil } == nil, "a list whose creators the run lacks decoded")
            }
        }
    }

    /// Lists written before 0.3.0: whole cards, still read.
    @Test func selfContainedListsRoundTripAndRefuseTruncation() async {
        await propertyCheck(count: 200, input: entryCards.array(of: 0...6)) { cards in
            let bytes = EntryCardCodec.encodeSelfContained(cards)
            #expect(EntryCardCodec.decode(bytes) { _ in nil }.map { $0.map(bitwise) } == cards.map(bitwise))
            #expect(EntryCardCodec.creatorIDs(bytes) == nil, "self-contained cards read as product parts")
            for cut in 0..<bytes.count {
                #expect(EntryCardCodec.decode(Array(bytes[..<cut])) { _ in nil } == nil, "a list cut to \(cut) of \(bytes.count) bytes decoded")
            }
        }
    }

    /// Inputs fuzzing found (kept in Tests/Fuzz/Corpus/entry-cards): they trapped or decoded as the
    /// wrong format; they must read as unreadable.
    @Test func hostileBytesAreUnreadableNotFatal() {
        // Followers and rate varints of 2^64 - 1 (no Int holds them).
        #expect(EntryCardCodec.decodeCreatorPart(hex("0278ffffffffffffffffff01040000803f08ffffffffffffffffff01")) == nil)
        // A self-contained card whose stored commission rate is +infinity.
        let infiniteRate = "010000000100000063010000007501000000000000000000003f00000000" + "0000e03f00000000000000e03f000000000000f03f000000010000000000" + "00f07f00ffffffff"
        #expect(EntryCardCodec.decodeSelfContained(hex(infiniteRate)) == nil)
        #expect(EntryCardCodec.decodeSelfContained(hex(infiniteRate.replacingOccurrences(of: "000000000000f07f", with: "0000000000c09240"))) != nil,
                "the same card with a rate of 1200 reads")
        // Five bytes without the product-part marker are no product-part list.
        #expect(EntryCardCodec.creatorIDs([0x3F, 0x23, 0x23, 0x2D, 0x00]) == nil)
    }
}

func hex(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var i = text.startIndex
    while i < text.endIndex {
        let next = text.index(i, offsetBy: 2)
        bytes.append(UInt8(text[i..<next], radix: 16)!)
        i = next
    }
    return bytes
}
