import Foundation

/// FNV-1a, 64-bit: a stable digest of model files, inputs and records (not for security). Every
/// `combine` is length- or terminator-delimited, so different field sequences do not collide by
/// concatenation.
public struct FNV1a64: Sendable {
    public private(set) var state: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public mutating func combine(bytes: UnsafeRawBufferPointer) {
        var h = state
        for byte in bytes {
            h ^= UInt64(byte)
            h &*= 0x0000_0100_0000_01B3
        }
        state = h
    }

    public mutating func combine(_ data: Data) {
        data.withUnsafeBytes { combine(bytes: $0) }
    }

    public mutating func combine(_ text: String) {
        var copy = text
        copy.withUTF8 { combine(bytes: UnsafeRawBufferPointer($0)) }
        combine(UInt8(0))
    }

    public mutating func combine(_ value: UInt8) {
        state ^= UInt64(value)
        state &*= 0x0000_0100_0000_01B3
    }

    public mutating func combine(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { combine(bytes: $0) }
    }

    public mutating func combine(_ value: Int) { combine(UInt64(bitPattern: Int64(value))) }
    public mutating func combine(_ value: Double) { combine(value.bitPattern) }
    public mutating func combine(_ value: Float) { combine(UInt64(value.bitPattern)) }
    public mutating func combine(_ value: Bool) { combine(UInt8(value ? 1 : 0)) }

    /// `nil` and each present value hash differently.
    public mutating func combine(_ value: Int?) {
        if let value { combine(UInt8(1)); combine(value) } else { combine(UInt8(0)) }
    }

    public mutating func combine(_ value: Double?) {
        if let value { combine(UInt8(1)); combine(value) } else { combine(UInt8(0)) }
    }

    public mutating func combine(_ value: String?) {
        if let value { combine(UInt8(1)); combine(value) } else { combine(UInt8(0)) }
    }

    /// Floats go in one 32-bit word at a time (one multiply each, not one per byte): every step is
    /// still a bijection of the state, so changing any one value always changes the digest.
    public mutating func combine(_ values: some Collection<Float>) {
        combine(values.count)
        var h = state
        let done: Void? = values.withContiguousStorageIfAvailable { buffer in
            for value in buffer {
                h ^= UInt64(value.bitPattern)
                h &*= 0x0000_0100_0000_01B3
            }
        }
        if done == nil {
            for value in values {
                h ^= UInt64(value.bitPattern)
                h &*= 0x0000_0100_0000_01B3
            }
        }
        state = h
    }

    public var hexDigest: String {
        let hex = String(state, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
