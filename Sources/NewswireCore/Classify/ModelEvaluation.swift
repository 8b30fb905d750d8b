import Foundation

/// Precision/recall/F1 of a model's decisions against labelled examples, computed as
/// ../shared/eval/score_classifier.py does (topics pooled over all items, negatives included), with the
/// false-positive rate on negatives (and on hard negatives, where the file marks them `kind: neg-hard`) and
/// the figures of the Chinese items (`lang: zh`, or detected as Chinese) apart.
public struct ModelEvaluation: Sendable {
    public struct Counts: Sendable, Equatable {
        public var tp = 0, fp = 0, fn = 0, tn = 0
        public init() {}
        public var precision: Double { tp + fp == 0 ? 0 : Double(tp) / Double(tp + fp) }
        public var recall: Double { tp + fn == 0 ? 0 : Double(tp) / Double(tp + fn) }
        public var f1: Double { precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) }
        /// Of the actual negatives, the share decided positive.
        public var falsePositiveRate: Double { fp + tn == 0 ? 0 : Double(fp) / Double(fp + tn) }
        mutating func add(predicted: Bool, actual: Bool) {
            switch (predicted, actual) {
            case (true, true): tp += 1
            case (true, false): fp += 1
            case (false, true): fn += 1
            case (false, false): tn += 1
            }
        }
        static func + (a: Counts, b: Counts) -> Counts {
            var c = a
            c.tp += b.tp; c.fp += b.fp; c.fn += b.fn; c.tn += b.tn
            return c
        }
    }

    public var items = 0
    public var relevance = Counts()
    public var topicIDs: [String]
    public var perTopic: [String: Counts]
    /// Relevance decisions on the negatives marked `neg-hard` (none when the file has no `kind`).
    public var hardNegatives = Counts()
    /// The Chinese items' relevance and pooled topic decisions.
    public var chineseRelevance = Counts()
    public var chineseTopics = Counts()
    /// Ids of the examples the model got wrong on relevance.
    public var relevanceErrors: [String] = []
    /// Per example with a topic error: "id +wrongly-assigned -missed".
    public var topicErrors: [String] = []

    public init(topicIDs: [String]) {
        self.topicIDs = topicIDs
        perTopic = Dictionary(uniqueKeysWithValues: topicIDs.map { ($0, Counts()) })
    }

    public mutating func add(_ example: LabelledExample, _ c: Classification) {
        add(example, relevant: c.relevant, topics: Set(c.topics.map(\.id)), language: c.language)
    }

    mutating func add(_ example: LabelledExample, relevant: Bool, topics predicted: Set<String>, language: String? = nil) {
        items += 1
        relevance.add(predicted: relevant, actual: example.relevant)
        if relevant != example.relevant { relevanceErrors.append(example.id) }
        let chinese = (example.lang ?? language) == "zh"
        if chinese { chineseRelevance.add(predicted: relevant, actual: example.relevant) }
        if example.kind == "neg-hard" { hardNegatives.add(predicted: relevant, actual: false) }
        for t in topicIDs {
            perTopic[t]!.add(predicted: predicted.contains(t), actual: example.topics.contains(t))
            if chinese { chineseTopics.add(predicted: predicted.contains(t), actual: example.topics.contains(t)) }
        }
        let wrong = predicted.subtracting(example.topics).sorted().map { "+" + $0 } + example.topics.subtracting(predicted).sorted().map { "-" + $0 }
        if !wrong.isEmpty { topicErrors.append(([example.id] + wrong).joined(separator: " ")) }
    }

    public var topicsPooled: Counts { topicIDs.reduce(Counts()) { $0 + perTopic[$1]! } }
    public var microF1: Double { topicsPooled.f1 }
    public var macroF1: Double { topicIDs.isEmpty ? 0 : topicIDs.map { perTopic[$0]!.f1 }.reduce(0, +) / Double(topicIDs.count) }

    /// One line for the model file's training record.
    public var summary: String {
        String(format: "relevance F1=%.3f (P=%.3f R=%.3f, negatives flagged %d/%d) topics microF1=%.3f macroF1=%.3f",
               relevance.f1, relevance.precision, relevance.recall, relevance.fp, relevance.fp + relevance.tn, microF1, macroF1)
    }

    /// The report `newswired model eval` prints; its last line is `relevance F1=0.xxx topics microF1=0.xxx`.
    public func report(verbose: Bool = false) -> String {
        func f(_ x: Double) -> String { String(format: "%.3f", x) }
        func counts(_ c: Counts) -> String { "tp=\(c.tp) fp=\(c.fp) fn=\(c.fn) tn=\(c.tn)" }
        let r = relevance
        var lines = ["items: \(items)",
                     "relevance: P=\(f(r.precision)) R=\(f(r.recall)) F1=\(f(r.f1)) (\(counts(r)))",
                     "negatives flagged relevant: \(r.fp)/\(r.fp + r.tn) = \(f(r.falsePositiveRate))"]
        if hardNegatives.fp + hardNegatives.tn > 0 {
            lines.append("hard negatives flagged relevant: \(hardNegatives.fp)/\(hardNegatives.fp + hardNegatives.tn) = \(f(hardNegatives.falsePositiveRate))")
        }
        if chineseRelevance.tp + chineseRelevance.fp + chineseRelevance.fn + chineseRelevance.tn > 0 {
            let n = chineseRelevance.tp + chineseRelevance.fp + chineseRelevance.fn + chineseRelevance.tn
            lines.append("chinese items: \(n), relevance F1=\(f(chineseRelevance.f1)) (\(counts(chineseRelevance))) topics microF1=\(f(chineseTopics.f1))")
        }
        if !relevanceErrors.isEmpty { lines.append("relevance errors: \(relevanceErrors.joined(separator: " "))") }
        if verbose { lines += topicErrors.map { "topic errors: \($0)" } }
        lines.append("topic".padding(toLength: 24, withPad: " ", startingAt: 0) + "     P      R     F1  support   tp   fp   fn")
        for t in topicIDs {
            let c = perTopic[t]!
            lines.append(t.padding(toLength: 24, withPad: " ", startingAt: 0)
                         + " \(f(c.precision)) \(f(c.recall)) \(f(c.f1)) \(String(format: "%8d %4d %4d %4d", c.tp + c.fn, c.tp, c.fp, c.fn))")
        }
        let p = topicsPooled
        lines.append("topics: microF1=\(f(microF1)) macroF1=\(f(macroF1)) (\(counts(p)))")
        lines.append("relevance F1=\(f(r.f1)) topics microF1=\(f(microF1))")
        return lines.joined(separator: "\n")
    }
}

extension TopicModel {
    /// Classifies every example with this model and scores the decisions.
    public func evaluate(_ examples: [LabelledExample]) -> ModelEvaluation {
        let classifier = TopicClassifier(model: self)
        var e = ModelEvaluation(topicIDs: topicIDs)
        for x in examples { e.add(x, classifier.classify(x.input)) }
        return e
    }
}
