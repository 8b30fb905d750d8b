import Foundation

/// The topic model as it is stored on disk (config/topics/waic-governance.json). Every field is documented in
/// config/topics/README.md. `TopicModel` validates and compiles it for matching.
public struct TopicModelFile: Codable, Sendable, Equatable {
    /// Layout version of this file; only 1 exists.
    public var format: Int
    /// Version of the model's content, shown in logs and `newswired model eval`.
    public var version: String
    public var description: String?
    public var text: TextSettings
    /// Terms that mark a text as being about AI at all. An item with none of them gets each scorer's
    /// `noAnchor` weight added (a strong negative): non-AI governance news is not AI governance.
    public var anchor: [String]
    /// Other spellings (Chinese terms, abbreviations) matched as the term they name: alias → term.
    public var aliases: [String: String]
    /// Is the item about the governance of AI?
    public var relevance: Scorer
    public var topics: [TopicDefinition]
    public var provenance: Provenance?

    public init(format: Int = 1, version: String, description: String? = nil, text: TextSettings = TextSettings(),
                anchor: [String], aliases: [String: String] = [:], relevance: Scorer, topics: [TopicDefinition],
                provenance: Provenance? = nil) {
        self.format = format
        self.version = version
        self.description = description
        self.text = text
        self.anchor = anchor
        self.aliases = aliases
        self.relevance = relevance
        self.topics = topics
        self.provenance = provenance
    }

    public struct TextSettings: Codable, Sendable, Equatable {
        /// A title occurrence counts this many body occurrences.
        public var titleWeight: Double = 2
        /// Body counts of longer texts are scaled by lengthNormTokens / body tokens, so a long article does not
        /// collect every topic from passing mentions.
        public var lengthNormTokens: Double = 300
        /// Cap on a term's weighted count before the log: feature = ln(1 + min(count, maxCount)).
        public var maxCount: Double = 8
        public init() {}
    }
}

/// One logistic scorer: score = σ(bias + noAnchor·[no anchor term] + Σ weight(term)·ln(1 + count(term))).
public struct Scorer: Codable, Sendable, Equatable {
    /// Decision threshold on the 0…1 score.
    public var threshold: Double
    public var bias: Weight
    /// Added when the text has no anchor term.
    public var noAnchor: Weight
    /// term (surface form, normalized at load) → weight.
    public var terms: [String: Weight]

    public init(threshold: Double = 0.5, bias: Weight, noAnchor: Weight, terms: [String: Weight]) {
        self.threshold = threshold
        self.bias = bias
        self.noAnchor = noAnchor
        self.terms = terms
    }
}

/// A weight and the prior it was trained from: stored as `[weight, prior]`. `prior` is what
/// `newswired model build` derived from seeds, background and priors without labelled examples;
/// `newswired model train` always refits from `prior`, so retraining never compounds on earlier training.
public struct Weight: Codable, Sendable, Equatable {
    public var weight: Double
    public var prior: Double

    public init(_ weight: Double, prior: Double? = nil) {
        self.weight = weight
        self.prior = prior ?? weight
    }

    public init(from decoder: Decoder) throws {
        var c = try decoder.unkeyedContainer()
        weight = try c.decode(Double.self)
        prior = c.isAtEnd ? weight : try c.decode(Double.self)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.unkeyedContainer()
        try c.encode(Self.rounded(weight))
        try c.encode(Self.rounded(prior))
    }

    static func rounded(_ x: Double) -> Double { (x * 10_000).rounded() / 10_000 }
}

public struct TopicDefinition: Codable, Sendable, Equatable {
    public var id: String
    public var label: String
    public var description: String
    public var scorer: Scorer

    public init(id: String, label: String, description: String, scorer: Scorer) {
        self.id = id
        self.label = label
        self.description = description
        self.scorer = scorer
    }

    private enum CodingKeys: String, CodingKey { case id, label, description }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        label = try c.decode(String.self, forKey: .label)
        description = try c.decode(String.self, forKey: .description)
        scorer = try Scorer(from: decoder)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(label, forKey: .label)
        try c.encode(description, forKey: .description)
        try scorer.encode(to: encoder)
    }
}

/// How the file was made, so a reader can rebuild it.
public struct Provenance: Codable, Sendable, Equatable {
    public var builtBy: String
    public var seeds: [String]
    public var background: BackgroundStats?
    public var priors: String?
    public var examples: String?
    public var exampleCount: Int?
    public var regularization: Double?
    public var crossValidation: String?

    public init(builtBy: String, seeds: [String] = [], background: BackgroundStats? = nil, priors: String? = nil,
                examples: String? = nil, exampleCount: Int? = nil, regularization: Double? = nil,
                crossValidation: String? = nil) {
        self.builtBy = builtBy
        self.seeds = seeds
        self.background = background
        self.priors = priors
        self.examples = examples
        self.exampleCount = exampleCount
        self.regularization = regularization
        self.crossValidation = crossValidation
    }

    public struct BackgroundStats: Codable, Sendable, Equatable {
        public var files: Int
        public var skippedFiles: Int
        public var documents: Int
        public var tokens: Int
        public init(files: Int, skippedFiles: Int, documents: Int, tokens: Int) {
            self.files = files
            self.skippedFiles = skippedFiles
            self.documents = documents
            self.tokens = tokens
        }
    }
}

extension TopicModelFile {
    /// The file's JSON: sorted keys, one stable layout, so a rebuild from the same inputs is byte-identical.
    public func encoded() throws -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try enc.encode(self) + Data("\n".utf8)
    }
}
