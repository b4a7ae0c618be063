#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import MatchCore

/// Reads a file (or standard input) line by line in large chunks, without loading it whole.
/// Lines end at `\n` (or at `\r` in input whose first line ends with a lone `\r`); a trailing `\r` and
/// a leading UTF-8 byte-order mark are dropped.
public final class LineReader {
    public let displayName: String
    private let fd: Int32
    private let ownsDescriptor: Bool
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var eof = false
    /// `\n`, or `\r` for input whose lines end with a lone carriage return.
    private var terminator: UInt8 = 0x0A
    private var terminatorKnown = false
    /// Reading stopped at a line over the limit (see `nextLine(maxBytes:skippingLongLines:_:)`).
    private var abandoned = false
    /// Bytes after `start` already searched for the first line ending, while it is not known.
    private var terminatorScanned = 0
    public private(set) var lineNumber = 0
    /// Bytes consumed so far, for progress.
    public private(set) var bytesRead: Int = 0

    /// Opens `path`, or standard input when `path` is "-".
    public init(path: String, chunkSize: Int = 1 << 20) throws(MatchError) {
        if path == "-" {
            fd = 0
            ownsDescriptor = false
            displayName = "<stdin>"
        } else {
            let opened = open(path, O_RDONLY)
            guard opened >= 0 else {
                let reason = String(cString: strerror(errno))
                throw MatchError(.io, "cannot open \(path): \(reason.lowercased()); check the path")
            }
            var info = stat()
            if fstat(opened, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
                close(opened)
                throw MatchError(.io, "\(path) is a directory; give the path of a .jsonl or .csv file")
            }
            fd = opened
            ownsDescriptor = true
            displayName = path
        }
        buffer = [UInt8](repeating: 0, count: chunkSize)
    }

    deinit {
        if ownsDescriptor { close(fd) }
    }

    /// The size of the file in bytes, or nil for a pipe.
    public var fileSize: Int? {
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(info.st_size)
    }

    /// A line read with a length limit.
    public enum BoundedLine: Sendable, Equatable {
        case line([UInt8])
        /// The line had more than the limit; its bytes were skipped without being held (`bytes` counted).
        case tooLong(bytes: Int)
    }

    /// What `nextLine(maxBytes:_:)` gives for one line.
    public enum Bounded<R> {
        case line(R)
        /// The line had more than the limit; its bytes were skipped without being held (`bytes` counted).
        case tooLong(bytes: Int)
    }

    /// The next line, or `.tooLong` for a line over `maxBytes` (skipped to its end while holding at most
    /// about `maxBytes` in memory); nil at end of input.
    public func nextLine(maxBytes: Int) throws -> BoundedLine? {
        switch try nextLine(maxBytes: maxBytes, { Array($0) }) {
        case nil: return nil
        case .line(let bytes)?: return .line(bytes)
        case .tooLong(let bytes)?: return .tooLong(bytes: bytes)
        }
    }

    /// The first byte that is not white space, without consuming anything; nil for empty input.
    public func peekFirstNonBlankByte() throws -> UInt8? {
        var scanned = start
        while true {
            while scanned < end {
                let b = buffer[scanned]
                let isBOM = scanned - start < 3 && lineNumber == 0 && (b == 0xEF || b == 0xBB || b == 0xBF)
                if b != 0x20, b != 0x09, b != 0x0A, b != 0x0D, !isBOM { return b }
                scanned += 1
            }
            if eof { return nil }
            let offset = scanned - start
            try fill()
            scanned = start + offset
        }
    }

    /// Calls `body` with the next line's bytes (valid only during the call); nil at end of input.
    /// No limit on the line's length: for input this program wrote itself.
    public func nextLine<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> R? {
        switch try nextLine(maxBytes: Int.max, body) {
        case nil: return nil
        case .line(let result)?: return result
        case .tooLong?: return nil  // unreachable: no line is longer than Int.max
        }
    }

