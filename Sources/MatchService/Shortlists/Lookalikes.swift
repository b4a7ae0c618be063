import Foundation
import MatchCore
import MatchKernels
import MatchStore

public struct LookalikeReport: Codable, Sendable {
    public let creator_id: String
    public let k: Int
    public let candidates: Int
    public let filters: [String]
    public let creators: [ShortlistEntry]
}

extension ShortlistService {
    /// The creators most like `creator` (exact cosine top-k, ties by id), under the same filters as
    /// shortlists; the creator itself is never listed.
    public func lookalikes(of creator: CreatorID, k: Int, filters: CreatorFilters, tiles: TileConfiguration = TileConfiguration()) throws(MatchError) -> LookalikeReport {
        let model = Self.vectorModel
        let categoryIndex = Dictionary(uniqueKeysWithValues: models.taxonomy.categories.enumerated().map { ($0.element.name, Int32($0.offset)) })
        let (query, pool, matrix): ([Float], CandidatePool, FeatureMatrix) = try database.read { db in
            guard try StoreQueries.creatorExists(db, id: creator) else {
                throw MatchError(.notFound, "no creator with id \"\(creator)\"; check the id or import the creator first")
            }
            guard let space = try StoreQueries.vectorSpace(db, kind: .creator, model: model),
                  let query = try VectorQueries.creatorVector(db, model: model, id: creator) else {
                throw MatchError(.noVectors, "creator \(creator) has no vector; re-import it with a \"vector\" field")
            }
            let pool = try CandidatePool.load(db, model: model, categoryIndex: categoryIndex, ranking: BlendedRanking(model: models.ranking, taxonomy: models.taxonomy)).filtered(by: filters, catalog: models, categoryIndex: categoryIndex)
            let kept = pool.keepMask
            let matrix = try VectorQueries.normalizedCreatorMatrix(db, model: model, dimension: space.dimension, rows: pool.ids.count) { kept[$0] }
            return (query, pool, matrix)
        }
        let queryMatrix = FeatureMatrix(rows: 1, dimension: query.count, values: query).normalized()
        let exclusions: [[Int32]] = [pool.index(of: creator.rawValue).map { [Int32($0)] } ?? []]
        let results: [[ScoredIndex]]
        do {
            results = try TopKSearch(configuration: tiles).search(products: queryMatrix, creators: InMemoryCreators(normalized: matrix), k: k, exclusions: exclusions)
        } catch {
            throw MatchError(.database, "scoring failed: \(error)")
        }
        let ranking = BlendedRanking(model: models.ranking, taxonomy: models.taxonomy)
        let names = models.taxonomy.categories.map(\.name)
        let entries = results[0].enumerated().map { rank, candidate -> ShortlistEntry in
            let c = Int(candidate.index)
            let similarity = Self.cosine(queryMatrix.row(0), matrix.row(c))
            let signals = pool.signals[c]
            var reasons = ["profile cosine \(ReasonWriter.decimal(similarity, 2)) with \(creator)"]
            if let top = signals.categories.first {
                reasons.append("sells mostly \(names[Int(top.index)]) (\(Int((Double(top.share) * 100).rounded()))% of GMV)")
            }
            reasons.append("30-day GMV \(signals.gmvEstimated ? "~" : "")\(ReasonWriter.amount(signals.gmv)), strength \(ReasonWriter.decimal(ranking.strength(signals), 2))")
            reasons.append("\(models.platform.tier(followers: pool.followers[c])?.name ?? "sub-nano") creator, \(ReasonWriter.amount(Double(pool.followers[c]))) followers")
            return ShortlistEntry(
                rank: rank + 1, creator_id: pool.ids[c], username: pool.usernames[c], followers: pool.followers[c],
                tier: models.platform.tier(followers: pool.followers[c])?.name,
                score: Self.rounded(Double(candidate.score)), similarity: Self.rounded(similarity), score_parts: nil, reasons: reasons)
        }
        let writer = ReasonWriter(models: models, ranking: ranking, filters: filters, recentDays: 0)
        return LookalikeReport(
            creator_id: creator.rawValue, k: k, candidates: pool.ids.count,
            filters: Array(writer.filterDescriptions.dropFirst()), creators: entries)
    }
}
