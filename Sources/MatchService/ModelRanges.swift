import MatchCore

/// The documented range of every number in `Models/`, checked when a file is loaded: a value out of
/// range (a weight of 1e308, a negative share, a window of a trillion days) would otherwise flow into
/// scores and rates as infinities or nonsense. One schema per file, written as the file reads; the
/// message names the file, the key, the allowed range and the value found.
protocol RangeChecked {
    func checkRanges(_ check: inout RangeCheck)
}

struct RangeCheck {
    let file: String
    private(set) var problems: [String] = []

    init(file: String) {
        self.file = file
    }

    /// A number within `range` (finite by construction of the range).
    mutating func number(_ key: String, _ value: Double, _ range: ClosedRange<Double>) {
        guard value.isFinite, range.contains(value) else {
            problems.append("\(key) must be a number from \(Self.show(range.lowerBound)) to \(Self.show(range.upperBound)), got \(Self.show(value))")
            return
        }
    }

    /// A number above `lower` (exclusive) and at most `upper`.
    mutating func positive(_ key: String, _ value: Double, upTo upper: Double) {
        guard value.isFinite, value > 0, value <= upper else {
            problems.append("\(key) must be a number above 0 and at most \(Self.show(upper)), got \(Self.show(value))")
            return
        }
    }

    mutating func int(_ key: String, _ value: Int, _ range: ClosedRange<Int>) {
        guard range.contains(value) else {
            problems.append("\(key) must be a whole number from \(range.lowerBound) to \(range.upperBound), got \(value)")
            return
        }
    }

    mutating func require(_ condition: Bool, _ key: String, _ message: String) {
        if !condition { problems.append("\(key) \(message)") }
    }

    mutating func ascending(_ key: String, _ values: [Double], strictly: Bool = true) {
        for i in values.indices.dropFirst() where strictly ? !(values[i - 1] < values[i]) : !(values[i - 1] <= values[i]) {
            problems.append("\(key) must be in \(strictly ? "strictly " : "")ascending order, but \(Self.show(values[i - 1])) comes before \(Self.show(values[i]))")
            return
        }
    }

    mutating func rates(_ key: String, _ range: CommissionModel.Range3, _ allowed: ClosedRange<Int>) {
        int("\(key).low", range.low, allowed)
        int("\(key).typical", range.typical, allowed)
        int("\(key).high", range.high, allowed)
        require(range.low <= range.typical && range.typical <= range.high, key, "must have low <= typical <= high, got \(range.low), \(range.typical), \(range.high)")
    }

    func finish() throws(MatchError) {
        guard let first = problems.first else { return }
        let more = problems.count > 1 ? " (and \(problems.count - 1) more: \(problems.dropFirst().prefix(3).joined(separator: "; ")))" : ""
        throw MatchError(.modelFiles, "\(file): \(first)\(more); fix the file (its documented ranges are in Sources/MatchService/ModelRanges.swift)")
    }

    static func show(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-infinity" : "infinity" }
        return JSONText.number(value)
    }
}

/// Shares, weights and money amounts share these bounds.
private let share = 0.0...1.0
private let manyDays = 0...3650
private let largeCount = 0...1_000_000
private let amount = 0.0...1e12

extension RankingModel: RangeChecked {
    func checkRanges(_ c: inout RangeCheck) {
        c.number("weights.similarity", weights.similarity, share)
        c.number("weights.sales_strength", weights.sales_strength, share)
        c.number("weights.post_rate", weights.post_rate, share)
        c.number("weights.commission_fit", weights.commission_fit, share)
        c.require(weights.similarity + weights.sales_strength + weights.post_rate + weights.commission_fit > 0, "weights", "must not all be 0")
        c.positive("sales_strength.gmv_cap", sales_strength.gmv_cap, upTo: 1e12)
        c.positive("sales_strength.gpm_cap", sales_strength.gpm_cap, upTo: 1e9)
        c.number("sales_strength.gmv_weight", sales_strength.gmv_weight, share)
        c.number("sales_strength.gpm_weight", sales_strength.gpm_weight, share)
        c.number("sales_strength.related_category_credit", sales_strength.related_category_credit, share)
        c.number("sales_strength.missing_gmv_discount", sales_strength.missing_gmv_discount, share)
        c.number("post_rate.missing", post_rate.missing, share)
        c.positive("commission_fit.zero_fit_points_below_average", commission_fit.zero_fit_points_below_average, upTo: 80)
        c.number("commission_fit.missing", commission_fit.missing, share)
        c.int("recently_invited_days", recently_invited_days, manyDays)
        c.positive("max_shortlist_share", max_shortlist_share, upTo: 1)
        c.int("max_shortlist_share_from_products", max_shortlist_share_from_products, 1...1_000_000)
    }
}

