import Foundation

/// The topic model as it is stored on disk (config/topics/waic-governance.json), written by
/// `newswired model train` and documented field by field in config/topics/README.md. `TopicModel` validates
/// and compiles it.
///
/// Every number in it comes out of a fit: one L2-regularized logistic regression for relevance and one per
/// topic over the same features, each with its intercept and the decision threshold cross-validation chose.
public struct TopicModelFile: Codable, Sendable, Equatable {
    /// The layout of this file. This build reads `TopicModelFile.currentFormat` only.
    public var format: Int
    /// The model's content version, shown in logs and by `newswired model eval`.
    public var version: String
    public var description: String?
    public var features: FeatureSettings
    public var relevance: Output
    public var topics: [Output]
    /// The vocabulary, sorted by key: each term's idf and its weight for every output (relevance first, then
    /// the topics in order).
    public var terms: [Term]
    public var training: TrainingRecord?

    public static let currentFormat = 2

    public init(format: Int = TopicModelFile.currentFormat, version: String, description: String? = nil,
                features: FeatureSettings = FeatureSettings(), relevance: Output, topics: [Output], terms: [Term],
                training: TrainingRecord? = nil) {
        self.format = format
        self.version = version
        self.description = description
        self.features = features
        self.relevance = relevance
        self.topics = topics
        self.terms = terms
        self.training = training
    }

    /// One classifier: relevance, or one topic.
    public struct Output: Codable, Sendable, Equatable {
        public var id: String
        public var label: String
        public var description: String
        public var intercept: Double
        /// The decision threshold on the 0…1 probability.
        public var threshold: Double
        /// The L2 strength the fit used (chosen by cross-validation).
        public var regularization: Double

        public init(id: String, label: String, description: String, intercept: Double = 0, threshold: Double = 0.5,
                    regularization: Double = 0) {
            self.id = id
            self.label = label
            self.description = description
            self.intercept = intercept
            self.threshold = threshold
            self.regularization = regularization
        }
    }

    /// A feature of the vocabulary: stored as `[key, display, idf, [weights]]`.
    public struct Term: Codable, Sendable, Equatable {
        /// Normalized tokens joined by a space; "title:" for a title feature (`FeatureExtractor`).
        public var key: String
        /// The words as people write them, for explanations.
        public var display: String
        public var idf: Double
        /// One weight per output: relevance, then the topics in order.
        public var weights: [Double]

        public init(key: String, display: String, idf: Double, weights: [Double]) {
            self.key = key
            self.display = display
            self.idf = idf
            self.weights = weights
        }

        public init(from decoder: Decoder) throws {
            var c = try decoder.unkeyedContainer()
            key = try c.decode(String.self)
            display = try c.decode(String.self)
            idf = try c.decode(Double.self)
            weights = try c.decode([Double].self)
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.unkeyedContainer()
            try c.encode(key)
            try c.encode(display)
            try c.encode(idf)
            try c.encode(weights)
        }
    }

    /// How the model was made, so that `newswired model train` can make it again.
    public struct TrainingRecord: Codable, Sendable, Equatable {
        public var command: String
        /// Example files (base names) with how many items each gave.
        public var examples: [String: Int]
        public var seeds: [String]
        public var folds: Int
        public var shuffleSeed: UInt64
        public var regularizationGrid: [Double]
        public var minDocumentFrequency: Int
        /// The cross-validated figures of the chosen settings (out-of-fold decisions of the training data).
        public var crossValidation: String

        public init(command: String, examples: [String: Int], seeds: [String], folds: Int, shuffleSeed: UInt64,
                    regularizationGrid: [Double], minDocumentFrequency: Int, crossValidation: String) {
            self.command = command
            self.examples = examples
            self.seeds = seeds
            self.folds = folds
            self.shuffleSeed = shuffleSeed
            self.regularizationGrid = regularizationGrid
            self.minDocumentFrequency = minDocumentFrequency
            self.crossValidation = crossValidation
        }
    }

    /// The file's bytes: sorted keys, one term per line, numbers to 6 significant digits, so the same model
    /// is the same bytes and a retrained model diffs by line.
    public func encoded() -> Data {
        var out = "{\n"
        out += "  \"format\" : \(format),\n"
        out += "  \"version\" : \(Self.json(version)),\n"
        if let description { out += "  \"description\" : \(Self.json(description)),\n" }
        out += "  \"features\" : \(Self.compact(features)),\n"
        out += "  \"relevance\" : \(Self.line(relevance)),\n"
        out += "  \"topics\" : [\n" + topics.map { "    " + Self.line($0) }.joined(separator: ",\n") + "\n  ],\n"
        if let training { out += "  \"training\" : \(Self.compact(training)),\n" }
        out += "  \"terms\" : [\n"
        out += terms.map { t in
            "    [\(Self.json(t.key)), \(Self.json(t.display)), \(Self.number(t.idf)), ["
                + t.weights.map(Self.number).joined(separator: ", ") + "]]"
        }.joined(separator: ",\n")
        out += "\n  ]\n}\n"
        return Data(out.utf8)
    }

    static func number(_ x: Double) -> String {
        let s = String(format: "%.6g", x)
        return s == "-0" ? "0" : s
    }

    private static func line(_ o: Output) -> String {
        "{\"id\" : \(json(o.id)), \"label\" : \(json(o.label)), \"description\" : \(json(o.description)), "
            + "\"intercept\" : \(number(o.intercept)), \"threshold\" : \(number(o.threshold)), "
            + "\"regularization\" : \(number(o.regularization))}"
    }

    private static func json(_ s: String) -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.withoutEscapingSlashes]
        return String(decoding: try! enc.encode(s), as: UTF8.self)
    }

    private static func compact(_ v: some Encodable) -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! enc.encode(v), as: UTF8.self)
    }
}