    /// Calls `body` with the next line's bytes (valid only during the call) when the line has at most
    /// `maxBytes` bytes; a longer line is skipped to its end while at most about `maxBytes` are held, so
    /// memory stays bounded whatever the input (`/dev/zero` included). With `skippingLongLines` false,
    /// reading stops at a line as soon as it is over the limit (`.tooLong` with the bytes seen), and every
    /// later call returns nil: input that may never end a line (a device, a broken pipe) ends at once.
    /// nil at end of input.
    public func nextLine<R>(maxBytes: Int, skippingLongLines: Bool = true, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> Bounded<R>? {
        guard !abandoned else { return nil }
        var skipped = 0
        while true {
            let newline = findNewline()
            if newline != nil || eof {
                guard newline != nil || start < end || skipped > 0 else { return nil }
                lineNumber += 1
                let lineStart = start
                let terminatorAt = newline ?? end
                start = newline.map { $0 + 1 } ?? end
                var lineEnd = terminatorAt
                if terminator == 0x0A, lineEnd > lineStart, buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                if skipped > 0 || lineEnd - lineStart > maxBytes { return .tooLong(bytes: skipped + terminatorAt - lineStart) }
                return .line(try emit(from: lineStart, to: lineEnd, body))
            }
            if end - start > maxBytes, !skippingLongLines {
                lineNumber += 1
                abandoned = true
                return .tooLong(bytes: end - start)
            }
            if end - start > maxBytes {
                // Over the limit with no end in sight: drop what is held and keep counting.
                skipped += end - start
                start = end
                terminatorScanned = 0
            }
            try fill()
        }
    }

    private func emit<R>(from lineStart: Int, to lineEnd: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> R {
        var from = lineStart
        if lineNumber == 1, lineEnd - from >= 3, buffer[from] == 0xEF, buffer[from + 1] == 0xBB, buffer[from + 2] == 0xBF {
            from += 3
        }
        return try buffer.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[from..<lineEnd])) }
    }

    private func findNewline() -> Int? {
        guard start < end else { return nil }
        if !terminatorKnown { decideTerminator() }
        return buffer.withUnsafeBufferPointer { base -> Int? in
            guard let found = memchr(base.baseAddress! + start, Int32(terminator), end - start) else { return nil }
            return UnsafeRawPointer(found) - UnsafeRawPointer(base.baseAddress!)
        }
    }

    /// Lines end at `\n` (a `\r` before it is dropped), unless the first line ending in the input is a
    /// lone `\r` (old Mac spreadsheets export CSV that way): then lines end at `\r`.
    private func decideTerminator() {
        var i = start + min(terminatorScanned, end - start)
        defer { terminatorScanned = i - start }
        while i < end {
            switch buffer[i] {
            case 0x0A:
                terminatorKnown = true
                return
            case 0x0D:
                if i + 1 < end {
                    if buffer[i + 1] != 0x0A { terminator = 0x0D }
                    terminatorKnown = true
                } else if eof {
                    terminatorKnown = true
                }
                return
            default:
                i += 1
            }
        }
        if eof { terminatorKnown = true }
    }

    private func fill() throws {
        if start > 0 {
            let pending = end - start
            if pending > 0 {
                buffer.withUnsafeMutableBufferPointer { base in
                    _ = memmove(base.baseAddress!, base.baseAddress! + start, pending)
                }
            }
            start = 0
            end = pending
        }
        if end == buffer.count {
            buffer.append(contentsOf: [UInt8](repeating: 0, count: buffer.count))
        }
        let count = buffer.withUnsafeMutableBufferPointer { base in
            read(fd, base.baseAddress! + end, base.count - end)
        }
        if count < 0 {
            if errno == EINTR { return }
            throw MatchError(.io, "cannot read \(displayName): \(String(cString: strerror(errno)))")
        }
        if count == 0 { eof = true }
        end += count
        bytesRead += count
    }
}
