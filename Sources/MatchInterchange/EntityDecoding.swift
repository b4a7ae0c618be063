import MatchCore

/// Turns one record's fields into a validated entity. Pure: references to other records (a
/// product's shop, an outcome's creator) and vector dimensions are checked by the importer,
/// which sees the database.
public struct EntityDecoder: Sendable {
    public let taxonomy: Taxonomy
    /// Where the taxonomy comes from, for the "extend this file" message.
    public let taxonomyFile: String

    /// Shares may add up to a little over 1 when each was rounded to two decimals.
    static let shareTotalTolerance = 1.015

    public init(taxonomy: Taxonomy, taxonomyFile: String) {
        self.taxonomy = taxonomy
        self.taxonomyFile = taxonomyFile
    }

    public func shop(_ f: FieldSet) throws(FieldError) -> Shop {
        var violations: [Day] = []
        for (i, item) in (try f.optionalList("counterfeit_violations") ?? []).enumerated() {
            violations.append(try f.day("counterfeit_violations[\(i)]", item))
        }
        return Shop(
            id: try f.requiredID("id", ShopID.self),
            name: try f.optionalString("name"),
            region: try f.optionalString("region")?.uppercased(),
            rating: try f.requiredNumber("rating", in: 0...5, expected: "a store rating from 0 to 5"),
            status: try f.requiredEnum("status", ShopStatus.self),
            counterfeitViolations: violations.sorted())
    }

    public func product(_ f: FieldSet) throws(FieldError) -> Product {
        let id = try f.requiredID("id", ProductID.self)
        let shopID = try f.requiredID("shop_id", ShopID.self)
        let categoryName = try f.requiredString("category")
        let category = try self.category(categoryName, field: "category")
        let count = Plausible.countText
        let reviews = try f.optionalInt("reviews", in: Plausible.count, expected: count)
        let negativeReviews = try f.optionalInt("negative_reviews", in: Plausible.count, expected: count)
        if let reviews, let negativeReviews, negativeReviews > reviews {
            throw FieldError(field: "negative_reviews", "is \(negativeReviews) but the product has only \(reviews) reviews; fix either count")
        }
        let cases = try f.optionalInt("return_refund_cases", in: Plausible.count, expected: count)
        let sellerFault = try f.optionalInt("seller_fault_return_refund_cases", in: Plausible.count, expected: count)
        if let cases, let sellerFault, sellerFault > cases {
            throw FieldError(field: "seller_fault_return_refund_cases", "is \(sellerFault) but the product has only \(cases) return/refund cases; fix either count")
        }
        return Product(
            id: id, shopID: shopID,
            title: try f.optionalString("title"),
            category: category.name, group: category.group,
            price: try positivePrice(f),
            currency: try f.optionalString("currency")?.uppercased(),
            status: try f.requiredEnum("status", ProductStatus.self),
            commissionRate: try commissionRate(f, "commission_rate"),
            marginRate: try f.optionalInt(
                "margin_rate", in: CommissionRate.marginRange,
                expected: "a whole number of hundredths of a percent from 0 to 10000 (2500 = 25%)"),
            orders: try f.optionalInt("orders", in: Plausible.count, expected: count),
            reviews: reviews, negativeReviews: negativeReviews,
            returnRefundCases: cases, sellerFaultReturnRefundCases: sellerFault,
            vector: try vector(f))
    }

    public func creator(_ f: FieldSet) throws(FieldError) -> Creator {
        let share = 0.0...1.0
        return Creator(
            id: try f.requiredID("id", CreatorID.self),
            username: try f.optionalString("username"),
            followers: try f.requiredInt("followers", in: Plausible.count, expected: Plausible.countText),
            categories: try categoryShares(f),
            gmv30d: try metric(f, "gmv_30d"),
            gpm: try metric(f, "gpm"),
            unitsSold30d: try metric(f, "units_sold_30d"),
            avgViews: try f.optionalNumber("avg_views", in: Plausible.views, expected: Plausible.viewsText),
            engagementRate: try f.optionalNumber("engagement_rate", in: share, expected: "a fraction from 0 to 1 (0.05 = 5%)"),
            postRate: try f.optionalNumber("post_rate", in: share, expected: "a fraction from 0 to 1 (0.4 = 40%)"),
            avgCommissionRate: try commissionRate(f, "avg_commission_rate"),
            audience: try audience(f),
            contentTypes: try contentTypes(f),
            vector: try vector(f),
            priceRange: try metric(f, "price_range"))
    }

