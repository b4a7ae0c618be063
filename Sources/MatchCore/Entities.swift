/// The entities a seller imports, as validated values. Rates are integers in hundredths of a
/// percent; money is in the product's currency.

public struct Shop: Sendable, Equatable {
    public var id: ShopID
    public var name: String?
    public var region: String?
    public var rating: Double
    public var status: ShopStatus
    public var counterfeitViolations: [Day]

    public init(id: ShopID, name: String? = nil, region: String? = nil, rating: Double, status: ShopStatus, counterfeitViolations: [Day] = []) {
        self.id = id
        self.name = name
        self.region = region
        self.rating = rating
        self.status = status
        self.counterfeitViolations = counterfeitViolations
    }
}

public struct Product: Sendable, Equatable {
    public var id: ProductID
    public var shopID: ShopID
    public var title: String?
    /// The taxonomy's canonical name of the category.
    public var category: String
    public var group: CategoryGroup
    public var price: Double
    public var currency: String?
    public var status: ProductStatus
    public var commissionRate: Int?
    public var marginRate: Int?
    public var orders: Int?
    public var reviews: Int?
    public var negativeReviews: Int?
    public var returnRefundCases: Int?
    public var sellerFaultReturnRefundCases: Int?
    public var vector: [Float]?

    public init(
        id: ProductID, shopID: ShopID, title: String? = nil, category: String, group: CategoryGroup,
        price: Double, currency: String? = nil, status: ProductStatus,
        commissionRate: Int? = nil, marginRate: Int? = nil, orders: Int? = nil, reviews: Int? = nil,
        negativeReviews: Int? = nil, returnRefundCases: Int? = nil, sellerFaultReturnRefundCases: Int? = nil,
        vector: [Float]? = nil
    ) {
        self.id = id
        self.shopID = shopID
        self.title = title
        self.category = category
        self.group = group
        self.price = price
        self.currency = currency
        self.status = status
        self.commissionRate = commissionRate
        self.marginRate = marginRate
        self.orders = orders
        self.reviews = reviews
        self.negativeReviews = negativeReviews
        self.returnRefundCases = returnRefundCases
        self.sellerFaultReturnRefundCases = sellerFaultReturnRefundCases
        self.vector = vector
    }

    public var eligibilityFacts: ProductFacts {
        ProductFacts(
            id: id, shopID: shopID, group: group, status: status, orders: orders, reviews: reviews,
            negativeReviews: negativeReviews, returnRefundCases: returnRefundCases,
            sellerFaultReturnRefundCases: sellerFaultReturnRefundCases)
    }
}

/// A creator metric the platform may give exactly or only as a min–max range.
public struct MetricRange: Sendable, Equatable {
    public var min: Double
    public var max: Double

    public init(min: Double, max: Double) {
        self.min = min
        self.max = max
    }

    public init(exactly value: Double) {
        self.init(min: value, max: value)
    }

    /// The value used where one number is needed: the midpoint of the range.
    public var estimate: Double { (min + max) / 2 }
}

public enum ContentType: String, CaseIterable, Sendable, Codable {
    case video
    case live
    case showcase
}

public struct Creator: Sendable, Equatable {
    public var id: CreatorID
    public var username: String?
    public var followers: Int
    /// Canonical category name → share of GMV (0...1). A plain list gives equal shares.
    public var categories: [String: Double]
    public var gmv30d: MetricRange?
    public var gpm: MetricRange?
    public var unitsSold30d: MetricRange?
    /// The price range of what they sell (the platform's figure).
    public var priceRange: MetricRange?
    public var avgViews: Double?
    public var engagementRate: Double?
    public var postRate: Double?
    public var avgCommissionRate: Int?
    /// Audience shares: dimension ("gender", "age", …) → bucket → share (0...1).
    public var audience: [String: [String: Double]]?
    /// Content type → share (0...1).
    public var contentTypes: [ContentType: Double]?
    public var vector: [Float]?

