import Foundation
import MatchCore
import MatchInterchange

/// A validated entity of any kind, ready for the database checks and the write.
public enum DecodedEntity: Sendable {
    case shop(Shop)
    case product(Product)
    case creator(Creator)
    case outcome(Outcome)
    case invitation(Invitation)
    case sampleRequest(SampleRequest)
}

struct DecodedRecord: Sendable {
    let line: Int
    let text: String?
    let entity: Result<DecodedEntity, FieldError>
}

/// Parses and validates records on a background thread, handing batches to the writer through a
/// bounded queue (so memory stays bounded however large the file). Errors that stop the whole
/// import (an unreadable file, a bad CSV header) come out of `nextBatch()`.
final class DecodingPipeline: @unchecked Sendable {
    static let batchSize = 512
    static let maxQueuedBatches = 8

    private let reader: RecordReader
    private let kind: EntityKind
    private let decoder: EntityDecoder
    private let file: String
    private let condition = NSCondition()
    private var queue: [[DecodedRecord]] = []
    private var finished = false
    private var failure: MatchError?
    private var cancelled = false
    private var thread: Thread?
    private var _bytesRead = 0

    init(reader: RecordReader, kind: EntityKind, decoder: EntityDecoder, file: String) {
        self.reader = reader
        self.kind = kind
        self.decoder = decoder
        self.file = file
    }

    var bytesRead: Int {
        condition.lock()
        defer { condition.unlock() }
        return _bytesRead
    }

    func start() {
        let thread = Thread { [self] in produce() }
        thread.name = "creatormatch.import.decode"
        thread.stackSize = 8 << 20
        self.thread = thread
        thread.start()
    }

    /// Tells the reader to stop at its next batch (after an error on the writing side).
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch, or nil at end of input.
    func nextBatch() throws(MatchError) -> [DecodedRecord]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !finished { condition.wait() }
        if !queue.isEmpty {
            let batch = queue.removeFirst()
            condition.broadcast()
            return batch
        }
        if let failure { throw failure }
        return nil
    }

    private func produce() {
        var batch: [DecodedRecord] = []
        batch.reserveCapacity(Self.batchSize)
        var stopError: MatchError?
        do {
            while let record = try reader.next() {
                batch.append(DecodedRecord(line: record.line, text: record.text, entity: decode(record)))
                if batch.count == Self.batchSize {
                    guard hand(batch) else { break }
                    batch.removeAll(keepingCapacity: true)
                }
            }
            if !batch.isEmpty { _ = hand(batch) }
        } catch let error as CSVHeaderError {
            stopError = MatchError(.invalidInput, "\(file) line 1: \(error.message); nothing was imported")
        } catch let error as MatchError {
            stopError = error
        } catch {
            stopError = MatchError(.io, "cannot read \(file): \(error)")
        }
        condition.lock()
        failure = stopError
        finished = true
        _bytesRead = reader.lines.bytesRead
        condition.broadcast()
        condition.unlock()
    }

    /// Queues a batch, waiting while the queue is full; false once cancelled.
    private func hand(_ batch: [DecodedRecord]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= Self.maxQueuedBatches && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        queue.append(batch)
        _bytesRead = reader.lines.bytesRead
        condition.broadcast()
        return true
    }

    private func decode(_ record: RawRecord) -> Result<DecodedEntity, FieldError> {
        Result { () throws(FieldError) -> DecodedEntity in
            try Self.decode(kind, try record.fields.get(), decoder)
        }
    }

    static func decode(_ kind: EntityKind, _ fields: FieldSet, _ decoder: EntityDecoder) throws(FieldError) -> DecodedEntity {
        switch kind {
        case .shops: return .shop(try decoder.shop(fields))
        case .products: return .product(try decoder.product(fields))
        case .creators: return .creator(try decoder.creator(fields))
        case .outcomes: return .outcome(try decoder.outcome(fields))
        case .invitations: return .invitation(try decoder.invitation(fields))
        case .sampleRequests: return .sampleRequest(try decoder.sampleRequest(fields))
        }
    }
}
