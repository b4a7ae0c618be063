/// Cells of the CSV files this program writes (invitation batches), which sellers open in a
/// spreadsheet. Every text cell goes through `cell`.
public enum CSVText {
    /// A text cell, safe to open in a spreadsheet (OWASP's advice on CSV injection): a cell that begins
    /// with `=`, `+`, `-`, `@`, a tab or a carriage return would be run as a formula, so it gets a leading
    /// `'` and is quoted; a cell with a comma, a quote or a line break is quoted (RFC 4180), inner quotes
    /// doubled. Numbers this program writes itself are not text cells and are written as they are.
    public static func cell(_ text: String) -> String {
        let first = text.utf8.first
        let formula = first.map { [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D].contains($0) } ?? false
        let value = formula ? "'" + text : text
        guard formula || value.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }) else {
            return value
        }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
