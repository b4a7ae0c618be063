public enum ShopStatus: String, CaseIterable, Sendable {
    case active
    case deactivated
}

public enum ProductStatus: String, CaseIterable, Sendable {
    case live
    case outOfStock = "out_of_stock"
    case frozen
    case delisted
}

/// Ordered from best to worst, so the status of a product is `max` of its own and its shop's.
public enum EligibilityStatus: String, Comparable, CaseIterable, Sendable {
    case eligible
    case temporarilyDisqualified = "temporarily_disqualified"
    case permanentlyDisqualified = "permanently_disqualified"

    private var severity: Int {
        switch self {
        case .eligible: 0
        case .temporarilyDisqualified: 1
        case .permanentlyDisqualified: 2
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.severity < rhs.severity }

    public var displayName: String {
        switch self {
        case .eligible: "eligible"
        case .temporarilyDisqualified: "temporarily disqualified"
        case .permanentlyDisqualified: "permanently disqualified"
        }
    }
}

/// What the eligibility rules need to know about a shop.
public struct ShopFacts: Sendable {
    public var id: ShopID
    public var rating: Double
    public var status: ShopStatus
    public var region: String?
    public var counterfeitViolations: [Day]

    public init(id: ShopID, rating: Double, status: ShopStatus, region: String? = nil, counterfeitViolations: [Day] = []) {
        self.id = id
        self.rating = rating
        self.status = status
        self.region = region
        self.counterfeitViolations = counterfeitViolations
    }
}

/// What the eligibility rules need to know about a product. Counts are nil when the seller's data
/// does not carry them.
public struct ProductFacts: Sendable {
    public var id: ProductID
    public var shopID: ShopID
    public var group: CategoryGroup
    public var status: ProductStatus
    public var orders: Int?
    public var reviews: Int?
    public var negativeReviews: Int?
    public var returnRefundCases: Int?
    public var sellerFaultReturnRefundCases: Int?

    public init(
        id: ProductID, shopID: ShopID, group: CategoryGroup, status: ProductStatus,
        orders: Int? = nil, reviews: Int? = nil, negativeReviews: Int? = nil,
        returnRefundCases: Int? = nil, sellerFaultReturnRefundCases: Int? = nil
    ) {
        self.id = id
        self.shopID = shopID
        self.group = group
        self.status = status
        self.orders = orders
        self.reviews = reviews
        self.negativeReviews = negativeReviews
        self.returnRefundCases = returnRefundCases
        self.sellerFaultReturnRefundCases = sellerFaultReturnRefundCases
    }
}

/// One rule checked against one shop or product.
public struct EligibilityFinding: Sendable, Equatable {
    public enum Rule: String, Sendable {
        case shopAccountStatus = "shop.account_status"
        case storeRating = "shop.store_rating"
        case counterfeitViolations = "shop.counterfeit_violations"
        case productStatus = "product.status"
        case shopEligibility = "product.shop_eligibility"
        case negativeReviewRate = "product.negative_review_rate"
        case sellerFaultReturnRefundRate = "product.seller_fault_return_refund_rate"
    }

    public enum Outcome: String, Sendable {
        case pass
        case fail
        /// The rule's minimum sample is not reached (fewer than 5 reviews, …).
        case notApplicable = "not_applicable"
        /// The rule applies but a count it needs is missing from the data.
        case notEvaluated = "not_evaluated"
    }

    /// What must change for a temporary failure to clear.
    public enum Requalification: Sendable, Equatable {
        /// Orders without a negative review (or without a seller-fault return) still needed.
        case additionalOrders(Int)
        /// The day the newest violation leaves the look-back window, if no new one comes.
        case windowExpires(on: Day)
        /// How much the store rating must rise.
        case raiseRating(by: Double)
    }

    public let rule: Rule
    public let outcome: Outcome
    /// The effect of a failure: temporary unless the rule is a permanent one.
    public let effect: EligibilityStatus
    /// The measured value (a rating, a percentage, a count); nil when not measured.
    public let measured: Double?
    /// The threshold it is compared with, in the same unit.
    public let threshold: Double?
    public let unit: String
    /// One sentence for people: what was measured against what.
    public let message: String
    public let requalification: Requalification?
    /// One sentence for people: what must change (nil unless the finding is a temporary failure).
    public let toRequalify: String?

    public var disqualifies: Bool { outcome == .fail }
}

public struct EligibilityVerdict: Sendable {
    public let status: EligibilityStatus
    /// Every rule checked, passing ones included.
    public let findings: [EligibilityFinding]
    /// The failing findings: why the status is what it is.
    public var reasons: [EligibilityFinding] { findings.filter(\.disqualifies) }