    public init(
        id: CreatorID, username: String? = nil, followers: Int, categories: [String: Double] = [:],
        gmv30d: MetricRange? = nil, gpm: MetricRange? = nil, unitsSold30d: MetricRange? = nil,
        avgViews: Double? = nil, engagementRate: Double? = nil, postRate: Double? = nil,
        avgCommissionRate: Int? = nil, audience: [String: [String: Double]]? = nil,
        contentTypes: [ContentType: Double]? = nil, vector: [Float]? = nil, priceRange: MetricRange? = nil
    ) {
        self.id = id
        self.priceRange = priceRange
        self.username = username
        self.followers = followers
        self.categories = categories
        self.gmv30d = gmv30d
        self.gpm = gpm
        self.unitsSold30d = unitsSold30d
        self.avgViews = avgViews
        self.engagementRate = engagementRate
        self.postRate = postRate
        self.avgCommissionRate = avgCommissionRate
        self.audience = audience
        self.contentTypes = contentTypes
        self.vector = vector
    }
}

public struct Outcome: Sendable, Equatable {
    public var creatorID: CreatorID
    public var productID: ProductID
    public var date: Day
    public var orders: Int
    public var gmv: Double
    public var commissionRate: Int
    public var contentType: ContentType?

    public init(creatorID: CreatorID, productID: ProductID, date: Day, orders: Int, gmv: Double, commissionRate: Int, contentType: ContentType? = nil) {
        self.creatorID = creatorID
        self.productID = productID
        self.date = date
        self.orders = orders
        self.gmv = gmv
        self.commissionRate = commissionRate
        self.contentType = contentType
    }
}

public enum InvitationStatus: String, CaseIterable, Sendable {
    case pending
    case accepted
    case declined
    case expired
}

public struct Invitation: Sendable, Equatable {
    public var creatorID: CreatorID
    public var productID: ProductID
    /// As given (ISO 8601 date or timestamp); `sentDay` is its day.
    public var sentAt: String
    public var sentDay: Day
    public var status: InvitationStatus
    public var commissionRate: Int?

    public init(creatorID: CreatorID, productID: ProductID, sentAt: String, sentDay: Day, status: InvitationStatus, commissionRate: Int? = nil) {
        self.creatorID = creatorID
        self.productID = productID
        self.sentAt = sentAt
        self.sentDay = sentDay
        self.status = status
        self.commissionRate = commissionRate
    }
}

/// Where a free-sample request stands. `posted` and `not_posted` close a request whose sample was
/// sent: the creator posted content for the product, or the deadline passed without a post.
public enum SampleStatus: String, CaseIterable, Sendable {
    case pending, approved, rejected, shipped, posted, not_posted, cancelled

    /// A sample went out (or was approved to).
    public var sampleSent: Bool { [.approved, .shipped, .posted, .not_posted].contains(self) }
}

/// A creator's request for a free sample, with the creator snapshot the platform shows with it.
public struct SampleRequest: Sendable, Equatable {
    public var id: String
    public var creatorID: CreatorID
    public var productID: ProductID
    public var requestedAt: String
    public var requestedDay: Day
    public var status: SampleStatus
    public var followers: Int?
    public var gmv30d: Double?
    /// Pieces of content (videos and LIVEs) in the last 30 days.
    public var contentCount: Int?
    public var medianVideoViews: Int?
    /// Share of earlier samples the creator posted content for, 0–1, as the platform reports it.
    public var fulfillmentRate: Double?

    public init(id: String, creatorID: CreatorID, productID: ProductID, requestedAt: String, requestedDay: Day, status: SampleStatus,
                followers: Int? = nil, gmv30d: Double? = nil, contentCount: Int? = nil, medianVideoViews: Int? = nil, fulfillmentRate: Double? = nil) {
        self.id = id
        self.creatorID = creatorID
        self.productID = productID
        self.requestedAt = requestedAt
        self.requestedDay = requestedDay
        self.status = status
        self.followers = followers
        self.gmv30d = gmv30d
        self.contentCount = contentCount
        self.medianVideoViews = medianVideoViews
        self.fulfillmentRate = fulfillmentRate
    }
}

/// The kinds of record `import` reads.
public enum EntityKind: String, CaseIterable, Sendable {
    case shops, products, creators, outcomes, invitations
    case sampleRequests = "sample_requests"
}