    public func outcome(_ f: FieldSet) throws(FieldError) -> Outcome {
        Outcome(
            creatorID: try f.requiredID("creator_id", CreatorID.self),
            productID: try f.requiredID("product_id", ProductID.self),
            date: try f.requiredDay("date"),
            orders: try f.requiredInt("orders", in: Plausible.count, expected: Plausible.countText),
            gmv: try f.requiredNumber("gmv", in: Plausible.amount, expected: Plausible.amountText),
            commissionRate: try commissionRate(f, "commission_rate", required: true)!,
            contentType: try f.optionalEnum("content_type", ContentType.self))
    }

    public func invitation(_ f: FieldSet) throws(FieldError) -> Invitation {
        let sentAt = try f.requiredString("sent_at")
        guard let day = Day(iso8601: sentAt) else {
            throw FieldError(field: "sent_at", "expected an ISO 8601 date or timestamp (\"2026-11-25\" or \"2026-11-25T09:30:00Z\"), got \"\(sentAt.prefixForMessage)\"")
        }
        return Invitation(
            creatorID: try f.requiredID("creator_id", CreatorID.self),
            productID: try f.requiredID("product_id", ProductID.self),
            sentAt: sentAt, sentDay: day,
            status: try f.requiredEnum("status", InvitationStatus.self),
            commissionRate: try commissionRate(f, "commission_rate"))
    }

    public func sampleRequest(_ f: FieldSet) throws(FieldError) -> SampleRequest {
        let id = try f.requiredIDText("id")
        let requestedAt = try f.requiredString("requested_at")
        guard let day = Day(iso8601: requestedAt) else {
            throw FieldError(field: "requested_at", "expected an ISO 8601 date or timestamp (\"2026-11-25\" or \"2026-11-25T09:30:00Z\"), got \"\(requestedAt.prefixForMessage)\"")
        }
        let count = Plausible.countText
        return SampleRequest(
            id: id, creatorID: try f.requiredID("creator_id", CreatorID.self), productID: try f.requiredID("product_id", ProductID.self),
            requestedAt: requestedAt, requestedDay: day, status: try f.requiredEnum("status", SampleStatus.self),
            followers: try f.optionalInt("followers", in: Plausible.count, expected: count),
            gmv30d: try f.optionalNumber("gmv_30d", in: Plausible.amount, expected: Plausible.amountText),
            contentCount: try f.optionalInt("content_count", in: Plausible.count, expected: count),
            medianVideoViews: try f.optionalInt("median_video_views", in: Plausible.count, expected: count),
            fulfillmentRate: try f.optionalNumber("fulfillment_rate", in: 0...1, expected: "a share from 0 to 1 (0.8 = 80% of samples posted)"))
    }

    // MARK: shared field rules

    private func positivePrice(_ f: FieldSet) throws(FieldError) -> Double {
        let price = try f.requiredNumber("price", expected: "a number > 0")
        guard price > 0 else { throw FieldError(field: "price", "expected a number > 0, got \(FieldSet.format(price))") }
        guard price <= Plausible.amount.upperBound else { throw FieldError(field: "price", "expected \(Plausible.priceText), got \(FieldSet.format(price))") }
        return price
    }

    private func commissionRate(_ f: FieldSet, _ field: String, required: Bool = false) throws(FieldError) -> Int? {
        let expected = "a whole number of hundredths of a percent from 100 to 8000 (1200 = 12%)"
        if required { return try f.requiredInt(field, in: CommissionRate.validRange, expected: expected) }
        return try f.optionalInt(field, in: CommissionRate.validRange, expected: expected)
    }

