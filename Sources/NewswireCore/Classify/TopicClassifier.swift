import Foundation

/// Classifies items against a `TopicModel`: relevance, the topics at or above their thresholds (strongest
/// first) and the terms that decided each. Pure and thread-safe; one instance serves the whole pipeline.
public final class TopicClassifier: Sendable {
    public let model: TopicModel
    /// How many deciding terms each decision lists.
    public let explainTerms: Int

    public init(model: TopicModel, explainTerms: Int = 5) {
        self.model = model
        self.explainTerms = explainTerms
    }

    public func classify(_ input: ClassifierInput) -> Classification {
        let f = model.features(input)
        let z = model.logits(f)
        let relevance = Self.sigmoid(z[0])
        var topics: [TopicScore] = []
        for k in 0..<model.topicIDs.count {
            let s = Self.sigmoid(z[k + 1])
            if s >= model.thresholds[k + 1] {
                topics.append(TopicScore(id: model.topicIDs[k], score: Self.round(s), terms: deciding(f, output: k + 1)))
            }
        }
        topics.sort { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }
        return Classification(relevant: relevance >= model.thresholds[0], relevance: Self.round(relevance),
                              topics: topics, relevanceTerms: deciding(f, output: 0), language: f.language)
    }

    /// Every topic's score, also those under the threshold (for `newswired classify` explanations).
    public func allTopicScores(_ input: ClassifierInput) -> [TopicScore] {
        let f = model.features(input)
        let z = model.logits(f)
        return model.topicIDs.indices.map {
            TopicScore(id: model.topicIDs[$0], score: Self.round(Self.sigmoid(z[$0 + 1])), terms: deciding(f, output: $0 + 1))
        }
    }

    /// The terms with the largest positive contribution to an output, strongest first.
    func deciding(_ f: ItemFeatures, output: Int) -> [String] {
        var best: [(Float, Int32)] = []
        for (t, v) in f.terms {
            let c = model.weights[Int(t) * model.outputCount + output] * v
            if c > 0 { best.append((c, t)) }
        }
        best.sort { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 < $1.1 }
        return best.prefix(explainTerms).map { model.termDisplay[Int($0.1)] }
    }

    @inline(__always) static func sigmoid(_ z: Float) -> Double { 1 / (1 + exp(-Double(z))) }
    @inline(__always) static func round(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
}
