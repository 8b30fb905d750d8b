import Foundation

/// The topic model as it is stored on disk (config/topics/waic-governance.json), written by
/// `newswired model train` and documented field by field in config/topics/README.md. `TopicModel` validates
/// and compiles it.
///
/// Every number in it comes out of a fit: one L2-regularized logistic regression for relevance and one per
/// topic over the same features, each with its intercept and the decision threshold cross-validation chose.
public struct TopicModelFile: Codable, Sendable, Equatable {
    /// The layout of this file. This build reads `TopicModelFile.currentFormat` only.
    public var format: Int = TopicModelFile.currentFormat
    /// The model's content version, shown in logs and by `newswired model eval`.
    public var version: String
    public var description: String?
    public var features = FeatureSettings()
    public var relevance: Output
    public var topics: [Output]
    /// The vocabulary, sorted by key: each term's idf and its weight for every output (relevance first, then
    /// the topics in order).
    public var terms: [Term]
    public var training: TrainingRecord?

    public static let currentFormat = 2

    /// One classifier: relevance, or one topic.
    public struct Output: Codable, Sendable, Equatable {
        public var id: String
        public var label: String
        public var description: String
        public var intercept: Double = 0
        /// The decision threshold on the 0…1 probability.
        public var threshold = 0.5
        /// The L2 strength the fit used (chosen by cross-validation).
        public var regularization: Double = 0
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

/// A term is stored as an array, `[key, display, idf, [weights]]` (in an extension, so the memberwise
/// initializer stays).
extension TopicModelFile.Term {
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
