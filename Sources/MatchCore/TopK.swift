/// A scored candidate: `index` is the creator's position in id order, so "index ascending" is
/// "creator id ascending" (the contract's tie-break).
public struct ScoredIndex: Hashable, Sendable {
    public var score: Float
    public var index: Int32

    public init(score: Float, index: Int32) {
        self.score = score
        self.index = index
    }

    /// The result order: score descending, then index ascending.
    @inlinable
    public static func ranksBefore(_ a: ScoredIndex, _ b: ScoredIndex) -> Bool {
        a.score > b.score || (a.score == b.score && a.index < b.index)
    }
}

/// Keeps the best `k` candidates seen (score descending, then index ascending) in a bounded
/// min-heap whose root is the worst kept candidate. `threshold` is the root's score once full: a
/// candidate scoring below it can never enter, which lets a scan reject most scores with one compare.
/// The result does not depend on the order candidates are offered in.
public struct TopKCollector: Sendable {
    public let k: Int
    var heap: [ScoredIndex]

    /// -infinity until `k` candidates are held, then the score of the worst one held.
    public private(set) var threshold: Float

    /// `floor`: candidates scoring below it are never wanted (the caller knows enough better ones);
    /// the threshold starts there instead of at -infinity, so filters reject them from the start.
    public init(k: Int, floor: Float = -.infinity) {
        precondition(k >= 0, "k must not be negative")
        self.k = k
        heap = []
        heap.reserveCapacity(k)
        threshold = k == 0 ? .infinity : floor
    }

    public var count: Int { heap.count }

    /// Offers a candidate; keeps it when it ranks before the worst one held (or there is room).
    public mutating func offer(score: Float, index: Int32) {
        let candidate = ScoredIndex(score: score, index: index)
        if heap.count < k {
            heap.append(candidate)
            siftUp(heap.count - 1)
            if heap.count == k { threshold = heap[0].score }
        } else if k > 0, ScoredIndex.ranksBefore(candidate, heap[0]) {
            heap[0] = candidate
            siftDown(0)
            threshold = heap[0].score
        }
    }

    /// `a` is worse than `b`: the heap keeps the worst at the root.
    static func worse(_ a: ScoredIndex, _ b: ScoredIndex) -> Bool {
        ScoredIndex.ranksBefore(b, a)
    }

    mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.worse(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func siftDown(_ start: Int) {
        var parent = start
        let n = heap.count
        while true {
            let left = 2 * parent + 1
            guard left < n else { return }
            var worst = left
            let right = left + 1
            if right < n, Self.worse(heap[right], heap[left]) { worst = right }
            guard Self.worse(heap[worst], heap[parent]) else { return }
            heap.swapAt(worst, parent)
            parent = worst
        }
    }

    /// The kept candidates, best first: heapsort in place (the worst goes to the back, one at a time).
    public func sorted() -> [ScoredIndex] {
        var out = heap
        var end = out.count - 1
        while end > 0 {
            out.swapAt(0, end)
            var parent = 0
            while true {
                let left = 2 * parent + 1
                guard left < end else { break }
                var worst = left
                if left + 1 < end, Self.worse(out[left + 1], out[left]) { worst = left + 1 }
                guard Self.worse(out[worst], out[parent]) else { break }
                out.swapAt(worst, parent)
                parent = worst
            }
            end -= 1
        }
        return out
    }

    /// Merges another collector's candidates into this one (for partitions searched apart).
    public mutating func merge(_ other: TopKCollector) {
        for candidate in other.heap { offer(score: candidate.score, index: candidate.index) }
    }
}

/// A row-major float32 matrix: `rows` vectors of `dimension` components.
public struct FeatureMatrix: Sendable, Equatable {
    public let rows: Int
    public let dimension: Int
    public var values: [Float]

    public init(rows: Int, dimension: Int, values: [Float]) {
        precondition(values.count == rows * dimension, "values must hold rows × dimension floats")
        self.rows = rows
        self.dimension = dimension
        self.values = values
    }

    public init(dimension: Int) {
        self.init(rows: 0, dimension: dimension, values: [])
    }

    public func row(_ i: Int) -> ArraySlice<Float> {
        values[(i * dimension)..<((i + 1) * dimension)]
    }

    /// Each row scaled to unit length (norm computed in double precision), so that dot products are
    /// cosine similarities. A zero row stays zero.
    public func normalized() -> FeatureMatrix {
        var out = values
        for i in 0..<rows {
            var sum = 0.0
            for j in 0..<dimension {
                let v = Double(values[i * dimension + j])
                sum += v * v
            }
            guard sum > 0 else { continue }
            let scale = 1 / sum.squareRoot()
            for j in 0..<dimension {
                out[i * dimension + j] = Float(Double(values[i * dimension + j]) * scale)
            }
        }
        return FeatureMatrix(rows: rows, dimension: dimension, values: out)
    }

    /// The rows at `indices`, in that order.
    public func gathering(_ indices: [Int]) -> FeatureMatrix {
        var out = [Float]()
        out.reserveCapacity(indices.count * dimension)
        for i in indices { out.append(contentsOf: row(i)) }
        return FeatureMatrix(rows: indices.count, dimension: dimension, values: out)
    }
}
