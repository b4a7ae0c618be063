/// The fuzz targets: each takes arbitrary bytes, must never crash on them, and checks what holds for
/// every input (a decoded value re-encodes to a fixed point, a response is valid JSON, …). A broken
/// check stops the process with a message, which libFuzzer reports as a crash and saves the input.
///
/// The same code runs two ways: under libFuzzer (`Scripts/fuzz.sh`, built with `-sanitize=fuzzer,address`
/// and `-D CREATORMATCH_LIBFUZZER`, see `LibFuzzerEntry.swift`), and in an ordinary build as a replayer
/// of the committed corpus (`Replay.swift`), so a reproducer that once crashed keeps being run.
enum FuzzTarget: String, CaseIterable {
    /// `JSONLineParser.parse`: no crash; a parsed value printed and parsed again is the same value.
    case json
    /// `RecordReader` over a file (CSV, JSON Lines and sniffed), each record through every entity
    /// decoder: no crash, and the same records whatever size the line reader's chunks are.
    case records
    /// `JSONRPC.parse` and the server's responses: no crash; every response line is a JSON object
    /// that carries the request's id back; every typed parameter accessor answers or throws.
    case rpc
    /// `RankedList(decoding:)`: no crash; what decodes re-encodes to bytes that decode to the same.
    case rankedList = "ranked-list"
    /// The entry-card codecs (`EntryCardCodec`): the same, for every decoder.
    case entryCards = "entry-cards"

    func run(_ bytes: [UInt8]) {
        switch self {
        case .json: ParserTargets.json(bytes)
        case .records: RecordTargets.records(bytes)
        case .rpc: ParserTargets.rpc(bytes)
        case .rankedList: CodecTargets.rankedList(bytes)
        case .entryCards: CodecTargets.entryCards(bytes)
        }
    }
}

/// Stops the process (a crash to libFuzzer) when a property of the target does not hold.
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError("fuzz check failed: \(message())", file: file, line: line) }
}
