import Foundation

/// Fits the topic model from labelled examples: one L2-regularized logistic regression for relevance and one
/// per topic (one-vs-rest), over the features `FeatureExtractor` defines, with tf-idf values scaled to unit
/// length.
///
/// Per output, k-fold cross-validation (folds stratified by `relevant`, shuffled with a seeded SplitMix64)
/// picks the regularization strength with the lowest out-of-fold log-loss, then the threshold with the best
/// out-of-fold F1 (for the topics, then jointly for their pooled F1); the model is then fitted on all examples
/// with those settings. The vocabulary and idf of
/// each fold come from its training part only. Single-threaded and in a fixed order, so the same examples and
/// spec give the same file byte for byte.
public struct ModelTrainer: Sendable {
    public var spec: TrainingSpec

    public init(spec: TrainingSpec) { self.spec = spec }

    public struct Result: Sendable {
        public var file: TopicModelFile
        /// The out-of-fold decisions at the chosen settings (slightly optimistic: the settings were chosen on
        /// them; `crossValidate` is the unbiased estimate).
        public var crossValidation: ModelEvaluation
    }

    var outputIDs: [String] { ["relevance"] + spec.topics.map(\.id) }

    /// Fits a model on `examples`. `command` and `exampleFiles` (base name → items) go into the file's training record.
    public func train(_ examples: [LabelledExample], command: String = "", exampleFiles: [String: Int] = [:]) throws -> Result {
        guard examples.count >= spec.folds else {
            throw TopicModelError(file: "examples", "\(examples.count) examples are too few for \(spec.folds)-fold cross-validation")
        }
        let docs = examples.map { Document(FeatureExtractor.keys($0.input, settings: spec.features)) }
        let labels = outputIDs.indices.map { o in examples.map { o == 0 ? $0.relevant : $0.topics.contains(outputIDs[o]) } }

        // Out-of-fold probabilities for every output and strength.
        let fold = Self.folds(examples, k: spec.folds, seed: spec.shuffleSeed)
        let grid = spec.regularizationGrid.sorted(by: >)   // strongest first: each fit starts from the previous
        var oof = [[[Double]]](repeating: [[Double]](repeating: [Double](repeating: 0, count: examples.count), count: grid.count),
                               count: outputIDs.count)
        for f in 0..<spec.folds {
            let trainIdx = examples.indices.filter { fold[$0] != f }
            let testIdx = examples.indices.filter { fold[$0] == f }
            let vec = Vectorizer(trainIdx.map { docs[$0] }, minDocumentFrequency: spec.minDocumentFrequency)
            let xTrain = vec.rows(trainIdx.map { docs[$0] }), xTest = vec.rows(testIdx.map { docs[$0] })
            for o in outputIDs.indices {
                let y = trainIdx.map { labels[o][$0] ? 1.0 : 0.0 }
                var start: LogisticRegression?
                for (g, lambda) in grid.enumerated() {
                    let m = LogisticRegression.fit(xTrain, labels: y, sampleWeights: [Double](repeating: 1, count: y.count),
                                                   options: .init(lambda: lambda), initial: start)
                    start = m
                    for (r, i) in testIdx.enumerated() { oof[o][g][i] = LogisticRegression.probability(m.logit(xTest, r)) }
                }
            }
        }

        // Per output: the strength with the lowest log-loss, then the threshold with the best F1.
        var chosen: [(lambda: Double, threshold: Double, scores: [Double])] = []
        for o in outputIDs.indices {
            var best = (loss: Double.infinity, g: 0)
            for g in grid.indices {
                let loss = Self.logLoss(oof[o][g], labels[o])
                if loss < best.loss - 1e-12 { best = (loss, g) }
            }
            let scores = oof[o][best.g]
            chosen.append((grid[best.g], Self.bestThreshold(scores, labels[o]), scores))
        }
        Self.tuneTopicThresholdsForMicroF1(&chosen, labels: labels)
        var cv = ModelEvaluation(topicIDs: spec.topics.map(\.id))
        for (i, x) in examples.enumerated() {
            let topics = spec.topics.indices.filter { chosen[$0 + 1].scores[i] >= chosen[$0 + 1].threshold }.map { spec.topics[$0].id }
            cv.add(x, relevant: chosen[0].scores[i] >= chosen[0].threshold, topics: Set(topics))
        }

        // The final fit on everything.
        let vec = Vectorizer(docs, minDocumentFrequency: spec.minDocumentFrequency)
        let x = vec.rows(docs)
        var fits: [LogisticRegression] = []
        for o in outputIDs.indices {
            let y = labels[o].map { $0 ? 1.0 : 0.0 }
            fits.append(LogisticRegression.fit(x, labels: y, sampleWeights: [Double](repeating: 1, count: y.count),
                                               options: .init(lambda: chosen[o].lambda), initial: nil))
        }
        let display = Self.displayNames(docs)
        let terms = vec.keys.enumerated().map { j, key in
            TopicModelFile.Term(key: key, display: display[key] ?? key, idf: Self.rounded(vec.idf[j]),
                                weights: fits.map { Self.rounded($0.weights[j]) })
        }
        func output(_ s: TrainingSpec.OutputSpec, _ o: Int) -> TopicModelFile.Output {
            .init(id: s.id, label: s.label, description: s.description, intercept: Self.rounded(fits[o].intercept),
                  threshold: chosen[o].threshold, regularization: chosen[o].lambda)
        }
        let record = TopicModelFile.TrainingRecord(
            command: command, examples: exampleFiles,
            seeds: examples.filter { $0.kind == "seed" }.map { String($0.id.dropFirst("seed:".count)) },
            folds: spec.folds, shuffleSeed: spec.shuffleSeed, regularizationGrid: spec.regularizationGrid,
            minDocumentFrequency: spec.minDocumentFrequency, crossValidation: cv.summary)
        let file = TopicModelFile(version: spec.version, description: spec.description, features: spec.features,
                                  relevance: output(spec.relevance, 0),
                                  topics: spec.topics.enumerated().map { output($1, $0 + 1) },
                                  terms: terms, training: record)
        _ = try TopicModel(file: file)
        return Result(file: file, crossValidation: cv)
    }

