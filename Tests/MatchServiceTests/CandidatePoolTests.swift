import Foundation
import MatchCore
import Testing
@testable import MatchService

/// The creators' stored category shares are read by a fast scanner with the full JSON parser as its
/// fallback; both must give the same pairs.
@Suite struct CandidatePoolTests {
    let index: [String: Int32] = ["Skincare": 0, "Makeup": 1, "Kids' Fashion": 2, "Books, Magazines & Audio": 3, "Café": 4]

    /// What the full parser gives (the definition the fast path must match).
    func reference(_ json: String) -> [(index: Int32, share: Float)] {
        guard case .object(let object)? = try? JSONLineParser.parse(Array(json.utf8)) else { return [] }
        var result: [(index: Int32, share: Float)] = []
        for (name, value) in object {
            guard case .number(let share) = value, let i = index[name] else { continue }
            result.append((i, Float(share)))
        }
        return result.sorted { $0.share > $1.share || ($0.share == $1.share && $0.index < $1.index) }
    }

    func same(_ json: String) -> Bool {
        let fast = CandidatePool.parseCategories(json, categoryIndex: index)
        let full = reference(json)
        return fast.count == full.count && zip(fast, full).allSatisfy { $0.index == $1.index && $0.share.bitPattern == $1.share.bitPattern }
    }

    @Test func theFastPathReadsWhatTheParserReads() {
        let cases = [
            #"{"Skincare":0.6,"Makeup":0.4}"#, #"{ "Skincare" : 1 }"#, #"{}"#, #"{"Unknown":0.5,"Makeup":0.25}"#,
            #"{"Kids' Fashion":0.31,"Books, Magazines & Audio":0.93}"#, #"{"Café":1e-2,"Makeup":2.5E+1}"#, #"{"Skincare":-0}"#,
            #"{"Skincare":0.1,"Skincare":0.9}"#, #"{"Sk\u0069ncare":0.7}"#, #"{"Skincare":01}"#, #"{"Skincare":1.}"#, #"{"Skincare":.5}"#,
            #"{"Skincare":"0.5"}"#, #"{"Skincare":[0.5]}"#, #"{"Skincare":0.5,}"#, #"{"Skincare":0.5} x"#, #"not json"#, "",
            #"{"Skincare":0.123456789012345678901234567890}"#, #"{"Makeup":1e400}"#, #"{"Skincare":0.3333333333333333,"Makeup":0.3333333333333333}"#,
        ]
        for json in cases { #expect(same(json), "\(json)") }
        #expect(CandidatePool.simpleObject(#"{"Skincare":0.6,"Makeup":0.4}"#) != nil)   // the common case takes the fast path
        var random = SeededRandom(seed: 5)
        let names = Array(index.keys) + ["Other"]
        for _ in 0..<500 {
            let pairs = (0..<random.int(0...4)).map { _ in "\"\(names[random.int(0...(names.count - 1))])\": \(random.uniform(0...1))" }
            let json = "{" + pairs.joined(separator: random.int(0...1) == 0 ? "," : " , ") + "}"
            #expect(same(json), "\(json)")
        }
    }
}
