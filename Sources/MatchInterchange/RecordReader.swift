import MatchCore

public enum InterchangeFormat: String, CaseIterable, Sendable {
    case jsonl
    case csv

    /// By extension; nil when the name does not tell (standard input, an odd extension).
    public static func fromExtension(of path: String) -> InterchangeFormat? {
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") { return .csv }
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") || lower.hasSuffix(".json") { return .jsonl }
        return nil
    }
}

/// One input record: the line it starts on, its fields or why they could not be read, and (for a
/// rejected record) its original text so a rejects file can carry it.
public struct RawRecord: Sendable {
    public let line: Int
    public let fields: Result<FieldSet, FieldError>
    public let text: String?
}

/// Reads records from JSON Lines (one object a line) or CSV with a header row (RFC 4180 quoting;
/// a quoted cell may span lines). Blank lines are skipped. The format comes from the caller, else
/// from the file's extension, else from the first character (`{` means JSON Lines).
public final class RecordReader {
    public let lines: LineReader
    public let format: InterchangeFormat
    /// Keep every record's original text, not only unparsable ones' (for a rejects file).
    public let keepsText: Bool
    /// The longest record read, in bytes (a CSV record's quoted cells may span lines).
    public let maxRecordBytes: Int
    /// Go on after a record over `maxRecordBytes` (skipping it to its end), or stop reading there.
    public let skipsOversizedRecords: Bool
    private var header: [String]?

    /// The default `maxRecordBytes`, the same as `serve`'s line limit: a creator with a 10,000-number
    /// vector takes ~200 KB.
    public static let defaultMaxRecordBytes = 16 << 20

    public init(lines: LineReader, format: InterchangeFormat?, keepsText: Bool = false,
                maxRecordBytes: Int = RecordReader.defaultMaxRecordBytes, skipsOversizedRecords: Bool = false) throws {
        self.lines = lines
        self.keepsText = keepsText
        self.maxRecordBytes = maxRecordBytes
        self.skipsOversizedRecords = skipsOversizedRecords
        if let format {
            self.format = format
        } else if let byExtension = InterchangeFormat.fromExtension(of: lines.displayName) {
            self.format = byExtension
        } else {
            self.format = try lines.peekFirstNonBlankByte() == UInt8(ascii: "{") ? .jsonl : .csv
        }
    }

    /// The next record, or nil at end of input.
    public func next() throws -> RawRecord? {
        switch format {
        case .jsonl: return try nextJSONRecord()
        case .csv: return try nextCSVRecord()
        }
    }

    // MARK: JSON Lines

    private func nextJSONRecord() throws -> RawRecord? {
        while true {
            let outcome = try lines.nextLine(maxBytes: maxRecordBytes, skippingLongLines: skipsOversizedRecords) { bytes -> RawRecord? in
                guard bytes.contains(where: { !Self.isBlank($0) }) else { return nil }
                return jsonRecord(bytes)
            }
            switch outcome {
            case nil: return nil
            case .line(let record?)?: return record
            case .line(nil)?: continue
            case .tooLong(let bytes)?: return oversized(line: lines.lineNumber, bytes: bytes)
            }
        }
    }

    /// A record over the limit: named with its line, never held in memory.
    private func oversized(line: Int, bytes: Int) -> RawRecord {
        let what = skipsOversizedRecords
            ? "the record is \(bytes) bytes long, over the limit of \(maxRecordBytes) bytes a record (skipped unread)"
            : "the record is longer than the limit of \(maxRecordBytes) bytes a record, so reading stopped there"
        return RawRecord(line: line, fields: .failure(FieldError(field: nil, "\(what); split it, or raise the limit with --max-record-bytes")), text: "")
    }

    /// The next physical line of a CSV record, bounded by what is left of the record's limit.
    private func nextCSVLine(budget: Int) throws -> LineReader.Bounded<[UInt8]>? {
        try lines.nextLine(maxBytes: max(0, budget), skippingLongLines: skipsOversizedRecords) { Array($0) }
    }