extension PlatformFacts: RangeChecked {
    func checkRanges(_ c: inout RangeCheck) {
        c.int("rate_cut_delay_days.target_collaboration", rate_cut_delay_days.target_collaboration, 0...365)
        c.int("rate_cut_delay_days.open_collaboration_existing_promoters", rate_cut_delay_days.open_collaboration_existing_promoters, 0...365)
        c.int("target_collaboration.max_creators", target_collaboration.max_creators, 1...10_000)
        c.int("target_collaboration.max_products", target_collaboration.max_products, 1...10_000)
        c.require(!follower_tiers.isEmpty, "follower_tiers", "must list at least one tier")
        for (i, tier) in follower_tiers.enumerated() {
            c.int("follower_tiers[\(i)].min_followers", tier.min_followers, 0...10_000_000_000)
            c.require(!tier.name.isEmpty, "follower_tiers[\(i)].name", "must not be empty")
        }
        c.ascending("follower_tiers[].min_followers", follower_tiers.map { Double($0.min_followers) })
        c.require(Set(follower_tiers.map(\.name)).count == follower_tiers.count, "follower_tiers", "must not name a tier twice")
    }
}

extension CommissionModel: RangeChecked {
    func checkRanges(_ c: inout RangeCheck) {
        let rates = CommissionRate.validRange
        c.int("performance_window_days", performance_window_days, 1...3650)
        c.positive("top_share", top_share, upTo: 1)
        c.number("market_percentile", market_percentile, share)
        c.require(band_percentiles.count == 2, "band_percentiles", "must hold two percentiles [low, high]")
        for (i, p) in band_percentiles.enumerated() { c.number("band_percentiles[\(i)]", p, share) }
        c.ascending("band_percentiles", band_percentiles, strictly: false)
        c.int("round_to", round_to, 1...1000)
        c.number("prior_strength", prior_strength, 0...1e6)
        c.int("platform_fee_rate", platform_fee_rate, 0...10_000)
        c.rates("target_premium", target_premium, 0...rates.upperBound)
        c.int("target_minimum_rate", target_minimum_rate, rates)
        c.int("response.min_invitations", response.min_invitations, largeCount)
        c.int("response.min_products", response.min_products, largeCount)
        c.int("response.bin_width", response.bin_width, 1...rates.upperBound)
        for (name, range) in priors.groups.sorted(by: { $0.key < $1.key }) { c.rates("priors.groups.\(name)", range, rates) }
        for (name, range) in priors.categories.sorted(by: { $0.key < $1.key }) { c.rates("priors.categories.\(name)", range, rates) }
    }
}

extension SampleModel: RangeChecked {
    func checkRanges(_ c: inout RangeCheck) {
        c.number("shipping_cost", shipping_cost, 0...1e6)
        c.number("unit_cost_share_when_margin_missing", unit_cost_share_when_margin_missing, share)
        c.number("min_fit", min_fit, share)
        c.number("min_fulfillment", min_fulfillment, share)
        c.number("min_gmv_per_cost", min_gmv_per_cost, 0...1e6)
        c.number("default_fulfillment", default_fulfillment, share)
        c.number("prior_weight", prior_weight, 0...1e6)
        c.int("sales_window_days", sales_window_days, 1...3650)
        c.int("policy.min_past_requests", policy.min_past_requests, largeCount)
        for (i, v) in policy.followers.enumerated() { c.int("policy.followers[\(i)]", v, 0...10_000_000_000) }
        for (i, v) in policy.gmv_30d.enumerated() { c.number("policy.gmv_30d[\(i)]", v, amount) }
        for (i, v) in policy.fulfillment.enumerated() { c.number("policy.fulfillment[\(i)]", v, share) }
    }
}

extension ReportModel: RangeChecked {
    func checkRanges(_ c: inout RangeCheck) {
        c.int("remove_after_invitations", remove_after_invitations, 1...1_000_000)
        c.int("stop_after_accepted", stop_after_accepted, 1...1_000_000)
        c.number("reinvite_min_gmv", reinvite_min_gmv, amount)
        c.int("top_creators", top_creators, 1...10_000)
        c.int("health_runs", health_runs, 1...10_000)
    }
}

extension FeatureSpec: RangeChecked {
    func checkRanges(_ c: inout RangeCheck) {
        c.number("weights.category", weights.category, 0...10)
        c.number("weights.audience", weights.audience, 0...10)
        c.number("weights.price", weights.price, 0...10)
        c.number("weights.content", weights.content, 0...10)
        c.require(weights.category + weights.audience + weights.price + weights.content > 0, "weights", "must not all be 0")
        c.number("parent_credit", parent_credit, share)
        c.require((1...100).contains(price_edges.count), "price_edges", "must hold 1 to 100 prices")
        for (i, edge) in price_edges.enumerated() { c.positive("price_edges[\(i)]", edge, upTo: 1e9) }
        c.ascending("price_edges", price_edges)
        c.number("neighbour_credit", neighbour_credit, share)
        c.require(!age_buckets.isEmpty, "age_buckets", "must list at least one bucket")
        c.require(!content_types.isEmpty, "content_types", "must list at least one content type")
        c.number("prior_sellers", prior_sellers, 0...1e6)
    }
}
