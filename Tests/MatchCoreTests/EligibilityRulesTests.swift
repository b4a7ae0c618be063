import Testing
@testable import MatchCore

/// The source article's numbers, as in Models/policies/default.json.
let articlePolicy = EligibilityPolicy(
    name: "default", version: 1, regions: [], source: "test",
    minStoreRating: 2.5, counterfeitLookbackDays: 60,
    negativeReviewMinReviews: 5, negativeReviewMaxRate: [.electronics: 100, .fashionLifestyle: 70, .fmcg: 60],
    returnRefundMinCases: 5, returnRefundMaxRate: [.electronics: 200, .fashionLifestyle: 180, .fmcg: 150])

let asOf = Day(year: 2026, month: 11, day: 25)!
let rules = EligibilityRules(policy: articlePolicy)

func shop(rating: Double = 4.5, status: ShopStatus = .active, violationsDaysAgo: [Int] = []) -> ShopFacts {
    ShopFacts(id: ShopID("s"), rating: rating, status: status, counterfeitViolations: violationsDaysAgo.map { asOf.advanced(by: -$0) })
}

func product(
    _ group: CategoryGroup = .electronics, status: ProductStatus = .live, orders: Int? = 1000, reviews: Int? = 100,
    negative: Int? = 0, cases: Int? = 0, sellerFault: Int? = 0
) -> ProductFacts {
    ProductFacts(id: ProductID("p"), shopID: ShopID("s"), group: group, status: status, orders: orders, reviews: reviews,
                 negativeReviews: negative, returnRefundCases: cases, sellerFaultReturnRefundCases: sellerFault)
}

func finding(_ verdict: EligibilityVerdict, _ rule: EligibilityFinding.Rule) -> EligibilityFinding {
    verdict.findings.first { $0.rule == rule }!
}

let eligibleShop = rules.evaluate(shop: shop(), asOf: asOf)

@Suite struct StoreRatingTests {
    @Test func ratingAtTheFloorPasses() {
        #expect(rules.evaluate(shop: shop(rating: 2.5), asOf: asOf).status == .eligible)
    }

    @Test func ratingJustBelowTheFloorFailsTemporarily() {
        let verdict = rules.evaluate(shop: shop(rating: 2.49), asOf: asOf)
        #expect(verdict.status == .temporarilyDisqualified)
        let rating = finding(verdict, .storeRating)
        #expect(rating.outcome == .fail)
        #expect(rating.measured == 2.49)
        #expect(rating.threshold == 2.5)
        #expect(rating.requalification == .raiseRating(by: 0.01))
    }

    @Test func regionalFloorOfThree() {
        var strict = articlePolicy
        strict = EligibilityPolicy(
            name: "strict", version: 1, regions: ["XX"], source: "test", minStoreRating: 3,
            counterfeitLookbackDays: 60, negativeReviewMinReviews: 5, negativeReviewMaxRate: strict.negativeReviewMaxRate,
            returnRefundMinCases: 5, returnRefundMaxRate: strict.returnRefundMaxRate)
        #expect(EligibilityRules(policy: strict).evaluate(shop: shop(rating: 2.9), asOf: asOf).status == .temporarilyDisqualified)
        #expect(EligibilityRules(policy: strict).evaluate(shop: shop(rating: 3.0), asOf: asOf).status == .eligible)
    }
}

@Suite struct CounterfeitTests {
    @Test func violation59DaysAgoDisqualifies() {
        let verdict = rules.evaluate(shop: shop(violationsDaysAgo: [59]), asOf: asOf)
        #expect(verdict.status == .temporarilyDisqualified)
        // It leaves the window the day it is 60 days old.
        #expect(finding(verdict, .counterfeitViolations).requalification == .windowExpires(on: asOf.advanced(by: 1)))
    }

    @Test func violation60DaysAgoDoesNot() {
        #expect(rules.evaluate(shop: shop(violationsDaysAgo: [60]), asOf: asOf).status == .eligible)
    }

