/// A run of consecutive creators' (normalized) vectors, handed to the scoring kernel.
/// `values` holds the rows starting at `firstRow` (the whole matrix for an in-memory source, no copy;
/// a tile-sized buffer for a streaming one); `base` is the first creator's index in id order.
public struct CreatorTile: Sendable {
    public let base: Int
    public let rows: Int
    public let values: [Float]
    public let firstRow: Int
    /// The same rows already packed as bfloat16 in groups of 16 (the kernel's layout), starting at
    /// `packedOffset`; nil when the kernel must pack the tile itself.
    public let packed: [UInt32]?
    public let packedOffset: Int

    public init(base: Int, rows: Int, values: [Float], firstRow: Int, packed: [UInt32]? = nil, packedOffset: Int = 0) {
        self.base = base
        self.rows = rows
        self.values = values
        self.firstRow = firstRow
        self.packed = packed
        self.packedOffset = packedOffset
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

/// Creators held in memory as one normalized matrix; tiles reference it without copying. With
/// `packed` (the whole matrix in the kernel's bfloat16 layout, groups of 16 rows), tiles start on
/// group boundaries and carry it, so a warm server never packs per query.
public struct InMemoryCreators: CreatorTileSource {
    public let matrix: FeatureMatrix
    public let packed: [UInt32]?

    public init(normalized matrix: FeatureMatrix, packed: [UInt32]? = nil) {
        precondition(packed == nil || packed!.count == (matrix.rows + 15) / 16 * 16 * matrix.dimension / 2, "packed must hold the whole matrix")
        self.matrix = matrix
        self.packed = packed
    }

    public var dimension: Int { matrix.dimension }

    public func makeIterator(tileRows: Int) -> any CreatorTileIterator {
        let rows = max(1, tileRows)
        return Iterator(matrix: matrix, packed: packed, tileRows: packed == nil ? rows : (rows + 15) / 16 * 16)
    }

    final class Iterator: CreatorTileIterator, @unchecked Sendable {
        let matrix: FeatureMatrix
        let packed: [UInt32]?
        let tileRows: Int
        private var nextRow = 0
        private let lock = Lock()

        init(matrix: FeatureMatrix, packed: [UInt32]?, tileRows: Int) {
            self.matrix = matrix
            self.packed = packed
            self.tileRows = tileRows
        }

        func next() -> CreatorTile? {
            lock.withLock {
                guard nextRow < matrix.rows else { return nil }
                let rows = min(tileRows, matrix.rows - nextRow)
                defer { nextRow += rows }
                return CreatorTile(base: nextRow, rows: rows, values: matrix.values, firstRow: nextRow,
                                   packed: packed, packedOffset: nextRow * matrix.dimension / 2)
            }
        }
    }
}
