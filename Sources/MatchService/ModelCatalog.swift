import Foundation
import MatchCore

/// The data in `Models/`: taxonomy, eligibility policies, platform facts. Loaded once per process;
/// `digest` changes whenever any file in the folder changes (stored with computed results).
public struct ModelCatalog: Sendable {
    public let directory: URL
    public let taxonomy: Taxonomy
    public let policies: [EligibilityPolicy]
    public let platform: PlatformFacts
    public let ranking: RankingModel
    public let commission: CommissionModel
    public let samples: SampleModel
    public let report: ReportModel
    public let features: FeatureSpec
    public let digest: String

    public var taxonomyFile: String { directory.appendingPathComponent("taxonomy.json").path }

    /// The policy named `name`, or a message listing the names there are.
    public func policy(named name: String) throws(MatchError) -> EligibilityPolicy {
        guard let policy = policies.first(where: { $0.name == name }) else {
            let names = policies.map(\.name).joined(separator: ", ")
            throw MatchError(.notFound, "no eligibility policy named \"\(name)\"; choose one of: \(names) (files in \(directory.path)/policies)")
        }
        return policy
    }

    /// The policy for a shop's region: the one listing the region, else `default`.
    public func policy(forRegion region: String?) -> EligibilityPolicy {
        if let region, let regional = policies.first(where: { $0.regions.contains(region.uppercased()) }) {
            return regional
        }
        return policies.first(where: { $0.name == "default" }) ?? policies[0]
    }

