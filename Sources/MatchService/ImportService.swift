import Foundation
import GRDB
import Logging
import MatchCore
import MatchInterchange
import MatchStore

/// One rejected input record.
public struct ImportIssue: Sendable, Codable, Equatable {
    public let line: Int
    public let field: String?
    public let message: String
}

public struct ImportOptions: Sendable {
    public var format: InterchangeFormat?
    /// Write the good records and list the bad ones, instead of writing nothing.
    public var skipInvalid = false
    /// Where `skipInvalid` writes rejected records; default `<file>.rejects.jsonl`
    /// (`<entity>.rejects.jsonl` in the working folder for standard input).
    public var rejectsPath: String?
    /// How many bad records a failed import lists.
    public var maxListedIssues = 20
    /// The longest record read; a longer one is refused with its line (memory stays bounded).
    public var maxRecordBytes = RecordReader.defaultMaxRecordBytes

    public init(format: InterchangeFormat? = nil, skipInvalid: Bool = false, rejectsPath: String? = nil, maxRecordBytes: Int = RecordReader.defaultMaxRecordBytes) {
        self.format = format
        self.skipInvalid = skipInvalid
        self.rejectsPath = rejectsPath
        self.maxRecordBytes = maxRecordBytes
    }
}

public struct ImportProgress: Sendable {
    public let records: Int
    public let bytesRead: Int
    public let totalBytes: Int?
}

public struct ImportReport: Sendable, Codable {
    public let entity: String
    public let file: String
    public let format: String
    public let records: Int
    public let imported: Int
    public let rejected: Int
    public let rejectsFile: String?
    public let issues: [ImportIssue]
    public let vectors: Int
    /// Set when the import refreshed the profile vectors (records without a vector, or profile vectors
    /// already in use).
    public let profileVectors: FeatureSummary?
    public let durationSeconds: Double
}

/// Imports one file of one entity kind in one transaction.
public struct ImportService: Sendable {
    public static let suppliedVectorModel = "supplied"

    let database: MatchDatabase
    let models: ModelCatalog
    let clock: any WallClock
    let logger: Logger
    /// The name this importer's writes carry in the change log.
    let writer: String

    public init(database: MatchDatabase, models: ModelCatalog, clock: any WallClock = SystemClock(), logger: Logger = Logger(label: "creatormatch.import"), writer: String = ChangeLog.processWriter) {
        self.database = database
        self.models = models
        self.clock = clock
        self.logger = logger
        self.writer = writer
    }

    /// The tables an import of `kind` writes.
    static func tables(_ kind: EntityKind, vectors: Int) -> Set<String> {
        var tables: Set<String> = [kind.rawValue]
        if vectors > 0 { tables.insert("vectors") }
        if kind == .products { tables.insert("commission_rate_changes") }
        return tables
    }