    public init(findings: [EligibilityFinding]) {
        self.findings = findings
        self.status = findings.filter(\.disqualifies).map(\.effect).max() ?? .eligible
    }
}

/// The affiliate-collaboration eligibility rules of the source article, parameterized by a policy.
/// Pure functions of their inputs: the day is passed in, never read from a clock.
public struct EligibilityRules: Sendable {
    public let policy: EligibilityPolicy

    public init(policy: EligibilityPolicy) {
        self.policy = policy
    }

    public func evaluate(shop: ShopFacts, asOf: Day) -> EligibilityVerdict {
        var findings: [EligibilityFinding] = []
        let deactivated = shop.status == .deactivated
        findings.append(EligibilityFinding(
            rule: .shopAccountStatus, outcome: deactivated ? .fail : .pass, effect: .permanentlyDisqualified,
            measured: nil, threshold: nil, unit: "status",
            message: deactivated ? "seller account is deactivated (permanent)" : "seller account is active",
            requalification: nil, toRequalify: nil))

        let floor = policy.minStoreRating
        let ratingPasses = shop.rating >= floor
        let shortfall = ((floor - shop.rating) * 100).rounded(.up) / 100
        findings.append(EligibilityFinding(
            rule: .storeRating, outcome: ratingPasses ? .pass : .fail, effect: .temporarilyDisqualified,
            measured: shop.rating, threshold: floor, unit: "rating",
            message: "store rating \(Self.format(shop.rating)) \(ratingPasses ? ">=" : "is below the minimum") \(Self.format(floor))",
            requalification: ratingPasses ? nil : .raiseRating(by: shortfall),
            toRequalify: ratingPasses ? nil : "raise the store rating by \(Self.format(shortfall)) to at least \(Self.format(floor))"))

        let lookback = policy.counterfeitLookbackDays
        let windowStart = asOf.advanced(by: -lookback)
        let recent = shop.counterfeitViolations.filter { $0 > windowStart && $0 <= asOf }
        if let newest = recent.max() {
            let clears = newest.advanced(by: lookback)
            findings.append(EligibilityFinding(
                rule: .counterfeitViolations, outcome: .fail, effect: .temporarilyDisqualified,
                measured: Double(recent.count), threshold: 0, unit: "violations",
                message: "\(recent.count) counterfeit violation\(recent.count == 1 ? "" : "s") in the past \(lookback) days (newest \(newest))",
                requalification: .windowExpires(on: clears),
                toRequalify: "requalifies on \(clears), when the newest violation leaves the \(lookback)-day window, if no new one comes"))
        } else {
            findings.append(EligibilityFinding(
                rule: .counterfeitViolations, outcome: .pass, effect: .temporarilyDisqualified,
                measured: 0, threshold: 0, unit: "violations",
                message: "no counterfeit violation in the past \(lookback) days",
                requalification: nil, toRequalify: nil))
        }
        return EligibilityVerdict(findings: findings)
    }

    /// Evaluates a product; `shopVerdict` is its shop's verdict on the same day (a product's status is
    /// the worse of its own and its shop's).
    public func evaluate(product: ProductFacts, shopVerdict: EligibilityVerdict, asOf: Day) -> EligibilityVerdict {
        var findings: [EligibilityFinding] = []
        let permanentlyGone = product.status == .frozen || product.status == .delisted
        findings.append(EligibilityFinding(
            rule: .productStatus, outcome: permanentlyGone ? .fail : .pass, effect: .permanentlyDisqualified,
            measured: nil, threshold: nil, unit: "status",
            message: permanentlyGone ? "product is \(product.status.rawValue) (permanent)" : "product is \(product.status.rawValue.replacingUnderscores)",
            requalification: nil, toRequalify: nil))

        let shopFailures = shopVerdict.reasons
        findings.append(EligibilityFinding(
            rule: .shopEligibility, outcome: shopFailures.isEmpty ? .pass : .fail, effect: shopVerdict.status == .eligible ? .temporarilyDisqualified : shopVerdict.status,
            measured: nil, threshold: nil, unit: "status",
            message: shopFailures.isEmpty
                ? "shop \(product.shopID) is eligible"
                : "shop \(product.shopID) is \(shopVerdict.status.displayName): " + shopFailures.map(\.message).joined(separator: "; "),
            requalification: nil,
            toRequalify: shopVerdict.status == .temporarilyDisqualified ? shopFailures.compactMap(\.toRequalify).joined(separator: "; ") : nil))

        findings.append(rateFinding(
            rule: .negativeReviewRate, group: product.group,
            sample: product.reviews, sampleName: "reviews", minSample: policy.negativeReviewMinReviews,
            events: product.negativeReviews, eventsName: "negative reviews", rateName: "negative-review rate", eventsField: "negative_reviews",
            orders: product.orders, maxRate: policy.negativeReviewMaxRate[product.group]!,
            requalifyUnit: "without a negative review"))

        findings.append(rateFinding(
            rule: .sellerFaultReturnRefundRate, group: product.group,
            sample: product.returnRefundCases ?? product.sellerFaultReturnRefundCases,
            sampleName: "return/refund cases", minSample: policy.returnRefundMinCases,
            events: product.sellerFaultReturnRefundCases, eventsName: "seller-fault returns/refunds", rateName: "seller-fault return & refund rate",
            eventsField: "seller_fault_return_refund_cases",
            orders: product.orders, maxRate: policy.returnRefundMaxRate[product.group]!,
            requalifyUnit: "without a seller-fault return or refund"))
        return EligibilityVerdict(findings: findings)
    }

