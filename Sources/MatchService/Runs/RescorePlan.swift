import Foundation
import GRDB
import MatchCore
import MatchKernels
import MatchStore

/// One rescore's shortlists: which creators and products changed since the previous published run,
/// every product's ranked list (searched over all creators, or the kept list with the changed creators
/// merged in), and which stored lists can be shared with the previous run.
struct RescorePlan {
    let inputs: ShortlistInputs
    let request: RescoreRequest
    /// Per pool creator: digest of the id, and of everything it contributes (`CandidatePool.contentDigest`).
    let idDigests: [UInt64]
    let contentDigests: [UInt64]
    /// Per loaded product: digest of its shortlist's inputs other than the creators, in two parts:
    /// `<its own inputs>+<its exclusions>` (`ownInputs`).
    let productDigests: [String]
    let poolIndex: [String: Int]

    /// Per pool creator, whether its digest differs from the previous run's (nil without a comparable
    /// previous run: then nothing is shared).
    var changed: [Bool]?
    /// The previous run's lists as pool indices by product id, entry for entry (-1 for a creator no
    /// longer in the pool), when computed ahead (else from the lists).
    var previousIndices: [String: [Int32]] = [:]
    /// The previous published run's products and lists (empty for the first run).
    var previousProducts: [String: RunProductRow] = [:]
    var previousLists: [String: RunList] = [:]
    var incremental = false
    /// Per shop id, the pool indices (ascending) of creators whose shop-wide exclusion may have lapsed
    /// since the previous run (`lapsedExclusions`); nil when this run cannot tell, and then a product
    /// whose exclusions changed is searched over every creator.
    var lapsed: [String: [Int32]]?
    /// Why a requested incremental run computes in full.
    var fullReason: String?

    var ranked: [RankedList] = []
    /// Products searched over every creator.
    var searched = 0
    /// Per product, the pool indices of its published creators (set by `rank`), for the cards and the
    /// run's creator parts.
    var publishedIndices: [[Int32]] = []

    /// Per creator of a pool: the digest of its id, of everything it contributes
    /// (`CandidatePool.contentDigest`), and its index by id. Needs only the creators, so a rescore
    /// computes it while it reads the rest.
    struct CreatorDigests: Sendable {
        let ids: [UInt64]
        let contents: [UInt64]
        let index: [String: Int]

        init(pool: CandidatePool, matrix: FeatureMatrix) {
            ids = pool.ids.map { id in
                var h = FNV1a64()
                h.combine(id)
                return h.state
            }
            contents = parallelMap(pool.ids.count) { pool.contentDigest($0, row: matrix.row($0)) }
            index = Dictionary(uniqueKeysWithValues: pool.ids.enumerated().map { ($0.element, $0.offset) })
        }
    }

    init(inputs: ShortlistInputs, request: RescoreRequest, creators: CreatorDigests? = nil) {
        precondition(inputs.creatorMatrix != nil, "a rescore keeps the creator matrix in memory")
        self.inputs = inputs
        self.request = request
        let digests = creators ?? CreatorDigests(pool: inputs.pool, matrix: inputs.creatorMatrix!)
        precondition(digests.ids.count == inputs.pool.ids.count, "digests of another pool")
        idDigests = digests.ids
        contentDigests = digests.contents
        poolIndex = digests.index
        let ids = digests.ids
        // Excluded creators by id (indices shift when creators are added): one multiply-add each. The
        // products of a shop mostly share one exclusion list (the same array): each list once.
        var excludedDigests: [UnsafeRawPointer?: UInt64] = [:]
        let excludedDigest = inputs.exclusions.map { list -> UInt64 in
            list.withUnsafeBufferPointer { buffer in
                let key = buffer.baseAddress.map(UnsafeRawPointer.init)
                if let known = excludedDigests[key] { return known }
                var excluded: UInt64 = 0
                for c in buffer { excluded = excluded &* 0x100_0000_01B3 &+ ids[Int(c)] }
                excludedDigests[key] = excluded
                return excluded
            }
        }
        productDigests = inputs.products.indices.map { p in
            let product = inputs.products[p]
            var h = FNV1a64()
            h.combine(product.id.rawValue)
            h.combine(product.shopID.rawValue)
            h.combine(product.category)
            h.combine(Int(inputs.productCategories[p]))
            h.combine(product.commissionRate)
            h.combine(inputs.offeredRates[p])
            h.combine(inputs.suggestions[product.id]?.suggested)
            h.combine(inputs.productMatrix.row(p))
            var x = FNV1a64()
            x.combine(inputs.exclusions[p].count)
            x.combine(excludedDigest[p])
            return h.hexDigest + "+" + x.hexDigest
        }
    }