    /// Reads `path` ("-" for standard input) and upserts every record. Without `skipInvalid`, any bad
    /// record means nothing is written and the error lists the bad records; with it, good records are
    /// written and bad ones go to the rejects file.
    ///
    /// Two stages on two threads: a reader parses and validates records (pure work) into batches,
    /// while this thread checks references against the database and writes, in one transaction.
    public func importFile(
        _ kind: EntityKind, path: String, options: ImportOptions = ImportOptions(),
        progress: ((ImportProgress) -> Void)? = nil
    ) throws(MatchError) -> ImportReport {
        let started = Date()
        let lines = try LineReader(path: path)
        let reader: RecordReader
        do {
            // Without --skip-invalid one oversized record fails the import, so reading stops there (input
            // that never ends a line, such as /dev/zero, cannot keep the import going).
            reader = try RecordReader(lines: lines, format: options.format, keepsText: options.skipInvalid,
                                      maxRecordBytes: options.maxRecordBytes, skipsOversizedRecords: options.skipInvalid)
        } catch {
            throw MatchError(.io, "cannot read \(path): \(error)")
        }
        let now = clock.now()
        let decoder = EntityDecoder(taxonomy: models.taxonomy, taxonomyFile: models.taxonomyFile)
        let delays = RateChangeDelays(
            targetDays: models.platform.rate_cut_delay_days.target_collaboration,
            existingPromotersDays: models.platform.rate_cut_delay_days.open_collaboration_existing_promoters)
        let displayName = path == "-" ? "<stdin>" : path
        let rejects = options.skipInvalid ? RejectsFile(path: options.rejectsPath ?? Self.defaultRejectsPath(kind, path)) : nil

        var records = 0
        var imported = 0
        var vectors = 0
        var issueCount = 0
        var listed: [ImportIssue] = []
        var profiles: FeatureSummary?
        let totalBytes = lines.fileSize
        var lastProgress = Date()

        let pipeline = DecodingPipeline(reader: reader, kind: kind, decoder: decoder, file: displayName)
        pipeline.start()
        defer { pipeline.cancel() }

        let result: Result<Void, MatchError> = Result { () throws(MatchError) in
            try database.write { db in
                let writer = ImportWriter(db: db, timestamp: now.iso8601, today: now.utcDay, delays: delays)
                var space: VectorSpace?
                while let batch = try pipeline.nextBatch() {
                    for record in batch {
                        records += 1
                        do {
                            let entity = try record.entity.get()
                            vectors += try Self.store(entity, writer: writer, space: &space, inSavepoint: options.skipInvalid, db: db)
                            imported += 1
                        } catch let issue as FieldError {
                            issueCount += 1
                            let entry = ImportIssue(line: record.line, field: issue.field, message: issue.message)
                            if listed.count < options.maxListedIssues { listed.append(entry) }
                            try rejects?.append(entry, text: record.text ?? "")
                        }
                    }
                    if let progress, Date().timeIntervalSince(lastProgress) > 0.25 {
                        lastProgress = Date()
                        progress(ImportProgress(records: records, bytesRead: pipeline.bytesRead, totalBytes: totalBytes))
                    }
                }
                if issueCount > 0, !options.skipInvalid {
                    throw Self.failure(kind: kind, file: displayName, issues: listed, total: issueCount, records: records)
                }
                if imported > 0 {
                    try ChangeLog.record(db, writer: self.writer, tables: Self.tables(kind, vectors: vectors), at: now.iso8601)
                    // Profile vectors, in the same transaction: for records that came without a vector,
                    // and to keep them current (products learn from sales) while they are what shortlists
                    // use (no supplied creator vectors). A full recompute: ~10 s at 200,000 creators.
                    let withoutVectors = (kind == .creators || kind == .products) && imported > vectors
                    let inUse = try [.creators, .products, .outcomes].contains(kind) && FeatureService.hasProfileVectors(db)
                        && StoreQueries.vectorSpace(db, kind: .creator, model: Self.suppliedVectorModel) == nil
                    if withoutVectors || inUse {
                        profiles = try FeatureService(database: database, models: models).store(db, now: now)
                    }
                }
            }
        }
        if case .failure(let error) = result {
            rejects?.discard()
            throw error
        }
        try rejects?.finish()
        progress?(ImportProgress(records: records, bytesRead: pipeline.bytesRead, totalBytes: totalBytes))
        let report = ImportReport(
            entity: kind.rawValue, file: displayName, format: reader.format.rawValue, records: records,
            imported: imported, rejected: issueCount, rejectsFile: issueCount > 0 ? rejects?.path : nil,
            issues: listed, vectors: vectors, profileVectors: profiles, durationSeconds: Date().timeIntervalSince(started))
        logger.info("import.finished", metadata: [
            "import.entity": "\(kind.rawValue)", "import.records": "\(records)", "import.rejected": "\(issueCount)",
            "import.duration_ms": "\(Int(report.durationSeconds * 1000))",
        ])
        return report
    }

