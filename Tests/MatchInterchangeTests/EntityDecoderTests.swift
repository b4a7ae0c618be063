import Foundation
import MatchCore
import Testing
@testable import MatchInterchange

@Suite struct EntityDecoderTests {
    static let decoder: EntityDecoder = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Models/taxonomy.json")
        let file = try! JSONDecoder().decode(Taxonomy.File.self, from: Data(contentsOf: url))
        return EntityDecoder(taxonomy: try! Taxonomy(file: file), taxonomyFile: "Models/taxonomy.json")
    }()

    func json(_ text: String) -> FieldSet {
        guard case .object(let object) = try! JSONLineParser.parse(Array(text.utf8)) else { fatalError() }
        return FieldSet(values: object, isCSV: false)
    }

    func fieldError(_ body: () throws -> Void) -> FieldError? {
        do { try body() } catch let error as FieldError { return error } catch { return nil }
        return nil
    }

    let validProduct = #"{"id":"p1","shop_id":"s1","category":"beauty & personal care","price":12.5,"status":"live","commission_rate":1500}"#

    @Test func decodesAValidProductAndMapsItsCategory() throws {
        let product = try Self.decoder.product(json(validProduct))
        #expect(product.category == "Beauty & Personal Care")
        #expect(product.group == .fmcg)
        #expect(product.commissionRate == 1500)
    }

    @Test(arguments: [
        (#""price":12.5"#, #""price":"12.5""#, "price", "expected a number > 0"),
        (#""price":12.5"#, #""price":-3"#, "price", "expected a number > 0, got -3"),
        (#""price":12.5"#, #""price":NaN"#, "price", "finite"),
        (#""price":12.5"#, #""price":1e999"#, "price", "finite"),
        (#""commission_rate":1500"#, #""commission_rate":9000"#, "commission_rate", "from 100 to 8000"),
        (#""commission_rate":1500"#, #""commission_rate":12.5"#, "commission_rate", "whole number"),
        (#""status":"live""#, #""status":"sold""#, "status", "\"delisted\""),
        (#""category":"beauty & personal care""#, #""category":"Spaceships""#, "category", "Models/taxonomy.json"),
        (#""id":"p1","#, "", "id", "required"),
    ])
    func namesTheFieldAndWhatWasExpected(replacing: String, with replacement: String, field: String, message: String) {
        let error = fieldError { _ = try Self.decoder.product(json(validProduct.replacingOccurrences(of: replacing, with: replacement))) }
        #expect(error?.field == field)
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "no error")")
    }

    @Test func vectorsMustBeFiniteNonZeroNumbers() {
        let base = #"{"id":"c1","followers":10,"vector":VECTOR}"#
        func vectorError(_ vector: String) -> FieldError? {
            fieldError { _ = try Self.decoder.creator(json(base.replacingOccurrences(of: "VECTOR", with: vector))) }
        }
        #expect(vectorError("[0,0,0]")?.message.contains("all zeros") == true)
        #expect(vectorError("[1,NaN,0]")?.field == "vector[1]")
        #expect(vectorError("[1,\"2\"]")?.field == "vector[1]")
        #expect(vectorError("[1,1e300]")?.message.contains("32-bit") == true)
        #expect(vectorError("[]")?.field == "vector")
        #expect(vectorError("[0.5,-1]") == nil)
    }

    @Test func creatorMetricsAcceptRangesAndCategoryShares() throws {
        let creator = try Self.decoder.creator(json(#"{"id":"c1","followers":5000,"gmv_30d":{"min":100,"max":1000},"gpm":12,"categories":{"Skincare":0.6,"Health":0.3},"content_types":["video","live"]}"#))
        #expect(creator.gmv30d == MetricRange(min: 100, max: 1000))
        #expect(creator.gpm == MetricRange(exactly: 12))
        #expect(creator.categories == ["Skincare": 0.6, "Health": 0.3])
        #expect(creator.contentTypes == [.video: 0.5, .live: 0.5])
        let reversed = fieldError { _ = try Self.decoder.creator(json(#"{"id":"c1","followers":1,"gmv_30d":[10,5]}"#)) }
        #expect(reversed?.field == "gmv_30d")
        let overfull = fieldError { _ = try Self.decoder.creator(json(#"{"id":"c1","followers":1,"categories":{"Health":0.8,"Shoes":0.5}}"#)) }
        #expect(overfull?.field == "categories")
    }

    @Test func csvCellsAreReadAsTypedValues() throws {
        let fields = FieldSet(values: ["id": .string("s1"), "rating": .string("4.5"), "status": .string("active"), "counterfeit_violations": .string("2026-01-02;2026-02-03"), "name": .string("")], isCSV: true)
        let shop = try Self.decoder.shop(fields)
        #expect(shop.rating == 4.5)
        #expect(shop.name == nil)
        #expect(shop.counterfeitViolations.count == 2)
        let bad = FieldSet(values: ["id": .string("s1"), "rating": .string("high"), "status": .string("active")], isCSV: true)
        #expect(fieldError { _ = try Self.decoder.shop(bad) }?.field == "rating")
    }
}