    /// Digest of everything the run read: every creator's id and content digest (id order), every
    /// scored product's digest, and every product's eligibility line (status, reasons, rates).
    func inputsDigest(_ rows: [RunProductRow]) -> String {
        var h = FNV1a64()
        h.combine(request.asOf.description)
        h.combine(idDigests.count)
        for (id, content) in zip(idDigests, contentDigests) {
            h.combine(id)
            h.combine(content)
        }
        for digest in productDigests { h.combine(digest) }
        for row in rows {
            h.combine(row.productID)
            h.combine(row.status)
            h.combine(row.reasons)
            h.combine(row.suggestedRate ?? -1)
            h.combine(row.targetRate ?? -1)
        }
        return h.hexDigest
    }

    var changedCount: Int? { changed.map { $0.reduce(0) { $0 + ($1 ? 1 : 0) } } }

    var state: RunState {
        RunState(depth: request.depth, creatorDigests: Dictionary(zip(idDigests, contentDigests), uniquingKeysWith: { a, _ in a }))
    }

    /// What a rescore reads of the previous published run: its products and lists (for the summary's
    /// changes, to merge into and to share) and its state. A published run never changes and only a
    /// rescore (which holds the lock) deletes runs, so this may be read in a transaction of its own,
    /// beside the current data's.
    struct PreviousRun {
        let record: RunRecord
        let products: [String: RunProductRow]
        let lists: [String: RunList]
        let state: RunState?

        static func read(_ db: Database, _ record: RunRecord) throws -> PreviousRun {
            PreviousRun(
                record: record, products: Dictionary(uniqueKeysWithValues: try RunStore.products(db, run: record.id).map { ($0.productID, $0) }),
                lists: try RunStore.lists(db, run: record.id), state: try RunStore.state(db, run: record.id))
        }
    }

    /// Takes the previous run's products and lists, and decides from its state whether it is comparable
    /// with this run and whether a requested incremental run can be one.
    mutating func compare(with previousRun: PreviousRun, models: ModelCatalog) {
        func full(_ reason: String) { fullReason = reason }
        let previous = previousRun.record
        previousProducts = previousRun.products
        previousLists = previousRun.lists
        guard let state = previousRun.state else {
            return full("the last published run (\(previous.id)) kept no state for incremental rescoring")
        }
        guard previous.models_digest == models.digest else { return full("Models/ changed since run \(previous.id)") }
        guard previous.code_version == CreatorMatchVersion.current else { return full("the code version changed since run \(previous.id)") }
        guard previous.rank_by == request.rankBy.rawValue, previous.k == request.k, state.depth == request.depth else {
            return full("run \(previous.id) used different parameters (rank_by \(previous.rank_by), k \(previous.k))")
        }
        changed = zip(idDigests, contentDigests).map { id, content in state.creatorDigests[id] != content }
        guard request.incremental else { return }
        let count = changedCount ?? 0
        if Double(count) > Self.incrementalShare * Double(max(1, inputs.pool.ids.count)) {
            return full("\(count) of \(inputs.pool.ids.count) creators changed since run \(previous.id) (more than \(Int(Self.incrementalShare * 100))%)")
        }
        incremental = true
    }

    /// More changed creators than this share of all makes an incremental run compute in full.
    static let incrementalShare = 0.25