    /// Upserts records given as JSON objects (the JSON-RPC upserts), all in one transaction: any bad
    /// record and nothing is written; the error names `label[i]` and the field.
    public func importValues(_ kind: EntityKind, _ values: [JSONValue], label: String) throws(MatchError) -> (imported: Int, vectors: Int, entities: [DecodedEntity]) {
        let now = clock.now()
        let decoder = EntityDecoder(taxonomy: models.taxonomy, taxonomyFile: models.taxonomyFile)
        let delays = RateChangeDelays(
            targetDays: models.platform.rate_cut_delay_days.target_collaboration,
            existingPromotersDays: models.platform.rate_cut_delay_days.open_collaboration_existing_promoters)
        return try database.write { db in
            let writer = ImportWriter(db: db, timestamp: now.iso8601, today: now.utcDay, delays: delays)
            var space: VectorSpace?
            var vectors = 0
            var entities: [DecodedEntity] = []
            for (i, value) in values.enumerated() {
                do {
                    guard case .object(let object) = value else { throw FieldError(field: nil, "expected a JSON object") }
                    let entity = try DecodingPipeline.decode(kind, FieldSet(values: object, isCSV: false), decoder)
                    entities.append(entity)
                    vectors += try Self.store(entity, writer: writer, space: &space, inSavepoint: false, db: db)
                } catch let issue as FieldError {
                    let place = issue.field.map { "\(label)[\(i)], field \"\($0)\"" } ?? "\(label)[\(i)]"
                    throw MatchError(.invalidInput, "\(place): \(issue.message); nothing was written")
                }
            }
            if !values.isEmpty {
                try ChangeLog.record(db, writer: self.writer, tables: Self.tables(kind, vectors: vectors), at: now.iso8601)
            }
            return (values.count, vectors, entities)
        }
    }

    static func defaultRejectsPath(_ kind: EntityKind, _ path: String) -> String {
        path == "-" ? "\(kind.rawValue).rejects.jsonl" : path + ".rejects.jsonl"
    }

    static func failure(kind: EntityKind, file: String, issues: [ImportIssue], total: Int, records: Int) -> MatchError {
        let first = issues[0]
        var message = "\(describe(first, in: file)). Nothing was imported (\(total) bad record\(total == 1 ? "" : "s") of \(records)); fix \(total == 1 ? "it" : "them") or re-run with --skip-invalid to import the good records and write the bad ones to a rejects file."
        for issue in issues.dropFirst() {
            message += "\n  " + describe(issue, in: file)
        }
        if total > issues.count {
            message += "\n  … and \(total - issues.count) more"
        }
        return MatchError(.invalidInput, message)
    }

    public static func describe(_ issue: ImportIssue, in file: String) -> String {
        if let field = issue.field {
            return "\(file) line \(issue.line), field \"\(field)\": \(issue.message)"
        }
        return "\(file) line \(issue.line): \(issue.message)"
    }

    /// Checks a validated entity's references and vector dimension against the database, then writes
    /// it; returns how many vectors it wrote. Throws `FieldError` for a bad record, having written
    /// nothing of it.
    static func store(_ entity: DecodedEntity, writer: ImportWriter, space: inout VectorSpace?, inSavepoint: Bool, db: Database) throws -> Int {
        var ops: [() throws -> Void] = []
        var vectorCount = 0
        switch entity {
        case .shop(let shop):
            ops.append { try writer.upsert(shop) }
        case .product(var product):
            guard try writer.exists(shop: product.shopID) else {
                throw FieldError(field: "shop_id", "no shop \"\(product.shopID)\" in the database or earlier in this file; import the shop first")
            }
            let vector = product.vector
            product.vector = nil
            ops.append { try writer.upsert(product) }
            vectorCount = try appendVectorWrite(vector, of: .product, id: product.id.rawValue, to: &ops, space: &space, writer)
        case .creator(var creator):
            let vector = creator.vector
            creator.vector = nil
            ops.append { try writer.upsert(creator) }
            vectorCount = try appendVectorWrite(vector, of: .creator, id: creator.id.rawValue, to: &ops, space: &space, writer)
        case .outcome(let outcome):
            try checkReferences(creator: outcome.creatorID, product: outcome.productID, writer)
            ops.append { try writer.upsert(outcome) }
        case .invitation(let invitation):
            try checkReferences(creator: invitation.creatorID, product: invitation.productID, writer)
            ops.append { try writer.upsert(invitation) }
        case .sampleRequest(let request):
            try checkReferences(creator: request.creatorID, product: request.productID, writer)
            ops.append { try writer.upsert(request) }
        }
        if inSavepoint {
            try db.inSavepoint {
                for op in ops { try op() }
                return .commit
            }
        } else {
            for op in ops { try op() }
        }
        return vectorCount
    }

