#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import MatchCore

/// Reads a file (or standard input) line by line in large chunks, without loading it whole.
/// Lines end at `\n`; a trailing `\r` and a leading UTF-8 byte-order mark are dropped.
public final class LineReader {
    public let displayName: String
    private let fd: Int32
    private let ownsDescriptor: Bool
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var eof = false
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

    /// The next line, or `.tooLong` for a line over `maxBytes` (skipped to its end while holding at most
    /// about `maxBytes` in memory); nil at end of input.
    public func nextLine(maxBytes: Int) throws -> BoundedLine? {
        var skipped = 0
        while true {
            if let newline = findNewline() {
                lineNumber += 1
                let length = newline - start
                defer { start = newline + 1 }
                if skipped > 0 || length > maxBytes { return .tooLong(bytes: skipped + length) }
                var lineEnd = newline
                if lineEnd > start, buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                return .line(Array(buffer[start..<lineEnd]))
            }
            if end - start > maxBytes {
                // Over the limit with no end in sight: drop what is held and keep counting.
                skipped += end - start
                start = end
            }
            if eof {
                guard start < end || skipped > 0 else { return nil }
                lineNumber += 1
                let length = end - start
                defer { start = end }
                if skipped > 0 || length > maxBytes { return .tooLong(bytes: skipped + length) }
                return .line(Array(buffer[start..<end]))
            }
            try fill()
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

    /// Calls `body` with the next line's bytes (valid only during the call); false at end of input.
    public func nextLine<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> R? {
        while true {
            if let newline = findNewline() {
                lineNumber += 1
                var lineEnd = newline
                if lineEnd > start, buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                let lineStart = start
                start = newline + 1
                return try emit(from: lineStart, to: lineEnd, body)
            }
            if eof {
                guard start < end else { return nil }
                lineNumber += 1
                var lineEnd = end
                if buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                let lineStart = start
                start = end
                return try emit(from: lineStart, to: lineEnd, body)
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
        return buffer.withUnsafeBufferPointer { base -> Int? in
            guard let found = memchr(base.baseAddress! + start, 0x0A, end - start) else { return nil }
            return UnsafeRawPointer(found) - UnsafeRawPointer(base.baseAddress!)
        }
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
