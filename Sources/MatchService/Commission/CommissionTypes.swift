import MatchCore

/// A commission suggestion with its evidence; rates in hundredths of a percent.
public struct CommissionSuggestion: Codable, Sendable {
    public struct Band: Codable, Sendable, Equatable {
        public let low: Int
        public let high: Int
    }
    public struct Market: Codable, Sendable {
        public let window_days: Int
        public let products: Int
        public let products_with_sales: Int
        public let top_share: Double
        public let top_performers: Int
        /// min, p25, median, p75, max of the top performers' rates (nil without sales).
        public let rates: [String: Double]?
        public let market_rate: Int?
        /// Share of top performers whose rate is at or below the suggestion.
        public let suggestion_percentile: Double?
        public let note: String
    }
    public struct Prior: Codable, Sendable {
        public let low: Int
        public let typical: Int
        public let high: Int
        public let from: String
        public let source: String
    }
    public struct CurvePoint: Codable, Sendable, Equatable {
        public let rate: Int
        public let fitted: Double
        public let observations: Double
    }
    public struct Response: Codable, Sendable {
        public let fitted: Bool
        public let note: String
        /// Share of invitations accepted, by offered rate (monotone fit).
        public let acceptance: [CurvePoint]
        /// Creators with sales per product, by the product's rate (monotone fit).
        public let creators_with_sales: [CurvePoint]
        /// GMV per product in the window, by the product's rate (monotone fit).
        public let gmv_per_product: [CurvePoint]
        public let what_if: WhatIf?
    }
    public struct WhatIf: Codable, Sendable {
        public let from_rate: Int
        public let to_rate: Int
        public let accepting_per_100_invited_change: Double?
        public let creators_with_sales_per_product_change: Double?
        public let commission_per_sale_change: Double
        public let text: String
    }
    public struct GuardRails: Codable, Sendable {
        public let min_rate: Int
        public let max_rate: Int
        public let margin_rate: Int?
        public let platform_fee_rate: Int
        public let margin_cap: Int?
        public let capped_by_margin: Bool
        public let warnings: [String]
    }

    public let scope: String
    public let category: String
    public let product_id: String?
    public let as_of: String
    public let suggested_rate: Int
    public let band: Band
    public let target_premium: Int
    public let target_rate: Int
    public let current_rate: Int?
    public let market_weight: Double
    public let market: Market
    public let prior: Prior
    public let response: Response
    public let guard_rails: GuardRails
    public let explanation: [String]
}

public enum CommissionScope: Sendable {
    case category(String)
    case product(ProductID)
}
