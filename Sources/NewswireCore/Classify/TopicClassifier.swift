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

    /// Every output's decision with its full decomposition: intercept, the terms with the largest
    /// contributions, and the rest, which add up to the logit (for `newswired classify`).
    public func explain(_ input: ClassifierInput) -> [Explanation] {
        let f = model.features(input)
        let z = model.logits(f)
        return (0..<model.outputCount).map { o in
            var contributions = f.terms.map { (term: $0.term, c: model.contribution($0.term, $0.value, output: o)) }
            contributions.sort { abs($0.c) != abs($1.c) ? abs($0.c) > abs($1.c) : $0.term < $1.term }
            let shown = contributions.prefix(explainTerms)
            let other = contributions.dropFirst(explainTerms).reduce(0) { $0 + $1.c }
            let p = Self.sigmoid(z[o])
            return Explanation(id: o == 0 ? "relevance" : model.topicIDs[o - 1], logit: z[o], probability: p,
                               threshold: model.thresholds[o], assigned: p >= model.thresholds[o],
                               intercept: model.intercepts[o],
                               terms: shown.map { Explanation.Term(term: model.display[Int($0.term)], contribution: $0.c) },
                               otherTerms: other)
        }
    }

    /// The terms with the largest positive contributions to an output, strongest first: the ones that
    /// pushed the decision up.
    func deciding(_ f: ItemFeatures, output: Int) -> [String] {
        // The best `explainTerms` kept in order by insertion: a handful of terms, no sort of them all.
        var best: [(c: Double, t: Int32)] = []
        best.reserveCapacity(explainTerms + 1)
        for (t, v) in f.terms {
            let c = model.contribution(t, v, output: output)
            guard c > 0, best.count < explainTerms || c > best[best.count - 1].c
                    || (c == best[best.count - 1].c && t < best[best.count - 1].t) else { continue }
            var i = best.count
            while i > 0 && (best[i - 1].c < c || (best[i - 1].c == c && best[i - 1].t > t)) { i -= 1 }
            best.insert((c, t), at: i)
            if best.count > explainTerms { best.removeLast() }
        }
        return best.map { model.display[Int($0.t)] }
    }

    @inline(__always) static func sigmoid(_ z: Double) -> Double { 1 / (1 + exp(-z)) }
    @inline(__always) static func round(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
}

/// One output's decision taken apart: `intercept + Σ terms.contribution + otherTerms == logit`, and
/// `probability` is the logistic function of the logit.
public struct Explanation: Sendable, Equatable {
    public struct Term: Sendable, Equatable {
        public var term: String
        public var contribution: Double
    }
    /// "relevance" or a topic id.
    public var id: String
    public var logit: Double
    public var probability: Double
    public var threshold: Double
    public var assigned: Bool
    public var intercept: Double
    /// The largest contributions by size, either sign.
    public var terms: [Term]
    /// The sum of every other term's contribution.
    public var otherTerms: Double
}