    /// Ranks every product: merges changed creators into kept lists where it can, searches the rest.
    mutating func rank() throws(MatchError) {
        defer {
            let (lists, index, k) = (ranked, poolIndex, request.k)
            publishedIndices = parallelMap(lists.count) { p in lists[p].entries.prefix(k).map { Int32(index[$0.creatorID]!) } }
        }
        let depth = request.depth
        let pool = inputs.pool
        let products = inputs.products
        ranked = Array(repeating: RankedList(entries: [], boundary: nil), count: products.count)
        var dirty: [Int] = []
        if incremental, let changed {
            // Which products keep their list: those whose inputs are unchanged, and — when the run can
            // tell which exclusions lapsed — those whose exclusions alone changed.
            var candidates: [(p: Int, list: RunList, exclusionsMoved: Bool)] = []
            for p in products.indices {
                let id = products[p].id.rawValue
                guard let list = previousLists[id], let before = previousProducts[id]?.digest else {
                    dirty.append(p)
                    continue
                }
                if before == productDigests[p] {
                    candidates.append((p, list, false))
                } else if lapsed != nil, let own = Self.ownInputs(productDigests[p]), own == Self.ownInputs(before) {
                    candidates.append((p, list, true))
                } else {
                    dirty.append(p)
                }
            }
            // The creators scored against every kept list: the changed ones, and those whose exclusion
            // by some shop may have lapsed. An unchanged creator among them that was in a list is
            // scored again to the same score and merged back where it was; one that was not ranks
            // after the boundary, unless its exclusion lapsed.
            var inPart = changed
            for shopList in (lapsed ?? [:]).values { for c in shopList { inPart[Int(c)] = true } }
            let partIndices = inPart.indices.filter { inPart[$0] }
            let clean = candidates.map(\.p)
            let (exclusionLists, previousIndices, poolIndex, part) = (inputs.exclusions, previousIndices, poolIndex, inPart)
            let kept = parallelMap(candidates.count) { j -> RankedList in
                let (p, list, exclusionsMoved) = candidates[j]
                let excluded = exclusionLists[p]
                let indices = previousIndices[list.productID] ?? Self.indices(list, index: poolIndex)
                let known = zip(list.ranked.entries, indices).compactMap { entry, i -> RankedList.Entry? in
                    guard i >= 0, !part[Int(i)] else { return nil }
                    // Creators the product now excludes (invited since) leave its list.
                    return !exclusionsMoved || Self.position(of: i, in: excluded) == nil ? entry : nil
                }
                return RankedList(entries: known, boundary: list.ranked.boundary)
            }
            var scored = [[RankedList.Entry]](repeating: [], count: clean.count)
            if !partIndices.isEmpty, !clean.isEmpty {
                let part = pool.subset(partIndices)
                let matrix = inputs.creatorMatrix!.gathering(partIndices)
                // Exclusions in the part's indices: a pool index → part index table, one lookup each.
                var partIndex = [Int32](repeating: -1, count: pool.ids.count)
                for (j, c) in partIndices.enumerated() { partIndex[c] = Int32(j) }
                // Products of a shop mostly share one exclusion list (the same array): each list once.
                var mapped: [UnsafeRawPointer?: [Int32]] = [:]
                let exclusions = clean.map { p in
                    inputs.exclusions[p].withUnsafeBufferPointer { buffer -> [Int32] in
                        let key = buffer.baseAddress.map(UnsafeRawPointer.init)
                        if let known = mapped[key] { return known }
                        let list = buffer.compactMap { c -> Int32? in partIndex[Int(c)] >= 0 ? partIndex[Int(c)] : nil }
                        mapped[key] = list
                        return list
                    }
                }
                // Only the scored creators ranking above a list's boundary can enter it.
                let floors = kept.map { $0.boundary?.score ?? -.infinity }
                let results = try inputs.search(products: clean, creators: InMemoryCreators(normalized: matrix), pool: part, k: depth, exclusions: exclusions, floors: floors)
                scored = results.map { list in list.map { RankedList.Entry(creatorID: part.ids[Int($0.index)], score: $0.score) } }
            }
            for (j, p) in clean.enumerated() {
                if let merged = kept[j].merging(scored[j], depth: depth, needed: request.k) {
                    ranked[p] = merged
                } else {
                    dirty.append(p)
                }
            }
            dirty.sort()
        } else {
            dirty = Array(products.indices)
        }
        searched = dirty.count
        guard !dirty.isEmpty else { return }
        // The previous run's list of a product (any parameters: they are only real candidates) seeds its
        // search, which then starts near its final threshold; the results are the same.
        let seeds = dirty.map { p -> [Int32] in
            let id = products[p].id.rawValue
            return (previousIndices[id] ?? previousLists[id].map { Self.indices($0, index: poolIndex) } ?? []).filter { $0 >= 0 }
        }
        let results = try inputs.search(products: dirty, creators: inputs.source, pool: pool, k: depth, exclusions: dirty.map { inputs.exclusions[$0] }, seeds: seeds)
        for (j, p) in dirty.enumerated() {
            let entries = results[j].map { RankedList.Entry(creatorID: pool.ids[Int($0.index)], score: $0.score) }
            ranked[p] = RankedList(entries: entries, boundary: entries.count == depth ? entries.last : nil)
        }
    }