    /// Checks a supplied vector against its space and queues its write; returns how many it queued.
    static func appendVectorWrite(
        _ vector: [Float]?, of kind: VectorOwnerKind, id: String, to ops: inout [() throws -> Void],
        space: inout VectorSpace?, _ writer: ImportWriter
    ) throws -> Int {
        guard let vector else { return 0 }
        let resolved = try resolveSpace(kind, vector, &space, writer)
        ops.append { try writer.upsertVector(vector, owner: id, in: resolved) }
        return 1
    }

    static func checkReferences(creator: CreatorID, product: ProductID, _ writer: ImportWriter) throws {
        guard try writer.exists(creator: creator) else {
            throw FieldError(field: "creator_id", "no creator \"\(creator)\" in the database; import creators first")
        }
        guard try writer.exists(product: product) else {
            throw FieldError(field: "product_id", "no product \"\(product)\" in the database; import products first")
        }
    }

    /// The supplied-vector space for this kind; the first vector of a new database fixes its dimension.
    static func resolveSpace(_ kind: VectorOwnerKind, _ vector: [Float], _ cached: inout VectorSpace?, _ writer: ImportWriter) throws -> VectorSpace {
        if cached == nil {
            cached = try writer.vectorSpace(kind, model: suppliedVectorModel)
        }
        if let space = cached {
            guard space.dimension == vector.count else {
                throw FieldError(field: "vector", "has \(vector.count) numbers but \(kind.rawValue) vectors in this database have \(space.dimension); give \(space.dimension) numbers, or import into a new database to change the dimension")
            }
            return space
        }
        let space = VectorSpace(ownerKind: kind, model: suppliedVectorModel, modelVersion: 1, dimension: vector.count)
        try writer.createVectorSpace(space)
        cached = space
        return space
    }
}

/// The rejects file of a `--skip-invalid` import: one JSON object a line with the line number,
/// field, reason and the original text. Written to a temporary name and renamed when done.
final class RejectsFile {
    let path: String
    private let temporaryPath: String
    private var handle: FileHandle?

    init(path: String) {
        self.path = path
        self.temporaryPath = path + ".partial"
    }

    func append(_ issue: ImportIssue, text: String) throws(MatchError) {
        if handle == nil {
            guard FileManager.default.createFile(atPath: temporaryPath, contents: nil),
                  let opened = FileHandle(forWritingAtPath: temporaryPath) else {
                throw MatchError(.io, "cannot write the rejects file \(temporaryPath); pass --rejects PATH in a writable folder")
            }
            handle = opened
        }
        var line = "{\"line\":\(issue.line),"
        if let field = issue.field { line += "\"field\":\(JSONText.string(field)),"}
        line += "\"error\":\(JSONText.string(issue.message)),\"input\":\(JSONText.string(text))}\n"
        handle?.write(Data(line.utf8))
    }

    func finish() throws(MatchError) {
        guard let handle else { return }
        try? handle.close()
        self.handle = nil
        do {
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(atPath: temporaryPath, toPath: path)
        } catch {
            throw MatchError(.io, "cannot write the rejects file \(path): \(error)")
        }
    }

    func discard() {
        try? handle?.close()
        handle = nil
        try? FileManager.default.removeItem(atPath: temporaryPath)
    }
}
