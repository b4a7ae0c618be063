import GRDB
import MatchCore

/// Creator vectors streamed from the database tile by tile, normalized on the way, never held as one
/// matrix: memory is a few tiles whatever the number of creators. Rows follow the same id order as
/// `VectorQueries.forEachCreatorProfile`; `keep` (by that row position) drops filtered creators, so
/// tile indices are candidate indices.
///
/// It reads through `db` from the kernel's worker threads, one at a time under a lock, so it must be
/// used inside the read transaction that created it.
public final class CreatorVectorStream: CreatorTileSource, @unchecked Sendable {
    public let dimension: Int
    private let db: Database
    private let model: String
    private let keep: [Bool]

    public init(db: Database, model: String, dimension: Int, keep: [Bool]) {
        self.db = db
        self.model = model
        self.dimension = dimension
        self.keep = keep
    }

    public func makeIterator(tileRows: Int) throws -> any CreatorTileIterator {
        let statement = try RawStatement(db, VectorQueries.creatorVectorsSQL)
        statement.bind(1, model)
        return Iterator(db: db, statement: statement, dimension: dimension, keep: keep, tileRows: max(1, tileRows))
    }

    final class Iterator: CreatorTileIterator, @unchecked Sendable {
        let db: Database
        let statement: RawStatement
        let dimension: Int
        let keep: [Bool]
        let tileRows: Int
        private let lock = Lock()
        private var position = 0
        private var nextIndex = 0
        private var done = false

        init(db: Database, statement: RawStatement, dimension: Int, keep: [Bool], tileRows: Int) {
            self.db = db
            self.statement = statement
            self.dimension = dimension
            self.keep = keep
            self.tileRows = tileRows
        }

        func next() throws -> CreatorTile? {
            try lock.withLock {
                guard !done else { return nil }
                var values: [Float] = []
                values.reserveCapacity(tileRows * dimension)
                var rows = 0
                let base = nextIndex
                while rows < tileRows {
                    guard let row = try statement.step(db) else {
                        done = true
                        statement.reset()
                        break
                    }
                    defer { position += 1 }
                    guard position < keep.count, keep[position] else { continue }
                    try row.floats(0, dimension: dimension) { vector in
                        var sum = 0.0
                        for v in vector { sum += Double(v) * Double(v) }
                        let scale = sum > 0 ? 1 / sum.squareRoot() : 0
                        for v in vector { values.append(Float(Double(v) * scale)) }
                    }
                    rows += 1
                }
                nextIndex += rows
                return rows == 0 ? nil : CreatorTile(base: base, rows: rows, values: values, firstRow: 0)
            }
        }
    }
}
