import Foundation
import MatchCore

/// Writes JSON Lines through a large buffer; numbers are formatted without Foundation so that
/// millions of vector components write quickly.
final class JSONLWriter {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var line: [UInt8] = []
    private var fieldCount = 0
    private(set) var lines = 0

    init(path: String) throws(MatchError) {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw MatchError(.io, "cannot write \(path); check that its folder exists and is writable")
        }
        self.handle = handle
        buffer.reserveCapacity(1 << 20)
    }

    func begin() {
        line.removeAll(keepingCapacity: true)
        line.append(UInt8(ascii: "{"))
        fieldCount = 0
    }

    private func key(_ name: String) {
        if fieldCount > 0 { line.append(UInt8(ascii: ",")) }
        fieldCount += 1
        line.append(contentsOf: JSONText.string(name).utf8)
        line.append(UInt8(ascii: ":"))
    }

    func field(_ name: String, _ value: String?) {
        guard let value else { return }
        key(name)
        line.append(contentsOf: JSONText.string(value).utf8)
    }

    func field(_ name: String, _ value: Int?) {
        guard let value else { return }
        key(name)
        line.append(contentsOf: String(value).utf8)
    }

    /// A number with up to `decimals` decimals.
    func field(_ name: String, _ value: Double?, decimals: Int = 2) {
        guard let value else { return }
        key(name)
        appendNumber(value, decimals: decimals)
    }

    /// Raw JSON (an object or array built by the caller).
    func field(_ name: String, json: String) {
        key(name)
        line.append(contentsOf: json.utf8)
    }

    func field(_ name: String, vector: [Float]) {
        key(name)
        line.append(UInt8(ascii: "["))
        for (i, component) in vector.enumerated() {
            if i > 0 { line.append(UInt8(ascii: ",")) }
            appendNumber(Double(component), decimals: 5)
        }
        line.append(UInt8(ascii: "]"))
    }

    private func appendNumber(_ value: Double, decimals: Int) {
        var scale = 1
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int((value * Double(scale)).rounded())
        if scaled < 0 { line.append(UInt8(ascii: "-")) }
        let magnitude = abs(scaled)
        line.append(contentsOf: String(magnitude / scale).utf8)
        var fraction = magnitude % scale
        guard fraction != 0 else { return }
        var digits = decimals
        while fraction % 10 == 0 { fraction /= 10; digits -= 1 }
        line.append(UInt8(ascii: "."))
        let text = String(fraction)
        for _ in 0..<(digits - text.count) { line.append(UInt8(ascii: "0")) }
        line.append(contentsOf: text.utf8)
    }

    func end() throws(MatchError) {
        line.append(UInt8(ascii: "}"))
        line.append(0x0A)
        buffer.append(contentsOf: line)
        lines += 1
        if buffer.count >= 1 << 20 { try flush() }
    }

    func flush() throws(MatchError) {
        guard !buffer.isEmpty else { return }
        do {
            try handle.write(contentsOf: buffer)
        } catch {
            throw MatchError(.io, "cannot write demo data: \(error)")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws(MatchError) {
        try flush()
        try? handle.close()
    }
}
