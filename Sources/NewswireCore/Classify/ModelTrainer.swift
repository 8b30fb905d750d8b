import Foundation

/// Refits a model's weights from labelled examples: one L2-regularized logistic regression per scorer
/// (relevance and each topic), pulled toward the weights' priors, so a small example set adjusts the
/// seed-derived model instead of replacing it. Only the weights of the model's own terms (and each scorer's
/// bias and noAnchor weight) are refitted; no terms are added. (Adding every 1–2-gram of the examples as a
/// candidate term was tried and did worse in cross-validation on waic-dev.jsonl: 0.798 vs 0.809 topics
/// micro-F1 — 44 training items are too few to learn new vocabulary.)
///
/// Training always starts from the priors (`Weight.prior`), so retraining a trained model gives the same
/// result as training the built one.
public struct ModelTrainer: Sendable {
    /// L2 strength toward the priors (per weight, on the summed log-loss).
    public var regularization: Double
    public var biasRegularization: Double = 1
    public var iterations: Int = 1500
    public var learningRate: Double = 0.3
    /// Positives weigh sqrt(negatives/positives) × positiveBoost (at least 1) in the loss.
    public var positiveBoost: Double = 1.5

    public init(regularization: Double) { self.regularization = regularization }

    /// The model with every weight back at its prior and example-derived terms removed.
    public static func reset(_ file: TopicModelFile) -> TopicModelFile {
        var f = file
        func reset(_ s: inout Scorer) {
            s.bias = Weight(s.bias.prior)
            s.noAnchor = Weight(s.noAnchor.prior)
            s.terms = s.terms.filter { $0.value.prior != 0 }.mapValues { Weight($0.prior) }
        }
        reset(&f.relevance)
        for i in f.topics.indices { reset(&f.topics[i].scorer) }
        f.provenance?.examples = nil
        f.provenance?.exampleCount = nil
        f.provenance?.crossValidation = nil
        return f
    }

    public func train(_ base: TopicModelFile, examples: [LabelledExample]) throws -> TopicModelFile {
        var file = Self.reset(base)
        let model = try TopicModel(file: file)
        let features = examples.map { model.features($0.input) }
        let keyIndex = Dictionary(uniqueKeysWithValues: model.termKeys.enumerated().map { ($1, $0) })

        func fit(_ s: inout Scorer, labels: [Bool]) {
            let names = s.terms.keys.sorted()
            let idx = names.map { keyIndex[ModelBuilder.key($0)]! }
            var slot = [Int: Int]()   // term index → parameter slot
            for (n, i) in idx.enumerated() { slot[i] = n + 2 }
            var w = [s.bias.prior, s.noAnchor.prior] + names.map { s.terms[$0]!.prior }
            let prior = w
            let lambda = [biasRegularization * regularization, regularization] + Array(repeating: regularization, count: names.count)
            var g2 = [Double](repeating: 1e-8, count: w.count)
            let rows: [[(Int, Double)]] = features.map { f in
                [(0, 1.0)] + (f.hasAnchor ? [] : [(1, 1.0)]) + f.terms.compactMap { t in slot[Int(t.term)].map { ($0, Double(t.value)) } }
            }
            // Positives are rare for most topics; weighting them by sqrt(negatives/positives) trades a little
            // precision for recall, which is what F1 rewards.
            let positives = Double(labels.filter { $0 }.count)
            let positiveWeight = positives == 0 ? 1 : max(1, ((Double(labels.count) - positives) / positives).squareRoot() * positiveBoost)
            for _ in 0..<iterations {
                var grad = [Double](repeating: 0, count: w.count)
                for (r, row) in rows.enumerated() {
                    var z = 0.0
                    for (j, v) in row { z += w[j] * v }
                    let err = (1 / (1 + exp(-z)) - (labels[r] ? 1 : 0)) * (labels[r] ? positiveWeight : 1)
                    for (j, v) in row { grad[j] += err * v }
                }
                for j in w.indices {
                    let gj = grad[j] + lambda[j] * (w[j] - prior[j])
                    g2[j] += gj * gj
                    w[j] -= learningRate * gj / g2[j].squareRoot()
                }
            }
            s.bias = Weight(ModelBuilder.r(w[0]), prior: s.bias.prior)
            s.noAnchor = Weight(ModelBuilder.r(w[1]), prior: s.noAnchor.prior)
            for (n, name) in names.enumerated() {
                let p = s.terms[name]!.prior
                let v = ModelBuilder.r(w[n + 2])
                if p == 0 && abs(v) < 0.01 { s.terms[name] = nil } else { s.terms[name] = Weight(v, prior: p) }
            }
        }
        fit(&file.relevance, labels: examples.map(\.relevant))
        for i in file.topics.indices {
            let id = file.topics[i].id
            fit(&file.topics[i].scorer, labels: examples.map { $0.topics.contains(id) })
        }
        file.provenance?.regularization = regularization
        file.provenance?.exampleCount = examples.count
        return file
    }

    /// k-fold cross-validation: the examples are split into `k` folds, stratified by `relevant` and shuffled
    /// with a SplitMix64 generator seeded with `seed`; each fold is classified by a model trained on the other
    /// folds (starting from `base`'s priors). Returns the pooled evaluation of all held-out decisions.
    public func crossValidate(_ base: TopicModelFile, examples: [LabelledExample], k: Int, seed: UInt64) throws -> ModelEvaluation {
        precondition(k >= 2)
        let folds = Self.folds(examples, k: k, seed: seed)
        var eval: ModelEvaluation?
        for fold in 0..<k {
            let train = examples.indices.filter { folds[$0] != fold }.map { examples[$0] }
            let test = examples.indices.filter { folds[$0] == fold }.map { examples[$0] }
            let model = try TopicModel(file: try self.train(base, examples: train))
            let classifier = TopicClassifier(model: model)
            if eval == nil { eval = ModelEvaluation(topicIDs: model.topicIDs) }
            for x in test { eval!.add(x, classifier.classify(x.input), mentionsAI: model.mentionsAI(x.input)) }
        }
        return eval!
    }

    /// Fold number of each example.
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
}
