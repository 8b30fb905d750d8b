import Foundation

/// Hand-curated input to `newswired model build` (config/topics/priors.json): the topics, the phrases each
/// topic and relevance start from (each group with the reason it is there), the AI anchor terms, aliases for
/// other languages, and the few constants of the build. The build derives every weight from data; priors
/// only decide which phrases are candidates and in which direction they point.
public struct ModelPriors: Codable, Sendable {
    public var version: String
    public var description: String?
    /// Seed text from the first line that equals `marker` onward is not about the topic (page furniture).
    public var seedCuts: [SeedCut]
    public var anchor: TermGroup
    public var aliases: [Alias]
    public var settings: Settings
    /// Copied into the model's "text" block (title weight, length normalization, count cap).
    public var text: TopicModelFile.TextSettings?
    public var relevance: [TermGroup]
    public var topics: [TopicPriors]

    public struct SeedCut: Codable, Sendable {
        public var marker: String
        public var reason: String
    }

    public struct TermGroup: Codable, Sendable {
        public var reason: String
        /// "for" (default) or "against": which sign the derived weight may take.
        public var polarity: String?
        public var terms: [String]
        var isAgainst: Bool { polarity == "against" }
    }

    public struct Alias: Codable, Sendable {
        public var alias: String
        public var term: String
        public var reason: String
    }

    public struct TopicPriors: Codable, Sendable {
        public var id: String
        public var label: String
        public var description: String
        public var groups: [TermGroup]
    }

    public struct Settings: Codable, Sendable {
        /// Relevance and topic bias before training (log-odds of the base rate).
        public var relevanceBias: Double
        public var topicBias: Double
        /// Weight added to every scorer when the item has no anchor term.
        public var noAnchor: Double
        /// |weight| of a prior phrase is its seed-vs-background log-odds clamped to [minPriorWeight, maxWeight].
        public var minPriorWeight: Double
        public var maxWeight: Double
        /// Phrases found in the seeds (not in the priors) that are added per scorer, and their weight scale.
        public var discoveredTerms: Int
        /// Discovered phrases added per topic (from the seed paragraphs that mention the topic).
        public var discoveredTopicTerms: Int
        public var discoveredScale: Double
        /// A discovered phrase needs at least this log-odds and must occur in this many seed files.
        public var discoveredMinLogOdds: Double
        public var discoveredMinSeeds: Int
        /// L2 strength pulling trained weights back to their priors (`model train`).
        public var regularization: Double
    }

    public static func load(contentsOf url: URL) throws -> ModelPriors {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TopicModelError(file: url.path, "cannot read priors: \((error as NSError).localizedDescription)")
        }
        do { return try JSONDecoder().decode(ModelPriors.self, from: data) } catch {
            throw TopicModelError(file: url.path, "not a valid priors file: \(error)")
        }
    }
}