    /// Finds the Models folder: an explicit path, else `$CREATORMATCH_MODELS`, else `./Models`, else
    /// the `Models` folder of the checkout the executable was built in (walking up from it).
    public static func locate(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws(MatchError) -> URL {
        let fm = FileManager.default
        func isModels(_ url: URL) -> Bool {
            fm.fileExists(atPath: url.appendingPathComponent("taxonomy.json").path)
        }
        if let explicit {
            let url = URL(fileURLWithPath: explicit)
            guard isModels(url) else {
                throw MatchError(.modelFiles, "\(explicit) is not a Models folder (no taxonomy.json in it); pass the repository's Models folder")
            }
            return url
        }
        if let fromEnvironment = environment["CREATORMATCH_MODELS"], !fromEnvironment.isEmpty {
            let url = URL(fileURLWithPath: fromEnvironment)
            guard isModels(url) else {
                throw MatchError(.modelFiles, "CREATORMATCH_MODELS=\(fromEnvironment) is not a Models folder (no taxonomy.json in it); fix or unset it")
            }
            return url
        }
        let local = URL(fileURLWithPath: fm.currentDirectoryPath).appendingPathComponent("Models")
        if isModels(local) { return local }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        if let executable = try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
        }
        for _ in 0..<8 {
            let candidate = directory.appendingPathComponent("Models")
            if isModels(candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw MatchError(.modelFiles, "cannot find the Models folder (taxonomy, policies); run from the repository, pass --models DIR, or set CREATORMATCH_MODELS")
    }

    public static func load(from directory: URL) throws(MatchError) -> ModelCatalog {
        let fm = FileManager.default
        var hasher = FNV1a64()
        func read(_ url: URL) throws(MatchError) -> Data {
            guard let data = fm.contents(atPath: url.path) else {
                throw MatchError(.modelFiles, "cannot read \(url.path); restore it from the repository")
            }
            hasher.combine(url.lastPathComponent)
            hasher.combine(data)
            return data
        }
        func decode<T: Decodable>(_ type: T.Type, _ url: URL) throws(MatchError) -> T {
            let data = try read(url)
            do {
                return try JSONDecoder().decode(T.self, from: data)
            } catch {
                throw MatchError(.modelFiles, "\(url.path) is not valid: \(Self.describe(error)); fix the file", underlying: "\(error)")
            }
        }
        let taxonomyURL = directory.appendingPathComponent("taxonomy.json")
        let taxonomy = try Taxonomy(file: try decode(Taxonomy.File.self, taxonomyURL))
        let platformURL = directory.appendingPathComponent("platform.json")
        /// Decoded, then checked against the file's documented ranges.
        func checked<T: Decodable & RangeChecked>(_ type: T.Type, _ url: URL) throws(MatchError) -> T {
            let value = try decode(T.self, url)
            var check = RangeCheck(file: url.path)
            value.checkRanges(&check)
            try check.finish()
            return value
        }
        let platform = try checked(PlatformFacts.self, platformURL)
        let ranking = try checked(RankingModel.self, directory.appendingPathComponent("ranking.json"))
        let commission = try checked(CommissionModel.self, directory.appendingPathComponent("commission.json"))
        let samples = try checked(SampleModel.self, directory.appendingPathComponent("samples.json"))
        let report = try checked(ReportModel.self, directory.appendingPathComponent("report.json"))
        let features = try checked(FeatureSpec.self, directory.appendingPathComponent("features.json"))

        let policyDirectory = directory.appendingPathComponent("policies")
        let names = ((try? fm.contentsOfDirectory(atPath: policyDirectory.path)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        var policies: [EligibilityPolicy] = []
        for name in names {
            let url = policyDirectory.appendingPathComponent(name)
            let policy = try EligibilityPolicy(file: try decode(EligibilityPolicy.File.self, url), fileName: url.path)
            guard !policies.contains(where: { $0.name == policy.name }) else {
                throw MatchError(.modelFiles, "two policy files are named \"\(policy.name)\"; rename one")
            }
            policies.append(policy)
        }
        guard policies.contains(where: { $0.name == "default" }) else {
            throw MatchError(.modelFiles, "\(policyDirectory.path) has no policy named \"default\"; restore default.json")
        }
        return ModelCatalog(directory: directory, taxonomy: taxonomy, policies: policies, platform: platform, ranking: ranking, commission: commission, samples: samples, report: report, features: features, digest: hasher.hexDigest)
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing \"\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))\""
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "wrong type at \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\""
        case DecodingError.dataCorrupted(let context):
            return context.debugDescription
        default:
            return "\(error)"
        }
    }
}

/// Sample triage and policy settings from `Models/samples.json`.
public struct SampleModel: Decodable, Sendable {
    public struct Policy: Decodable, Sendable {
        public let min_past_requests: Int
        public let followers: [Int]
        public let gmv_30d: [Double]
        public let fulfillment: [Double]
    }
    public let version: Int
    public let shipping_cost: Double
    public let unit_cost_share_when_margin_missing: Double
    public let min_fit: Double
    public let min_fulfillment: Double
    public let min_gmv_per_cost: Double
    public let default_fulfillment: Double
    public let prior_weight: Double
    public let sales_window_days: Int
    public let policy: Policy
}

/// Thresholds of the performance report's actions, from `Models/report.json`.
public struct ReportModel: Decodable, Sendable {
    public let version: Int
    public let remove_after_invitations: Int
    public let stop_after_accepted: Int
    public let reinvite_min_gmv: Double
    public let top_creators: Int
    public let health_runs: Int
}

/// Platform facts from `Models/platform.json`.
public struct PlatformFacts: Decodable, Sendable {
    public struct RateCutDelays: Decodable, Sendable {
        public let target_collaboration: Int
        public let open_collaboration_existing_promoters: Int
    }
    public struct TargetCollaboration: Decodable, Sendable {
        public let max_creators: Int
        public let max_products: Int
    }
    public struct FollowerTier: Decodable, Sendable {
        public let name: String
        public let min_followers: Int
    }
    public let version: Int
    public let rate_cut_delay_days: RateCutDelays
    public let target_collaboration: TargetCollaboration
    public let follower_tiers: [FollowerTier]

    /// The highest tier whose minimum the follower count reaches, or nil below the lowest.
    public func tier(followers: Int) -> FollowerTier? {
        follower_tiers.filter { followers >= $0.min_followers }.max { $0.min_followers < $1.min_followers }
    }
}
