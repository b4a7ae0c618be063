/// An error a person can act on: a stable code, a message that says what went wrong and what to
/// do next, and optionally the underlying cause. Messages never carry SQL or seller data beyond
/// the ids and field names needed to find the problem.
public struct MatchError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalidInput = "invalid_input"
        case notFound = "not_found"
        case unmappedCategory = "unmapped_category"
        case dimensionMismatch = "dimension_mismatch"
        case modelFiles = "model_files"
        case database = "database"
        case databaseBusy = "database_busy"
        case newerSchema = "newer_schema"
        case io = "io"
        case ineligible = "ineligible"
        case noVectors = "no_vectors"
        case locked = "locked"
    }

    public let code: Code
    public let message: String
    public let underlying: String?

    public init(_ code: Code, _ message: String, underlying: String? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String { message }
}