    /// Nested k-fold cross-validation: each fold is classified by a model `train` fitted on the other folds
    /// (its own inner cross-validation included), so no decision comes from settings chosen on that item.
    /// `alwaysTrainOn` (the seeds) joins every training part and is never scored.
    public func crossValidate(_ examples: [LabelledExample], k: Int, seed: UInt64,
                              alwaysTrainOn extra: [LabelledExample] = []) throws -> ModelEvaluation {
        precondition(k >= 2)
        let fold = Self.folds(examples, k: k, seed: seed)
        var eval = ModelEvaluation(topicIDs: spec.topics.map(\.id))
        var results: [(Int, Classification)] = []
        for f in 0..<k {
            let train = examples.indices.filter { fold[$0] != f }.map { examples[$0] } + extra
            let model = try TopicModel(file: try self.train(train).file)
            let classifier = TopicClassifier(model: model)
            for i in examples.indices where fold[i] == f { results.append((i, classifier.classify(examples[i].input))) }
        }
        for (i, c) in results.sorted(by: { $0.0 < $1.0 }) { eval.add(examples[i], c) }
        return eval
    }

    /// Fold number of each example: stratified by `relevant`, shuffled with SplitMix64(seed).
    static func folds(_ examples: [LabelledExample], k: Int, seed: UInt64) -> [Int] {
        var rng = SplitMix64(seed: seed)
        var fold = [Int](repeating: 0, count: examples.count)
        var next = 0
        for label in [true, false] {
            var group = examples.indices.filter { examples[$0].relevant == label }
            group.shuffle(using: &rng)
            for i in group { fold[i] = next % k; next += 1 }
        }
        return fold
    }

    /// The topics are scored by their pooled (micro) F1, so their thresholds are chosen together: starting from
    /// each topic's own best, coordinate ascent on the pooled out-of-fold F1, three rounds over the topics.
    static func tuneTopicThresholdsForMicroF1(_ chosen: inout [(lambda: Double, threshold: Double, scores: [Double])],
                                              labels: [[Bool]]) {
        guard chosen.count > 2 else { return }
        func pooled() -> Double {
            var c = ModelEvaluation.Counts()
            for o in 1..<chosen.count {
                for (q, y) in zip(chosen[o].scores, labels[o]) { c.add(predicted: q >= chosen[o].threshold, actual: y) }
            }
            return c.f1
        }
        for _ in 0..<3 {
            for o in 1..<chosen.count {
                var best = (f: pooled(), t: chosen[o].threshold)
                for step in 2...98 {
                    chosen[o].threshold = Double(step) / 100
                    let f = pooled()
                    if f > best.f + 1e-12 { best = (f, chosen[o].threshold) }
                }
                chosen[o].threshold = best.t
            }
        }
    }

