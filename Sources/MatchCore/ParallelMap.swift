import Foundation

/// `body(0) … body(count - 1)` on `workers` threads, results in index order. `body` must only read
/// shared state; each index is written by one thread.
public func parallelMap<T>(_ count: Int, workers: Int = ProcessInfo.processInfo.activeProcessorCount, _ body: (Int) -> T) -> [T] {
    guard count > 0 else { return [] }
    let threads = max(1, min(workers, count))
    return withoutActuallyEscaping(body) { body in
        let job = ParallelJob(count: count, body: body)
        DispatchQueue.concurrentPerform(iterations: threads) { worker in
            for i in stride(from: worker, to: count, by: threads) { job.run(i) }
        }
        return job.results()
    }
}

/// Slots written by disjoint indices from several threads (hence unchecked).
private final class ParallelJob<T>: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<T?>
    private let body: (Int) -> T

    init(count: Int, body: @escaping (Int) -> T) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
        self.body = body
    }

    func run(_ i: Int) { slots[i] = body(i) }

    func results() -> [T] { slots.map { $0! } }

    deinit {
        _ = slots.deinitialize()
        slots.deallocate()
    }
}

/// Runs `body` on another thread at once; `value()` waits for its result (and may be called again).
public final class Background<T>: @unchecked Sendable {
    private var result: Result<T, any Error>?
    private let finished = DispatchSemaphore(value: 0)

    public init(_ body: @escaping @Sendable () throws -> T) {
        DispatchQueue.global().async {
            self.result = Result { try body() }
            self.finished.signal()
        }
    }

    public func value() throws -> T {
        finished.wait()
        finished.signal()
        return try result!.get()
    }
}