    /// A "events / orders < maxRate" rule that applies once `sample >= minSample`. Exact: compares
    /// `events * 10000 < maxRate * orders` in integers (maxRate in hundredths of a percent).
    private func rateFinding(
        rule: EligibilityFinding.Rule, group: CategoryGroup,
        sample: Int?, sampleName: String, minSample: Int,
        events: Int?, eventsName: String, rateName: String, eventsField: String,
        orders: Int?, maxRate: Int, requalifyUnit: String
    ) -> EligibilityFinding {
        let threshold = Double(maxRate) / 100
        let limit = "\(CommissionRate.formatPercent(maxRate)) for \(group.displayName)"
        guard let sample, sample >= minSample else {
            return EligibilityFinding(
                rule: rule, outcome: .notApplicable, effect: .temporarilyDisqualified,
                measured: nil, threshold: threshold, unit: "percent",
                message: "\(sample ?? 0) \(sampleName); the rule applies from \(minSample)",
                requalification: nil, toRequalify: nil)
        }
        guard let events, let orders else {
            let missing = events == nil ? eventsField : "orders"
            return EligibilityFinding(
                rule: rule, outcome: .notEvaluated, effect: .temporarilyDisqualified,
                measured: nil, threshold: threshold, unit: "percent",
                message: "\(sample) \(sampleName) but no \(missing) in the data; import \(missing) to evaluate this rule",
                requalification: nil, toRequalify: nil)
        }
        let passes = events * 10_000 < maxRate * orders
        let measured = orders > 0 ? Double(events) * 100 / Double(orders) : (events > 0 ? Double.infinity : 0)
        let measuredText = orders > 0 ? Self.formatPercentValue(measured) : (events > 0 ? "undefined (no orders)" : "0%")
        if passes {
            return EligibilityFinding(
                rule: rule, outcome: .pass, effect: .temporarilyDisqualified,
                measured: measured, threshold: threshold, unit: "percent",
                message: "\(rateName) \(measuredText) (\(events) of \(orders) orders) is below \(limit)",
                requalification: nil, toRequalify: nil)
        }
        // Smallest order count O' with events * 10000 < maxRate * O'.
        let ordersNeeded = events * 10_000 / maxRate + 1
        let more = ordersNeeded - orders
        return EligibilityFinding(
            rule: rule, outcome: .fail, effect: .temporarilyDisqualified,
            measured: measured.isFinite ? measured : nil, threshold: threshold, unit: "percent",
            message: "\(rateName) \(measuredText) (\(events) of \(orders) orders) is not below \(limit)",
            requalification: .additionalOrders(more),
            toRequalify: "\(more) more order\(more == 1 ? "" : "s") \(requalifyUnit) (\(ordersNeeded) orders in all with \(events) \(eventsName))")
    }

    /// Up to three decimals, no trailing zeros: 2.5, 2.49, 0.667.
    public static func format(_ value: Double) -> String {
        let scaled = (value * 1000).rounded()
        var text = String(Int(scaled) / 1000)
        var fraction = abs(Int(scaled) % 1000)
        if value < 0, Int(scaled) / 1000 == 0, scaled != 0 { text = "-" + text }
        guard fraction != 0 else { return text }
        var digits = 3
        while fraction % 10 == 0 { fraction /= 10; digits -= 1 }
        let fractionText = String(fraction)
        return text + "." + String(repeating: "0", count: digits - fractionText.count) + fractionText
    }

    public static func formatPercentValue(_ percent: Double) -> String { format(percent) + "%" }
}

extension String {
    var replacingUnderscores: String { String(map { $0 == "_" ? " " : $0 }) }
}