    private func category(_ name: String, field: String) throws(FieldError) -> Category {
        guard let category = taxonomy.category(named: name) else {
            throw FieldError(field: field, "category \"\(name.prefixForMessage)\" is not in the taxonomy; use a platform category name or add it to \(taxonomyFile)")
        }
        return category
    }

    private func categoryShares(_ f: FieldSet) throws(FieldError) -> [String: Double] {
        guard let value = f.value("categories") else { return [:] }
        var shares: [String: Double] = [:]
        switch value {
        case .object(let entries):
            for (name, shareValue) in entries {
                let field = "categories.\(name)"
                let share = try f.number(field, shareValue, range: 0...1, expected: "a share of GMV from 0 to 1")
                shares[try category(name, field: field).name, default: 0] += share
            }
        default:
            guard let items = try f.optionalList("categories") else { return [:] }
            var names: [String] = []
            for (i, item) in items.enumerated() {
                guard case .string(let name) = item else {
                    throw FieldError(field: "categories[\(i)]", "expected a category name, got \(item.kindDescription)")
                }
                names.append(try category(name, field: "categories[\(i)]").name)
            }
            for name in names { shares[name, default: 0] += 1 / Double(names.count) }
        }
        let total = shares.values.reduce(0, +)
        guard total <= Self.shareTotalTolerance else {
            throw FieldError(field: "categories", "shares add up to \(FieldSet.format(total)); give each category's share of GMV as a fraction so they add up to at most 1")
        }
        return shares
    }

    /// A number, `{"min": a, "max": b}`, `[a, b]`, or in CSV "a-b".
    private func metric(_ f: FieldSet, _ field: String) throws(FieldError) -> MetricRange? {
        guard let value = f.value(field) else { return nil }
        let expected = "\(Plausible.amountText) or a range {\"min\": a, \"max\": b}"
        let nonNegative = Plausible.amount
        var low: Double
        var high: Double
        switch value {
        case .number:
            low = try f.number(field, value, range: nonNegative, expected: expected)
            high = low
        case .object(let bounds):
            guard let minValue = bounds["min"], let maxValue = bounds["max"] else {
                throw FieldError(field: field, "a range needs both \"min\" and \"max\"")
            }
            low = try f.number("\(field).min", minValue, range: nonNegative, expected: Plausible.amountText)
            high = try f.number("\(field).max", maxValue, range: nonNegative, expected: Plausible.amountText)
        case .array(let bounds) where bounds.count == 2:
            low = try f.number("\(field)[0]", bounds[0], range: nonNegative, expected: Plausible.amountText)
            high = try f.number("\(field)[1]", bounds[1], range: nonNegative, expected: Plausible.amountText)
        case .string(let text) where f.isCSV:
            let parts = text.split(separator: "-", omittingEmptySubsequences: false)
            if parts.count == 2 {
                low = try f.number(field, .string(String(parts[0])), range: nonNegative, expected: expected)
                high = try f.number(field, .string(String(parts[1])), range: nonNegative, expected: expected)
            } else {
                low = try f.number(field, value, range: nonNegative, expected: expected)
                high = low
            }
        default:
            throw FieldError(field: field, "expected \(expected), got \(value.kindDescription)")
        }
        guard low <= high else {
            throw FieldError(field: field, "range minimum \(FieldSet.format(low)) is above its maximum \(FieldSet.format(high)); swap them")
        }
        return MetricRange(min: low, max: high)
    }

    private func nestedObject(_ f: FieldSet, _ field: String) throws(FieldError) -> [String: JSONValue]? {
        guard let value = f.value(field) else { return nil }
        if f.isCSV {
            throw FieldError(field: field, "is a nested object, which CSV cannot carry; import creators with this field as JSON Lines")
        }
        guard case .object(let object) = value else {
            throw FieldError(field: field, "expected an object, got \(value.kindDescription)")
        }
        return object
    }