    /// The lists of products `ps` (in parallel): product-part cards and the encoded ranking.
    func makeLists(_ ps: [Int]) -> [NewRunList] {
        let k = request.k
        return parallelMap(ps.count) { j -> NewRunList in
            let p = ps[j]
            let top = zip(ranked[p].entries, publishedIndices[p]).map { ScoredIndex(score: $0.score, index: $1) }
            let payload = RunListPayload(cards: EntryCardCodec.encodeProductParts(inputs.cards(p, top)), category: inputs.products[p].category)
            return NewRunList(published: min(k, ranked[p].entries.count), ranked: ranked[p], payload: payload, rankedBytes: ranked[p].encoded())
        }
    }

    /// Makes lists on another thread in chunks, in the given order; `list(p)` waits for p's chunk.
    /// Each chunk has its own slot, written once before its semaphore is signalled.
    final class ListBuilder: @unchecked Sendable {
        private let position: [Int: (chunk: Int, offset: Int)]
        private let slots: UnsafeMutableBufferPointer<[NewRunList]>
        private let ready: [DispatchSemaphore]

        init(_ plan: RescorePlan, products: [Int], chunk: Int = 1024) {
            let chunks = stride(from: 0, to: products.count, by: chunk).map { Array(products[$0..<min(products.count, $0 + chunk)]) }
            var position: [Int: (chunk: Int, offset: Int)] = [:]
            for (c, part) in chunks.enumerated() { for (j, p) in part.enumerated() { position[p] = (c, j) } }
            self.position = position
            slots = .allocate(capacity: chunks.count)
            slots.initialize(repeating: [])
            ready = chunks.map { _ in DispatchSemaphore(value: 0) }
            // The thread holds the builder until every chunk is made.
            DispatchQueue.global().async { [self] in
                for (c, part) in chunks.enumerated() {
                    slots[c] = plan.makeLists(part)
                    ready[c].signal()
                }
            }
        }

        func list(_ p: Int) -> NewRunList {
            let (c, j) = position[p]!
            ready[c].wait()
            ready[c].signal()
            return slots[c][j]
        }

        deinit {
            _ = slots.deinitialize()
            slots.deallocate()
        }
    }

    /// Every published creator's part of an entry, once (the run's `run_creators`): the lists keep only
    /// the product's part. Shared and copied lists name the same creators as this run's ranking.
    func creatorParts() -> [(id: String, part: [UInt8])] {
        var seen = [Bool](repeating: false, count: inputs.pool.ids.count)
        for list in publishedIndices { for c in list { seen[Int(c)] = true } }
        return seen.indices.filter { seen[$0] }.map { c in (inputs.pool.ids[c], EntryCardCodec.encodeCreatorPart(inputs.creatorPart(c))) }
    }

    /// A previous list's creators as pool indices, best first (-1 for one no longer in the pool).
    static func indices(_ list: RunList, index: [String: Int]) -> [Int32] {
        list.ranked.entries.map { index[$0.creatorID].map(Int32.init) ?? -1 }
    }

    /// Every previous list's creators as pool indices by product id, in parallel (a rescore computes
    /// them while it reads).
    static func indices(_ lists: [String: RunList], index: [String: Int]) -> [String: [Int32]] {
        let all = Array(lists.values)
        let chunk = 512
        let parts = parallelMap((all.count + chunk - 1) / chunk) { j in
            all[(j * chunk)..<min(all.count, (j + 1) * chunk)].map { ($0.productID, indices($0, index: index)) }
        }
        return Dictionary(parts.joined(), uniquingKeysWith: { a, _ in a })
    }

    /// Per shop id, the creators (pool indices, ascending) with an invitation from the shop sent on a
    /// day that was inside the recent window on `previousAsOf` and is outside it on `asOf`: the only
    /// creators whose shop-wide exclusion can have lapsed, as long as invitations are only added
    /// (schema v10 logs any removal). Empty when the window did not move forward.
    static func lapsedExclusions(links: [InvitationLink], previousAsOf: Day, asOf: Day, recentDays: Int, index: [String: Int]) -> [String: [Int32]] {
        guard asOf > previousAsOf, recentDays > 0 else { return [:] }
        let from = previousAsOf.advanced(by: -recentDays).description
        let to = asOf.advanced(by: -recentDays).description
        var byShop: [String: Set<Int32>] = [:]
        for link in links where link.sentDay >= from && link.sentDay < to {
            if let c = index[link.creatorID] { byShop[link.shopID, default: []].insert(Int32(c)) }
        }
        return byShop.mapValues { $0.sorted() }
    }

