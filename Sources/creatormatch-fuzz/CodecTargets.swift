import MatchCore
import MatchService

/// The stored-list codecs: bytes read back from the database may be anything (a torn write, an older
/// or newer format, a hand edit). Decoding must answer nil or a value; a value must re-encode to bytes
/// that decode to the same value again (compared as bytes, so NaN payloads count too).
enum CodecTargets {
    static func rankedList(_ bytes: [UInt8]) {
        guard let list = RankedList(decoding: bytes) else { return }
        let encoded = list.encoded()
        guard let again = RankedList(decoding: encoded) else {
            fatalError("fuzz check failed: a decoded ranked list re-encodes to bytes that do not decode: \(encoded)")
        }
        check(again.encoded() == encoded, "a ranked list changed when encoded and decoded again")
        check(again.entries.count == list.entries.count && (again.boundary == nil) == (list.boundary == nil), "a ranked list lost entries when encoded and decoded again")
    }

    /// Every creator id gets this part, so product-part lists decode whatever ids they name.
    static let someCreator = CreatorPart(username: "fuzz", followers: 1, gmv: 2, gmvEstimated: false, gpm: 3, postRate: 0.5, avgCommissionRate: 1000)

    static func entryCards(_ bytes: [UInt8]) {
        if let part = EntryCardCodec.decodeCreatorPart(bytes) {
            let encoded = EntryCardCodec.encodeCreatorPart(part)
            guard let again = EntryCardCodec.decodeCreatorPart(encoded) else {
                fatalError("fuzz check failed: a decoded creator part re-encodes to bytes that do not decode: \(encoded)")
            }
            check(EntryCardCodec.encodeCreatorPart(again) == encoded, "a creator part changed when encoded and decoded again")
        }
        if let cards = EntryCardCodec.decodeSelfContained(bytes) {
            let encoded = EntryCardCodec.encodeSelfContained(cards)
            guard let again = EntryCardCodec.decodeSelfContained(encoded) else {
                fatalError("fuzz check failed: decoded self-contained cards re-encode to bytes that do not decode: \(encoded)")
            }
            check(EntryCardCodec.encodeSelfContained(again) == encoded, "self-contained cards changed when encoded and decoded again")
        }
        let productParts = EntryCardCodec.decodeProductParts(bytes) { _ in someCreator }
        check(productParts == nil || EntryCardCodec.isProductParts(bytes), "product parts decoded from bytes without the marker")
        if let cards = productParts {
            let encoded = EntryCardCodec.encodeProductParts(cards)
            guard let again = EntryCardCodec.decodeProductParts(encoded, creator: { _ in someCreator }) else {
                fatalError("fuzz check failed: decoded product parts re-encode to bytes that do not decode: \(encoded)")
            }
            check(EntryCardCodec.encodeProductParts(again) == encoded, "product parts changed when encoded and decoded again")
            check(EntryCardCodec.creatorIDs(bytes) == cards.map(\.creatorID), "creatorIDs disagrees with the decoded cards")
        }
        // The entry point the run exports use picks the format by the marker; a lookup that knows no
        // creator makes every non-empty product-part list unreadable.
        let viaDecode = EntryCardCodec.decode(bytes) { _ in someCreator }
        check((viaDecode == nil) == (EntryCardCodec.isProductParts(bytes) ? productParts == nil : EntryCardCodec.decodeSelfContained(bytes) == nil),
              "decode disagrees with the decoder its format names")
        if let cards = EntryCardCodec.decode(bytes, creator: { _ in nil }) {
            check(cards.isEmpty || !EntryCardCodec.isProductParts(bytes), "product-part cards decoded without their creators' parts")
        }
    }
}