    private func jsonRecord(_ bytes: UnsafeBufferPointer<UInt8>) -> RawRecord {
        let line = lines.lineNumber
        do {
            let value = try JSONLineParser.parse(buffer: bytes)
            guard case .object(let object) = value else {
                return RawRecord(line: line, fields: .failure(FieldError(field: nil, "expected a JSON object ({…}) on each line, got \(value.kindDescription)")), text: Self.text(bytes))
            }
            return RawRecord(line: line, fields: .success(FieldSet(values: object, isCSV: false)), text: keepsText ? Self.text(bytes) : nil)
        } catch {
            return RawRecord(line: line, fields: .failure(FieldError(field: nil, "malformed JSON at column \(error.column): \(error.message); each line must be one complete JSON object")), text: Self.text(bytes))
        }
    }

    // MARK: CSV

    private func nextCSVRecord() throws -> RawRecord? {
        while true {
            guard let first = try nextCSVLine(budget: maxRecordBytes) else { return nil }
            let startLine = lines.lineNumber
            guard case .line(var bytes) = first else {
                if case .tooLong(let size) = first { return oversized(line: startLine, bytes: size) }
                continue
            }
            if !bytes.contains(where: { !Self.isBlank($0) }) { continue }
            var cells: [String]
            while true {
                switch Self.splitCSV(bytes) {
                case .cells(let parsed):
                    cells = parsed
                case .openQuote:
                    guard let next = try nextCSVLine(budget: maxRecordBytes - bytes.count - 1) else {
                        return RawRecord(line: startLine, fields: .failure(FieldError(field: nil, "a quoted CSV cell is never closed; add the closing '\"'")), text: Self.text(bytes))
                    }
                    guard case .line(let more) = next else {
                        if case .tooLong(let size) = next { return oversized(line: startLine, bytes: bytes.count + 1 + size) }
                        continue
                    }
                    bytes.append(0x0A)
                    bytes.append(contentsOf: more)
                    continue
                case .invalid(let message):
                    return RawRecord(line: startLine, fields: .failure(FieldError(field: nil, message)), text: Self.text(bytes))
                }
                break
            }
            guard let header else {
                let names = cells.map { $0.trimmingSpaces.lowercased() }
                if let duplicate = Dictionary(grouping: names, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
                    throw CSVHeaderError(message: "the CSV header names column \"\(duplicate)\" twice; keep one")
                }
                self.header = names
                continue
            }
            guard cells.count == header.count else {
                return RawRecord(line: startLine, fields: .failure(FieldError(field: nil, "has \(cells.count) cells but the header has \(header.count); quote cells that contain commas")), text: Self.text(bytes))
            }
            var values: [String: JSONValue] = [:]
            for (name, cell) in zip(header, cells) where !name.isEmpty {
                values[name] = .string(cell)
            }
            return RawRecord(line: startLine, fields: .success(FieldSet(values: values, isCSV: true)), text: keepsText ? Self.text(bytes) : nil)
        }
    }

    enum CSVSplit {
        case cells([String])
        case openQuote
        case invalid(String)
    }

    static func splitCSV(_ bytes: [UInt8]) -> CSVSplit {
        var cells: [String] = []
        var cell: [UInt8] = []
        var i = 0
        var inQuotes = false
        var cellWasQuoted = false
        while i < bytes.count {
            let b = bytes[i]
            if inQuotes {
                if b == UInt8(ascii: "\"") {
                    if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "\"") {
                        cell.append(b)
                        i += 2
                        continue
                    }
                    inQuotes = false
                } else {
                    cell.append(b)
                }
            } else if b == UInt8(ascii: ",") {
                guard let text = String(validating: cell, as: UTF8.self) else { return .invalid("a cell is not valid UTF-8") }
                cells.append(text)
                cell.removeAll(keepingCapacity: true)
                cellWasQuoted = false
            } else if b == UInt8(ascii: "\"") {
                guard !cellWasQuoted, cell.allSatisfy(isBlank) else {
                    return .invalid("a '\"' inside an unquoted CSV cell; quote the whole cell and double the inner quotes")
                }
                cell.removeAll()
                inQuotes = true
                cellWasQuoted = true
            } else {
                cell.append(b)
            }
            i += 1
        }
        if inQuotes { return .openQuote }
        guard let text = String(validating: cell, as: UTF8.self) else { return .invalid("a cell is not valid UTF-8") }
        cells.append(text)
        return .cells(cells)
    }

    static func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D }

    static func text(_ bytes: some Collection<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}

/// The CSV header itself is unusable; nothing in the file can be read.
public struct CSVHeaderError: Error, Sendable {
    public let message: String
}