    /// The part of a product digest that its entries' cards depend on (everything but its exclusions);
    /// nil for digests written before it had parts.
    static func ownInputs(_ digest: String?) -> Substring? {
        guard let digest, let plus = digest.firstIndex(of: "+") else { return nil }
        return digest[..<plus]
    }

    /// Index of `value` in the ascending `sorted`, if present.
    static func position<T: BinaryInteger>(of value: T, in sorted: [T]) -> Int? {
        var low = 0
        var high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low < sorted.count && sorted[low] == value ? low : nil
    }

    /// Per product, the list to publish: the previous run's list when nothing about it changed, its
    /// entries with a new ranked tail when only the reserve moved, or entries written now (in parallel).
    func chooseLists(database: MatchDatabase) throws -> [RunListChoice] {
        let k = request.k
        var choices = [RunListChoice?](repeating: nil, count: ranked.count)
        var copies: [(p: Int, list: Int64)] = []
        // Same product inputs, creators and scores, but some listed creator changed: written, then
        // compared with the stored list (below).
        var compare: [Int: RunList] = [:]
        var build: [Int] = []
        for p in ranked.indices {
            let id = inputs.products[p].id.rawValue
            let list = ranked[p]
            let published = min(k, list.entries.count)
            guard let changed, let old = previousLists[id], old.published == published else {
                build.append(p)
                continue
            }
            if previousProducts[id]?.digest == productDigests[p], old.creators.elementsEqual(list.entries.prefix(published)) {
                if list.entries.prefix(published).allSatisfy({ !changed[poolIndex[$0.creatorID]!] }) {
                    if old.ranked == list { choices[p] = .existing(old.id) } else { copies.append((p, old.id)) }
                } else {
                    compare[p] = old
                    build.append(p)
                }
            } else if old.ranked == list {
                // The product's inputs changed but not its ranking. When only its exclusions changed (a
                // day later, the shop's invitations older than the recent window stop excluding) and no
                // listed creator did, the cards are the same too: shared. Otherwise shared when its
                // entries come out byte for byte the same.
                if let own = Self.ownInputs(productDigests[p]), own == Self.ownInputs(previousProducts[id]?.digest),
                   list.entries.prefix(published).allSatisfy({ !changed[poolIndex[$0.creatorID]!] }) {
                    choices[p] = .existing(old.id)
                } else {
                    compare[p] = old
                    build.append(p)
                }
            } else {
                build.append(p)
            }
        }
        if !copies.isEmpty {
            try database.read { db in
                for (p, listID) in copies {
                    guard let payload = try RunStore.payload(db, list: listID), payload.cards != nil else { build.append(p); continue }
                    choices[p] = .new(NewRunList(published: min(k, ranked[p].entries.count), ranked: ranked[p], payload: payload))
                }
            }
        }
        // Lists compared with the stored ones are made now (sharing depends on their bytes): a listed
        // creator that changed only in what the run keeps per creator (followers, username, a GMV that
        // does not move the score, …) leaves the list's product parts as they were, and the stored list
        // is shared (rendered with this run's creator parts, it reads as a new one would).
        let compared = build.filter { compare[$0] != nil }
        let made = makeLists(compared)
        if !compared.isEmpty {
            try database.read { db in
                for (j, p) in compared.enumerated() {
                    if let old = compare[p], old.ranked == ranked[p], let payload = try RunStore.payload(db, list: old.id),
                       payload == made[j].payload {
                        choices[p] = .existing(old.id)
                    } else {
                        choices[p] = .new(made[j])
                    }
                }
            }
        }
        // The rest are made on another thread, in product order, while the run writes the earlier ones.
        let rest = build.filter { compare[$0] == nil }.sorted()
        if !rest.isEmpty {
            let builder = ListBuilder(self, products: rest)
            for p in rest { choices[p] = .later { builder.list(p) } }
        }
        return choices.map { $0! }
    }
}
