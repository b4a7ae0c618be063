import Testing
@testable import MatchCore
@testable import MatchInterchange

@Suite struct JSONLineParserTests {
    func parse(_ text: String) throws -> JSONValue {
        try JSONLineParser.parse(Array(text.utf8))
    }

    @Test func parsesEveryKindOfValue() throws {
        let value = try parse(#" {"a": [1, -2.5, 3e2, true, false, null], "b": {"c": "d\"\\\/\n\u00e9\ud83d\ude00"}} "#)
        #expect(value == .object([
            "a": .array([.number(1), .number(-2.5), .number(300), .bool(true), .bool(false), .null]),
            "b": .object(["c": .string("d\"\\/\né😀")]),
        ]))
    }

    /// The fast number path must round exactly like the standard library.
    @Test func numbersMatchTheStandardLibrary() throws {
        var state: UInt64 = 42
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 11
        }
        for _ in 0..<20_000 {
            let mantissa = Double(Int64(bitPattern: next() << 11) >> 11) / Double(1 << (next() % 40))
            let exponent = Int(next() % 60) - 30
            for text in ["\(mantissa)", "\(mantissa)e\(exponent)", String(format: "%.7f", mantissa), String(format: "%.17g", mantissa)] {
                let expected = Double(text)!
                guard case .number(let parsed) = try parse(text) else { Issue.record("not a number: \(text)"); return }
                #expect(parsed == expected || (parsed.isNaN && expected.isNaN), "\(text)")
            }
        }
        #expect(try parse("123456789012345678901234567890") == .number(123456789012345678901234567890.0))
        #expect(try parse("0.1") == .number(0.1))
    }

    @Test func nonFiniteNumbersParseSoTheImporterCanNameThem() throws {
        guard case .number(let nan) = try parse("NaN") else { Issue.record(); return }
        #expect(nan.isNaN)
        #expect(try parse("Infinity") == .number(.infinity))
        #expect(try parse("-Infinity") == .number(-.infinity))
        #expect(try parse("1e999") == .number(.infinity))
    }

    @Test(arguments: [
        "", "{", "{\"a\":}", "{\"a\" 1}", "[1,]", "[1 2]", "01", "1.", "-", "1e", "\"abc", "tru", "{\"a\":1} x",
        "\"\u{01}\"", "\"\\x\"", "\"\\ud800\"", "{'a': 1}",
    ])
    func rejectsMalformedJSON(text: String) {
        #expect(throws: JSONSyntaxError.self) { try parse(text) }
    }

    @Test func rejectsInvalidUTF8AndDeepNesting() {
        #expect(throws: JSONSyntaxError.self) { try JSONLineParser.parse([0x22, 0xFF, 0xFE, 0x22]) }
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: JSONSyntaxError.self) { try parse(deep) }
        let fine = String(repeating: "[", count: 50) + String(repeating: "]", count: 50)
        #expect(throws: Never.self) { try parse(fine) }
    }

    @Test func reportsTheColumn() {
        do {
            _ = try parse(#"{"a": 1, "b": x}"#)
            Issue.record("expected an error")
        } catch {
            #expect((error as? JSONSyntaxError)?.column == 15)
        }
    }
}

@Suite struct CSVTests {
    @Test func splitsQuotedCells() {
        guard case .cells(let cells) = RecordReader.splitCSV(Array(#"a,"b,c","say ""hi""",,x"#.utf8)) else { Issue.record(); return }
        #expect(cells == ["a", "b,c", "say \"hi\"", "", "x"])
        if case .openQuote = RecordReader.splitCSV(Array("a,\"b".utf8)) {} else { Issue.record("expected an open quote") }
        if case .invalid = RecordReader.splitCSV(Array("a,b\"c".utf8)) {} else { Issue.record("expected invalid") }
    }
}
