import Foundation
import MatchCore

/// The source of "now" for services: the system clock in the executable, a fixed one in tests.
public protocol WallClock: Sendable {
    func now() -> Date
}

public struct SystemClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}

public struct FixedClock: WallClock {
    public let date: Date
    public init(_ date: Date) { self.date = date }
    public init(day: Day) { self.date = Date(timeIntervalSince1970: Double(day.daysSinceEpoch) * 86_400 + 12 * 3_600) }
    public func now() -> Date { date }
}

extension Date {
    /// The UTC calendar day of this instant.
    public var utcDay: Day { Day(daysSinceEpoch: Int((timeIntervalSince1970 / 86_400).rounded(.down))) }

    /// `2026-11-25T10:08:37Z`.
    public var iso8601: String {
        let seconds = Int(timeIntervalSince1970.rounded(.down))
        let day = Day(daysSinceEpoch: Int((Double(seconds) / 86_400).rounded(.down)))
        let rest = seconds - day.daysSinceEpoch * 86_400
        func pad(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(day)T\(pad(rest / 3600)):\(pad(rest % 3600 / 60)):\(pad(rest % 60))Z"
    }
}
