import Foundation

/// Precision/recall/F1 of a model's decisions against labelled examples, computed as
/// ../shared/eval/score_classifier.py does (topics pooled over all items, negatives included).
public struct ModelEvaluation: Sendable {
    public struct Counts: Sendable, Equatable {
        public var tp = 0, fp = 0, fn = 0, tn = 0
        public init() {}
        public var precision: Double { tp + fp == 0 ? 0 : Double(tp) / Double(tp + fp) }
        public var recall: Double { tp + fn == 0 ? 0 : Double(tp) / Double(tp + fn) }
        public var f1: Double { precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) }
        mutating func add(predicted: Bool, actual: Bool) {
            switch (predicted, actual) {
            case (true, true): tp += 1
            case (true, false): fp += 1
            case (false, true): fn += 1
            case (false, false): tn += 1
            }
        }
    }

    public var items = 0
    public var relevance = Counts()
    public var topicIDs: [String]
    public var perTopic: [String: Counts]
    /// Negatives that mention AI (contain one of the model's anchor terms): how many, how many flagged relevant.
    public var aiNegatives = 0
    public var aiNegativesFlagged = 0
    /// Ids of the examples the model got wrong on relevance.
    public var relevanceErrors: [String] = []
    /// Per example with a topic error: "id +wrongly-assigned -missed".
    public var topicErrors: [String] = []

    public init(topicIDs: [String]) {
        self.topicIDs = topicIDs
        perTopic = Dictionary(uniqueKeysWithValues: topicIDs.map { ($0, Counts()) })
    }

    public mutating func add(_ example: LabelledExample, _ c: Classification, mentionsAI: Bool) {
        items += 1
        relevance.add(predicted: c.relevant, actual: example.relevant)
        if c.relevant != example.relevant { relevanceErrors.append(example.id) }
        let predicted = Set(c.topics.map(\.id))
        for t in topicIDs { perTopic[t]!.add(predicted: predicted.contains(t), actual: example.topics.contains(t)) }
        let wrong = predicted.subtracting(example.topics).sorted().map { "+" + $0 } + example.topics.subtracting(predicted).sorted().map { "-" + $0 }
        if !wrong.isEmpty { topicErrors.append(([example.id] + wrong).joined(separator: " ")) }
        if !example.relevant && mentionsAI {
            aiNegatives += 1
            if c.relevant { aiNegativesFlagged += 1 }
        }
    }

    public var topicsPooled: Counts {
        perTopic.values.reduce(into: Counts()) { $0.tp += $1.tp; $0.fp += $1.fp; $0.fn += $1.fn; $0.tn += $1.tn }
    }
    public var microF1: Double { topicsPooled.f1 }
    public var macroF1: Double { topicIDs.isEmpty ? 0 : topicIDs.map { perTopic[$0]!.f1 }.reduce(0, +) / Double(topicIDs.count) }
    public var aiNegativeFPRate: Double { aiNegatives == 0 ? 0 : Double(aiNegativesFlagged) / Double(aiNegatives) }

    /// The report `newswired model eval` prints; its last line is `relevance F1=0.xxx topics microF1=0.xxx`.
    public func report(verbose: Bool = false) -> String {
        func f(_ x: Double) -> String { String(format: "%.3f", x) }
        let r = relevance
        var lines = ["items: \(items)",
                     "relevance: P=\(f(r.precision)) R=\(f(r.recall)) F1=\(f(r.f1)) (tp=\(r.tp) fp=\(r.fp) fn=\(r.fn) tn=\(r.tn))",
                     "AI-related negatives flagged relevant: \(aiNegativesFlagged)/\(aiNegatives) = \(f(aiNegativeFPRate))"]
        if !relevanceErrors.isEmpty { lines.append("relevance errors: \(relevanceErrors.joined(separator: " "))") }
        if verbose { lines += topicErrors.map { "topic errors: \($0)" } }
        lines.append("topic".padding(toLength: 24, withPad: " ", startingAt: 0) + "     P      R     F1  support")
        for t in topicIDs {
            let c = perTopic[t]!
            lines.append(t.padding(toLength: 24, withPad: " ", startingAt: 0)
                         + " \(f(c.precision)) \(f(c.recall)) \(f(c.f1)) \(String(format: "%8d", c.tp + c.fn))")
        }
        lines.append("topics: microF1=\(f(microF1)) macroF1=\(f(macroF1))")
        lines.append("relevance F1=\(f(r.f1)) topics microF1=\(f(microF1))")
        return lines.joined(separator: "\n")
    }
}

extension TopicModel {
    /// Does the text contain one of the model's anchor (AI) terms?
    public func mentionsAI(_ input: ClassifierInput) -> Bool { features(input).hasAnchor }

    /// Classifies every example with this model and scores the decisions.
    public func evaluate(_ examples: [LabelledExample]) -> ModelEvaluation {
        let classifier = TopicClassifier(model: self)
        var e = ModelEvaluation(topicIDs: topicIDs)
        for x in examples { e.add(x, classifier.classify(x.input), mentionsAI: mentionsAI(x.input)) }
        return e
    }
}
