/// A commission (or margin) rate in hundredths of a percent, the platform's unit: `1200` is 12.00%.
public struct CommissionRate: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The range the platform accepts for a commission rate: 1%–80%.
    public static let validRange: ClosedRange<Int> = 100...8000
    /// The range of a margin rate: 0%–100%.
    public static let marginRange: ClosedRange<Int> = 0...10000

    public let hundredthsOfPercent: Int

    public init(hundredthsOfPercent: Int) {
        self.hundredthsOfPercent = hundredthsOfPercent
    }

    public var percent: Double { Double(hundredthsOfPercent) / 100 }

    /// "12.5%", "12%": the form people read.
    public var description: String { Self.formatPercent(hundredthsOfPercent) }

    public static func formatPercent(_ hundredths: Int) -> String {
        let sign = hundredths < 0 ? "-" : ""
        let magnitude = abs(hundredths)
        let whole = magnitude / 100
        let fraction = magnitude % 100
        if fraction == 0 { return "\(sign)\(whole)%" }
        if fraction % 10 == 0 { return "\(sign)\(whole).\(fraction / 10)%" }
        return "\(sign)\(whole).\(fraction < 10 ? "0" : "")\(fraction)%"
    }

    public static func < (lhs: CommissionRate, rhs: CommissionRate) -> Bool {
        lhs.hundredthsOfPercent < rhs.hundredthsOfPercent
    }
}