    @Test func violationTodayDisqualifiesAndFutureOnesAreIgnored() {
        #expect(rules.evaluate(shop: shop(violationsDaysAgo: [0]), asOf: asOf).status == .temporarilyDisqualified)
        #expect(rules.evaluate(shop: shop(violationsDaysAgo: [-1]), asOf: asOf).status == .eligible)
    }

    @Test func newestViolationSetsTheRequalifyDay() {
        let verdict = rules.evaluate(shop: shop(violationsDaysAgo: [50, 10, 30]), asOf: asOf)
        let found = finding(verdict, .counterfeitViolations)
        #expect(found.measured == 3)
        #expect(found.requalification == .windowExpires(on: asOf.advanced(by: 50)))
        // On that day the shop is eligible again, the day before it is not.
        let later = ShopFacts(id: ShopID("s"), rating: 4.5, status: .active, counterfeitViolations: [asOf.advanced(by: -10)])
        #expect(rules.evaluate(shop: later, asOf: asOf.advanced(by: 50)).status == .eligible)
        #expect(rules.evaluate(shop: later, asOf: asOf.advanced(by: 49)).status == .temporarilyDisqualified)
    }
}

@Suite struct PermanentDisqualificationTests {
    @Test func deactivatedShopIsPermanent() {
        let verdict = rules.evaluate(shop: shop(status: .deactivated), asOf: asOf)
        #expect(verdict.status == .permanentlyDisqualified)
    }

    @Test(arguments: [ProductStatus.frozen, .delisted])
    func frozenOrDelistedProductIsPermanent(status: ProductStatus) {
        #expect(rules.evaluate(product: product(status: status), shopVerdict: eligibleShop, asOf: asOf).status == .permanentlyDisqualified)
    }

    @Test func outOfStockIsStillEligible() {
        #expect(rules.evaluate(product: product(status: .outOfStock), shopVerdict: eligibleShop, asOf: asOf).status == .eligible)
    }

    @Test func productTakesTheWorseOfItsOwnAndItsShopStatus() {
        let temporaryShop = rules.evaluate(shop: shop(rating: 2), asOf: asOf)
        let permanentShop = rules.evaluate(shop: shop(status: .deactivated), asOf: asOf)
        #expect(rules.evaluate(product: product(), shopVerdict: temporaryShop, asOf: asOf).status == .temporarilyDisqualified)
        #expect(rules.evaluate(product: product(), shopVerdict: permanentShop, asOf: asOf).status == .permanentlyDisqualified)
        #expect(rules.evaluate(product: product(status: .frozen), shopVerdict: temporaryShop, asOf: asOf).status == .permanentlyDisqualified)
        // Shop temporary + product temporary stays temporary.
        let both = rules.evaluate(product: product(orders: 100, reviews: 10, negative: 5), shopVerdict: temporaryShop, asOf: asOf)
        #expect(both.status == .temporarilyDisqualified)
        #expect(both.reasons.count == 2)
    }
}

@Suite struct NegativeReviewRateTests {
    @Test func exactlyOnePercentFailsForElectronics() {
        let verdict = rules.evaluate(product: product(orders: 200, reviews: 50, negative: 2), shopVerdict: eligibleShop, asOf: asOf)
        #expect(verdict.status == .temporarilyDisqualified)
        let found = finding(verdict, .negativeReviewRate)
        #expect(found.measured == 1.0)
        #expect(found.threshold == 1.0)
        #expect(found.requalification == .additionalOrders(1))
    }

    @Test func justBelowPasses() {
        let verdict = rules.evaluate(product: product(orders: 201, reviews: 50, negative: 2), shopVerdict: eligibleShop, asOf: asOf)
        #expect(verdict.status == .eligible)
    }

