/// A run of consecutive creators' (normalized) vectors, handed to the scoring kernel.
/// `values` holds the rows starting at `firstRow` (the whole matrix for an in-memory source, no copy;
/// a tile-sized buffer for a streaming one); `base` is the first creator's index in id order.
public struct CreatorTile: Sendable {
    public let base: Int
    public let rows: Int
    public let values: [Float]
    public let firstRow: Int

    public init(base: Int, rows: Int, values: [Float], firstRow: Int) {
        self.base = base
        self.rows = rows
        self.values = values
        self.firstRow = firstRow
    }
}

/// Hands out creator tiles in index order. `next()` may be called from several threads at once.
public protocol CreatorTileIterator: AnyObject, Sendable {
    func next() throws -> CreatorTile?
}

/// Where the kernel reads creators from: an in-memory matrix, or a stream from the database that
/// never holds the whole matrix.
public protocol CreatorTileSource: Sendable {
    var dimension: Int { get }
    func makeIterator(tileRows: Int) throws -> any CreatorTileIterator
}

/// Creators held in memory as one normalized matrix; tiles reference it without copying.
public struct InMemoryCreators: CreatorTileSource {
    public let matrix: FeatureMatrix

    public init(normalized matrix: FeatureMatrix) {
        self.matrix = matrix
    }

    public var dimension: Int { matrix.dimension }

    public func makeIterator(tileRows: Int) -> any CreatorTileIterator {
        Iterator(matrix: matrix, tileRows: max(1, tileRows))
    }

    final class Iterator: CreatorTileIterator, @unchecked Sendable {
        let matrix: FeatureMatrix
        let tileRows: Int
        private var nextRow = 0
        private let lock = Lock()

        init(matrix: FeatureMatrix, tileRows: Int) {
            self.matrix = matrix
            self.tileRows = tileRows
        }

        func next() -> CreatorTile? {
            lock.withLock {
                guard nextRow < matrix.rows else { return nil }
                let rows = min(tileRows, matrix.rows - nextRow)
                defer { nextRow += rows }
                return CreatorTile(base: nextRow, rows: rows, values: matrix.values, firstRow: nextRow)
            }
        }
    }
}