    private func audience(_ f: FieldSet) throws(FieldError) -> [String: [String: Double]]? {
        guard let dimensions = try nestedObject(f, "audience") else { return nil }
        var audience: [String: [String: Double]] = [:]
        for (dimension, bucketsValue) in dimensions {
            guard case .object(let buckets) = bucketsValue else {
                throw FieldError(field: "audience.\(dimension)", "expected an object of bucket → share, got \(bucketsValue.kindDescription)")
            }
            var shares: [String: Double] = [:]
            for (bucket, shareValue) in buckets {
                shares[bucket.lowercased()] = try f.number(
                    "audience.\(dimension).\(bucket)", shareValue, range: 0...1, expected: "a share from 0 to 1")
            }
            let total = shares.values.reduce(0, +)
            guard total <= Self.shareTotalTolerance else {
                throw FieldError(field: "audience.\(dimension)", "shares add up to \(FieldSet.format(total)); give fractions that add up to at most 1")
            }
            audience[dimension.lowercased()] = shares
        }
        return audience
    }

    private func contentTypes(_ f: FieldSet) throws(FieldError) -> [ContentType: Double]? {
        guard let value = f.value("content_types") else { return nil }
        var shares: [ContentType: Double] = [:]
        if case .object(let entries) = value {
            for (name, shareValue) in entries {
                let field = "content_types.\(name)"
                guard let type = ContentType(rawValue: name.lowercased()) else {
                    throw FieldError(field: field, "unknown content type; use video, live or showcase")
                }
                shares[type] = try f.number(field, shareValue, range: 0...1, expected: "a share from 0 to 1")
            }
        } else {
            let items = try f.optionalList("content_types") ?? []
            for (i, item) in items.enumerated() {
                guard case .string(let name) = item, let type = ContentType(rawValue: name.lowercased()) else {
                    throw FieldError(field: "content_types[\(i)]", "expected one of \"video\", \"live\", \"showcase\"")
                }
                shares[type] = 1 / Double(items.count)
            }
        }
        return shares
    }

    /// A non-empty array of finite numbers that fit in Float32, not all zero.
    private func vector(_ f: FieldSet) throws(FieldError) -> [Float]? {
        guard let value = f.value("vector") else { return nil }
        if f.isCSV {
            throw FieldError(field: "vector", "vectors cannot be imported from CSV; use JSON Lines")
        }
        guard case .array(let items) = value else {
            throw FieldError(field: "vector", "expected an array of numbers, got \(value.kindDescription)")
        }
        guard !items.isEmpty else { throw FieldError(field: "vector", "is empty; give an array of numbers or drop the field") }
        var vector = [Float](repeating: 0, count: items.count)
        var nonZero = false
        for (i, item) in items.enumerated() {
            guard case .number(let n) = item else {
                throw FieldError(field: "vector[\(i)]", "expected a number, got \(item.kindDescription)")
            }
            guard n.isFinite else {
                throw FieldError(field: "vector[\(i)]", "must be a finite number, got \(n.isNaN ? "NaN" : "an infinite value")")
            }
            let component = Float(n)
            guard component.isFinite else {
                throw FieldError(field: "vector[\(i)]", "\(n) does not fit in a 32-bit float; rescale the vector")
            }
            if component != 0 { nonZero = true }
            vector[i] = component
        }
        guard nonZero else {
            throw FieldError(field: "vector", "is all zeros, which has no direction to compare; drop the field to have one derived, or fix the vector")
        }
        return vector
    }
}

/// The plausible ranges of the interchange format's numbers. Generous (amounts are in the market's own
/// currency, and a dong or rupiah price runs to millions), yet far from the doubles' edge, so sums over
/// a market stay finite and no reason reads "infM". Documented in the interchange reference.
public enum Plausible {
    /// Prices, GMV (also as range bounds), GPM and price ranges: 0 to 10^13 in the market's currency.
    public static let amount = 0.0...1e13
    public static let amountText = "an amount from 0 to 10^13"
    public static let priceText = "a price above 0 and at most 10^13"
    /// Followers, orders, reviews, cases, units: whole numbers from 0 to 10^11.
    public static let count = 0...100_000_000_000
    public static let countText = "a whole number from 0 to 10^11"
    /// Average views: 0 to 10^11.
    public static let views = 0.0...1e11
    public static let viewsText = "a number from 0 to 10^11"
}