    @Test(arguments: [(CategoryGroup.fashionLifestyle, 7, 1000), (.fmcg, 6, 1000), (.electronics, 10, 1000)])
    func exactThresholdFailsInEveryGroup(group: CategoryGroup, negative: Int, orders: Int) {
        let atThreshold = rules.evaluate(product: product(group, orders: orders, reviews: 100, negative: negative), shopVerdict: eligibleShop, asOf: asOf)
        #expect(atThreshold.status == .temporarilyDisqualified)
        let below = rules.evaluate(product: product(group, orders: orders, reviews: 100, negative: negative - 1), shopVerdict: eligibleShop, asOf: asOf)
        #expect(below.status == .eligible)
    }

    @Test func appliesOnlyFromFiveReviews() {
        let four = rules.evaluate(product: product(orders: 10, reviews: 4, negative: 4), shopVerdict: eligibleShop, asOf: asOf)
        #expect(four.status == .eligible)
        #expect(finding(four, .negativeReviewRate).outcome == .notApplicable)
        let five = rules.evaluate(product: product(orders: 10, reviews: 5, negative: 1), shopVerdict: eligibleShop, asOf: asOf)
        #expect(five.status == .temporarilyDisqualified)
    }

    @Test func missingCountsAreReportedNotGuessed() {
        let verdict = rules.evaluate(product: product(orders: nil, reviews: 20, negative: 3), shopVerdict: eligibleShop, asOf: asOf)
        #expect(finding(verdict, .negativeReviewRate).outcome == .notEvaluated)
        #expect(verdict.status == .eligible)
    }

    /// The requalification count is the smallest order count that passes: checked against a search.
    @Test func additionalOrdersIsTheSmallestThatPasses() {
        var random = SeededRandom(seed: 11)
        for _ in 0..<500 {
            let group = CategoryGroup.allCases[Int(random.next() % 3)]
            let orders = Int(random.next() % 2000) + 5
            let negative = Int(random.next() % 40)
            let facts = product(group, orders: orders, reviews: max(5, negative), negative: negative)
            let found = finding(rules.evaluate(product: facts, shopVerdict: eligibleShop, asOf: asOf), .negativeReviewRate)
            guard case .additionalOrders(let more)? = found.requalification else {
                #expect(found.outcome == .pass)
                continue
            }
            func passes(_ o: Int) -> Bool {
                rules.evaluate(product: product(group, orders: o, reviews: max(5, negative), negative: negative), shopVerdict: eligibleShop, asOf: asOf).status == .eligible
            }
            #expect(more > 0)
            #expect(passes(orders + more))
            #expect(!passes(orders + more - 1))
        }
    }
}

@Suite struct ReturnRefundRateTests {
    @Test func exactlyAtThresholdFails() {
        // 3 of 200 = 1.5%: not below FMCG's 1.5%.
        let verdict = rules.evaluate(product: product(.fmcg, orders: 200, reviews: 0, negative: 0, cases: 10, sellerFault: 3), shopVerdict: eligibleShop, asOf: asOf)
        #expect(verdict.status == .temporarilyDisqualified)
        #expect(finding(verdict, .sellerFaultReturnRefundRate).requalification == .additionalOrders(1))
    }

    @Test func appliesOnlyFromFiveCases() {
        let four = rules.evaluate(product: product(.fmcg, orders: 100, cases: 4, sellerFault: 4), shopVerdict: eligibleShop, asOf: asOf)
        #expect(four.status == .eligible)
        let five = rules.evaluate(product: product(.fmcg, orders: 100, cases: 5, sellerFault: 2), shopVerdict: eligibleShop, asOf: asOf)
        #expect(five.status == .temporarilyDisqualified)
    }

    @Test func sellerFaultCountStandsInWhenTotalCasesAreAbsent() {
        let verdict = rules.evaluate(product: product(.electronics, orders: 100, cases: nil, sellerFault: 5), shopVerdict: eligibleShop, asOf: asOf)
        #expect(finding(verdict, .sellerFaultReturnRefundRate).outcome == .fail)
        let few = rules.evaluate(product: product(.electronics, orders: 100, cases: nil, sellerFault: 4), shopVerdict: eligibleShop, asOf: asOf)
        #expect(finding(few, .sellerFaultReturnRefundRate).outcome == .notApplicable)
    }
}
