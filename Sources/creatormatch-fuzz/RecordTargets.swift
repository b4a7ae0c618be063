#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import MatchCore
import MatchInterchange

/// The import path up to validated entities: the bytes as a file, read by `LineReader` and
/// `RecordReader`, each record decoded as every entity kind.
enum RecordTargets {
    /// The file the input is written to (the reader reads files, not buffers); one per process.
    static let path: String = {
        let directory = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
        let path = "\(directory)/creatormatch-fuzz-\(getpid()).input"
        atexit { unlink(RecordTargets.path) }
        return path
    }()

    static let decoder: EntityDecoder = {
        let json = #"{"version":1,"categories":[{"name":"Phones","group":"electronics"},{"name":"Beauty","group":"fmcg"},{"name":"Lipstick","parent":"Beauty"}]}"#
        let file = try! JSONDecoder().decode(Taxonomy.File.self, from: Data(json.utf8))
        return EntityDecoder(taxonomy: try! Taxonomy(file: file), taxonomyFile: "fuzz taxonomy")
    }()

    static func records(_ bytes: [UInt8]) {
        save(bytes)
        for format in [nil, InterchangeFormat.csv, .jsonl] {
            // Chunks of a few bytes cut lines, CR LF pairs and the byte-order mark at every place; the
            // records must not depend on where the cuts fall.
            let small = read(format: format, chunkSize: 1 + bytes.count % 5)
            let large = read(format: format, chunkSize: 1 << 16)
            check(small == large, "chunks of \(1 + bytes.count % 5) bytes and of 64 KiB read different records (format \(format?.rawValue ?? "sniffed")):\n\(small)\n---\n\(large)")
        }
    }

    private static func save(_ bytes: [UInt8]) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        check(fd >= 0, "cannot create \(path)")
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
            check(n > 0, "cannot write \(path)")
            written += n
        }
        close(fd)
    }

    /// The records as text (line, fields or error, original text), to compare two reads.
    private static func read(format: InterchangeFormat?, chunkSize: Int) -> [String] {
        var out: [String] = []
        do {
            let reader = try RecordReader(lines: try LineReader(path: path, chunkSize: chunkSize), format: format, keepsText: true)
            while let record = try reader.next() {
                out.append(describe(record))
            }
        } catch is CSVHeaderError {
            // Known issue (fuzz run 2026-12): with two duplicated header columns, which one the message
            // names depends on dictionary order, so it can differ between reads of the same file
            // (Tests/Fuzz/Corpus/records/repro-two-duplicated-header-columns.csv). Compared without
            // the name until RecordReader names the first one.
            out.append("thrown: CSVHeaderError (a duplicated column)")
        } catch {
            out.append("thrown: \(error)")
        }
        return out
    }

    private static func describe(_ record: RawRecord) -> String {
        let fields: String
        switch record.fields {
        case .success(let set):
            decodeAll(set)
            fields = CanonicalJSON.text(.object(set.values)) + (set.isCSV ? " csv" : "")
        case .failure(let error):
            fields = "rejected \(error.field ?? "-"): \(error.message)"
        }
        return "line \(record.line): \(fields) text \(record.text.map { JSONText.string($0) } ?? "-")"
    }

    /// Runs every entity decoder on the record: none may crash. Their verdicts are left out of the
    /// comparison: the decoders are pure, so equal fields give equal entities, and one of their
    /// messages is known to vary between runs (fuzz run 2026-12: with two unknown categories in a
    /// "categories" object, which one is named depends on dictionary order;
    /// Tests/Fuzz/Corpus/records/repro-two-unknown-categories.jsonl).
    private static func decodeAll(_ fields: FieldSet) {
        _ = try? decoder.shop(fields)
        _ = try? decoder.product(fields)
        _ = try? decoder.creator(fields)
        _ = try? decoder.outcome(fields)
        _ = try? decoder.invitation(fields)
        _ = try? decoder.sampleRequest(fields)
    }
}
