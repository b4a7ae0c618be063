/// Thresholds of the affiliate-collaboration eligibility rules for one region
/// (`Models/policies/NAME.json`). Rates are kept in hundredths of a percent so that the strict
/// "<" comparisons are exact integer arithmetic: 1% is 100, 0.7% is 70.
public struct EligibilityPolicy: Sendable, Equatable {
    public let name: String
    public let version: Int
    public let regions: [String]
    public let source: String
    /// A shop passes with a store rating >= this.
    public let minStoreRating: Double
    /// A counterfeit violation dated d disqualifies while asOf - lookback < d <= asOf.
    public let counterfeitLookbackDays: Int
    /// The negative-review rule applies once a product has at least this many reviews.
    public let negativeReviewMinReviews: Int
    /// Negative reviews / orders must stay strictly below this, per group (hundredths of a percent).
    public let negativeReviewMaxRate: [CategoryGroup: Int]
    /// The return & refund rule applies once a product has at least this many return/refund cases.
    public let returnRefundMinCases: Int
    /// Seller-fault return/refund cases / orders must stay strictly below this, per group.
    public let returnRefundMaxRate: [CategoryGroup: Int]

    public init(
        name: String, version: Int, regions: [String], source: String,
        minStoreRating: Double, counterfeitLookbackDays: Int,
        negativeReviewMinReviews: Int, negativeReviewMaxRate: [CategoryGroup: Int],
        returnRefundMinCases: Int, returnRefundMaxRate: [CategoryGroup: Int]
    ) {
        self.name = name
        self.version = version
        self.regions = regions
        self.source = source
        self.minStoreRating = minStoreRating
        self.counterfeitLookbackDays = counterfeitLookbackDays
        self.negativeReviewMinReviews = negativeReviewMinReviews
        self.negativeReviewMaxRate = negativeReviewMaxRate
        self.returnRefundMinCases = returnRefundMinCases
        self.returnRefundMaxRate = returnRefundMaxRate
    }

    /// The file's shape; percentages are written as people read them (`"electronics": 1.0`).
    public struct File: Decodable, Sendable {
        public struct Shop: Decodable, Sendable {
            public let min_store_rating: Double
            public let counterfeit_lookback_days: Int
        }
        public struct RateRule: Decodable, Sendable {
            public let min_count: Int
            public let max_rate_percent: [String: Double]
        }
        public let name: String
        public let version: Int
        public let regions: [String]?
        public let source: String
        public let shop: Shop
        public let negative_review_rate: RateRule
        public let seller_fault_return_refund_rate: RateRule
    }

    /// Validates a decoded file; `fileName` appears in every message.
    public init(file: File, fileName: String) throws(MatchError) {
        func rates(_ rule: File.RateRule, _ field: String) throws(MatchError) -> [CategoryGroup: Int] {
            var result: [CategoryGroup: Int] = [:]
            for (key, percent) in rule.max_rate_percent {
                guard let group = CategoryGroup(rawValue: key) else {
                    throw MatchError(.modelFiles, "\(fileName): \(field) names unknown group \"\(key)\"; use electronics, fashion_lifestyle or fmcg")
                }
                let hundredths = (percent * 100).rounded()
                guard percent.isFinite, percent > 0, percent <= 100, abs(hundredths - percent * 100) < 1e-6 else {
                    throw MatchError(.modelFiles, "\(fileName): \(field).\(key) must be a percentage in (0, 100] with at most two decimals")
                }
                result[group] = Int(hundredths)
            }
            for group in CategoryGroup.allCases where result[group] == nil {
                throw MatchError(.modelFiles, "\(fileName): \(field) has no threshold for \(group.rawValue); add one")
            }
            return result
        }
        guard (0...5).contains(file.shop.min_store_rating) else {
            throw MatchError(.modelFiles, "\(fileName): shop.min_store_rating must be within 0...5")
        }
        guard file.shop.counterfeit_lookback_days >= 0,
              file.negative_review_rate.min_count >= 0, file.seller_fault_return_refund_rate.min_count >= 0 else {
            throw MatchError(.modelFiles, "\(fileName): day and count thresholds must not be negative")
        }
        self.init(
            name: file.name, version: file.version, regions: file.regions ?? [], source: file.source,
            minStoreRating: file.shop.min_store_rating,
            counterfeitLookbackDays: file.shop.counterfeit_lookback_days,
            negativeReviewMinReviews: file.negative_review_rate.min_count,
            negativeReviewMaxRate: try rates(file.negative_review_rate, "negative_review_rate.max_rate_percent"),
            returnRefundMinCases: file.seller_fault_return_refund_rate.min_count,
            returnRefundMaxRate: try rates(file.seller_fault_return_refund_rate, "seller_fault_return_refund_rate.max_rate_percent")
        )
    }
}
