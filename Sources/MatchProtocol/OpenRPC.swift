/// The OpenRPC description `rpc.discover` returns: every method with its params and result.
public enum OpenRPC {
    static func param(_ name: String, _ type: String, _ description: String, required: Bool = false) -> String {
        "{\"name\":\"\(name)\",\"required\":\(required),\"description\":\"\(description)\",\"schema\":{\"type\":\"\(type)\"}}"
    }

    static func method(_ name: String, _ summary: String, _ params: [String], result: String) -> String {
        "{\"name\":\"\(name)\",\"summary\":\"\(summary)\",\"paramStructure\":\"by-name\",\"params\":[\(params.joined(separator: ","))],\"result\":{\"name\":\"result\",\"schema\":{\"type\":\"object\",\"description\":\"\(result)\"}}}"
    }

    public static let document: String = {
        let day = "YYYY-MM-DD; default today (UTC)"
        let methods = [
            method("shortlist", "Rank the creators to invite for eligible products.", [
                param("product_id", "string", "one product (the result is that product's shortlist)"),
                param("product_ids", "array", "several products"),
                param("shop_id", "string", "every product of a shop"),
                param("all", "boolean", "every eligible product"),
                param("limit", "integer", "creators per product, default 50"),
                param("rank_by", "string", "similarity or blended (default)"),
                param("as_of", "string", day),
                param("min_tier", "string", "lowest follower tier"), param("max_tier", "string", "highest follower tier"),
                param("min_gmv", "number", "lowest 30-day GMV"), param("categories", "array", "category names"),
                param("recently_invited_days", "integer", "drop creators the shop invited in the last N days"),
                param("exclude_declined", "boolean", "drop creators who declined the shop"),
                param("allow", "array", "only these creator ids"), param("deny", "array", "never these creator ids"),
                param("stream", "boolean", "stream creator vectors from the database"),
                param("from_run", "boolean", "answer from the latest published run (one product_id)"),
                param("run_id", "integer", "answer from this published run (one product_id)"),
                param("vectors", "string", "vector model: supplied or profile (default supplied when creators have it)"),
                param("max_share", "number", "a creator is in at most this share of the request's shortlists (1: no cap)"),
            ], result: "a shortlist {product_id, run_id, creators: [{rank, creator_id, score, similarity, reasons}]} for product_id, else {shortlists, skipped, ...}"),
            method("commission", "Suggest a commission rate with its evidence.", [
                param("category", "string", "a category name"), param("product_id", "string", "a product"),
                param("all", "boolean", "every category with products"), param("as_of", "string", day),
            ], result: "a commission suggestion (rates in hundredths of a percent), or an array of them for all"),
            method("eligibility", "Affiliate-collaboration eligibility of shops and products.", [
                param("shop_id", "string", "one shop and its products"), param("product_id", "string", "one product"),
                param("as_of", "string", day), param("policy", "string", "force one policy of Models/policies"),
            ], result: "{as_of, policy, shops, products, summary}"),
            method("rescore", "Recompute and publish a run (eligibility, shortlists, commission).", [
                param("limit", "integer", "creators per product, default 50"), param("rank_by", "string", "similarity or blended"),
                param("as_of", "string", day), param("keep", "integer", "keep the newest N published runs"),
                param("wait", "boolean", "wait for a running rescore instead of failing"),
                param("incremental", "boolean", "recompute only what changed since the last published run (same result)"),
            ], result: "{run_id, status, mode, full_reason, products_scored, products_skipped, creators, duration_ms, changes, ...}"),
            method("upsert_creators", "Insert or update creators (the import format), all or nothing.", [
                param("creators", "array", "creator objects", required: true),
            ], result: "{upserted, vectors}"),
            method("upsert_products", "Insert or update products (the import format), all or nothing.", [
                param("products", "array", "product objects", required: true),
            ], result: "{upserted, vectors}"),
            method("stats", "Counts of what the database holds.", [], result: "{shops, products, creators, outcomes, invitations, vector_spaces, schema}"),
            method("rpc.discover", "This document.", [], result: "an OpenRPC document"),
        ]
        return "{\"openrpc\":\"1.2.6\",\"info\":{\"title\":\"creatormatch\",\"version\":\"1\"},\"methods\":[\(methods.joined(separator: ","))]}"
    }()
}