    static func logLoss(_ p: [Double], _ y: [Bool]) -> Double {
        var s = 0.0
        for (q, label) in zip(p, y) {
            let c = min(max(q, 1e-9), 1 - 1e-9)
            s -= label ? log(c) : log(1 - c)
        }
        return s / Double(max(p.count, 1))
    }

    /// The threshold in 0.02…0.98 (steps of 0.01) with the best F1; among equal ones, the middle one.
    static func bestThreshold(_ p: [Double], _ y: [Bool]) -> Double {
        var best = -1.0
        var ties: [Double] = []
        for step in 2...98 {
            let t = Double(step) / 100
            var c = ModelEvaluation.Counts()
            for (q, label) in zip(p, y) { c.add(predicted: q >= t, actual: label) }
            let f = c.f1
            if f > best + 1e-12 { best = f; ties = [t] } else if abs(f - best) <= 1e-12 { ties.append(t) }
        }
        return ties[ties.count / 2]
    }

    /// Six significant digits, as the file stores them, so the model in memory is the model on disk.
    static func rounded(_ x: Double) -> Double { Double(TopicModelFile.number(x)) ?? x }

    /// The most frequent surface form of every key (ties: the smallest string).
    static func displayNames(_ docs: [Document]) -> [String: String] {
        var counts: [String: [String: Int]] = [:]
        for d in docs { for (key, surface) in d.occurrences { counts[key, default: [:]][surface, default: 0] += 1 } }
        var out: [String: String] = [:]
        for (key, forms) in counts {
            let surface = forms.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }!.key
            out[key] = key.hasPrefix(FeatureExtractor.titlePrefix) ? "title: " + surface : surface
        }
        out[FeatureExtractor.noAIKey] = "no AI term"
        return out
    }
}

/// One example's feature occurrences and their counts.
struct Document: Sendable {
    var occurrences: [(key: String, surface: String)]
    var counts: [String: Int]
    var mentionsAI: Bool

    init(_ features: (occurrences: [(key: String, surface: String)], mentionsAI: Bool)) {
        occurrences = features.occurrences
        mentionsAI = features.mentionsAI
        counts = [:]
        for o in occurrences { counts[o.key, default: 0] += 1 }
    }
}

/// The vocabulary of a set of documents (terms in at least `minDocumentFrequency` of them, sorted) with
/// smoothed idf, ln((N + 1) / (df + 1)) + 1, and the unit-length tf-idf rows `TopicModel.features` computes,
/// plus the `<no-ai-term>` indicator (value 1, outside the scaling) when some documents have it.
struct Vectorizer: Sendable {
    let keys: [String]
    let idf: [Double]
    private let column: [String: Int32]

    init(_ docs: [Document], minDocumentFrequency: Int) {
        var df: [String: Int] = [:]
        for d in docs {
            for k in d.counts.keys { df[k, default: 0] += 1 }
            if !d.mentionsAI { df[FeatureExtractor.noAIKey, default: 0] += 1 }
        }
        keys = df.filter { $0.value >= minDocumentFrequency }.map(\.key).sorted()
        let n = Double(docs.count)
        idf = keys.map { $0 == FeatureExtractor.noAIKey ? 1 : log((n + 1) / (Double(df[$0]!) + 1)) + 1 }
        column = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, Int32($0)) })
    }

    func rows(_ docs: [Document]) -> SparseRows {
        var x = SparseRows(columnCount: keys.count)
        for d in docs {
            var row: [(column: Int32, value: Double)] = []
            for (k, tf) in d.counts { if let j = column[k] { row.append((j, (1 + log(Double(tf))) * idf[Int(j)])) } }
            row.sort { $0.column < $1.column }
            let norm = row.reduce(0) { $0 + $1.value * $1.value }.squareRoot()
            if norm > 0 { for i in row.indices { row[i].value /= norm } }
            if !d.mentionsAI, let j = column[FeatureExtractor.noAIKey] { row.append((j, 1)) }
            x.append(row)
        }
        return x
    }
}
