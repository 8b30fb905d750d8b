import Foundation
import Testing
@testable import NewswireCore

extension Classify {
    @Suite struct ModelTrainingTests {
        @Test func trainingTheSameDataTwiceGivesTheSameBytes() throws {
            let a = try ModelTrainer(spec: TinyData.spec).train(TinyData.examples, command: "c").file.encoded()
            let b = try ModelTrainer(spec: TinyData.spec).train(TinyData.examples, command: "c").file.encoded()
            #expect(a == b)
            #expect(a == TinyData.trained.encoded().replacingCommand(from: "test", to: "c"))
        }

        @Test func theExamplesOrderOnlyMovesTheFolds() throws {
            // Same examples, same spec: the vocabulary is sorted and each term's weights come from the same fit.
            let file = TinyData.trained
            #expect(file.terms.map(\.key) == file.terms.map(\.key).sorted())
            #expect(file.training?.folds == 3)
            #expect(file.training?.regularizationGrid == [0.1, 1])
            #expect([0.1, 1].contains(file.relevance.regularization))
            #expect(file.topics.allSatisfy { $0.threshold > 0 && $0.threshold < 1 })
        }

        @Test func logisticRegressionFindsTheMinimum() {
            // One feature, labels mostly following it: the gradient at the fit is (near) zero.
            var x = SparseRows(columnCount: 2)
            let rows: [[(column: Int32, value: Double)]] = [[(0, 1)], [(0, 1)], [(0, 1), (1, 0.5)], [(1, 1)], [(1, 1)], [(0, 0.2), (1, 1)]]
            for r in rows { x.append(r) }
            let y: [Double] = [1, 1, 0, 0, 0, 1]
            let m = LogisticRegression.fit(x, labels: y, sampleWeights: [Double](repeating: 1, count: y.count),
                                           options: .init(lambda: 0.5), initial: nil)
            var g = [Double](repeating: 0, count: 3)
            for r in 0..<x.count {
                let e = LogisticRegression.probability(m.logit(x, r)) - y[r]
                g[0] += e
                for k in x.rowStart[r]..<x.rowStart[r + 1] { g[Int(x.columns[k]) + 1] += e * x.values[k] }
            }
            g[1] += 0.5 * m.weights[0]; g[2] += 0.5 * m.weights[1]
            #expect(g.allSatisfy { abs($0) < 1e-4 }, "gradient \(g)")
            #expect(m.weights[0] > 0 && m.weights[1] < 0)
            // A warm start reaches the same optimum.
            let warm = LogisticRegression.fit(x, labels: y, sampleWeights: [Double](repeating: 1, count: y.count),
                                              options: .init(lambda: 0.5), initial: LogisticRegression(intercept: 3, weights: [-2, 2]))
            #expect(abs(warm.weights[0] - m.weights[0]) < 1e-4 && abs(warm.intercept - m.intercept) < 1e-4)
        }

        @Test func foldsAreStratifiedAndSeeded() {
            let f1 = ModelTrainer.folds(TinyData.examples, k: 3, seed: 7)
            #expect(f1 == ModelTrainer.folds(TinyData.examples, k: 3, seed: 7))
            #expect(f1 != ModelTrainer.folds(TinyData.examples, k: 3, seed: 8))
            for fold in 0..<3 {
                let positives = TinyData.examples.indices.filter { f1[$0] == fold && TinyData.examples[$0].relevant }.count
                #expect(positives == 3)
            }
        }

        @Test func thresholdIsTheMiddleOfTheBestPlateau() {
            // Any threshold in (0.3, 0.7] separates perfectly; the middle of 0.31…0.70 is picked.
            let t = ModelTrainer.bestThreshold([0.1, 0.2, 0.3, 0.7, 0.8, 0.9], [false, false, false, true, true, true])
            #expect(t == 0.51)
        }

        @Test func nestedCrossValidationScoresEveryExampleOnce() throws {
            let e = try ModelTrainer(spec: TinyData.spec).crossValidate(TinyData.examples, k: 3, seed: 1)
            #expect(e.items == TinyData.examples.count)
            #expect(e.relevance.tp + e.relevance.fn == 9)
            #expect(e.chineseRelevance.tp + e.chineseRelevance.fp + e.chineseRelevance.fn + e.chineseRelevance.tn == 3)
            let last = e.report().split(separator: "\n").last.map(String.init)
            #expect(last?.hasPrefix("relevance F1=") == true)
            #expect(last?.contains(" topics microF1=") == true)
        }

        @Test func evaluationCountsHardNegativesAndChineseItemsApart() {
            var e = ModelEvaluation(topicIDs: ["a"])
            let hard = LabelledExample(id: "h", title: "t", summary: nil, relevant: false, topics: [], kind: "neg-hard")
            let zh = LabelledExample(id: "z", title: "中文", summary: nil, relevant: true, topics: ["a"], lang: "zh")
            e.add(hard, relevant: true, topics: [])
            e.add(zh, relevant: true, topics: ["a"])
            #expect(e.hardNegatives.fp == 1 && e.hardNegatives.falsePositiveRate == 1)
            #expect(e.chineseRelevance.tp == 1 && e.chineseTopics.tp == 1)
            #expect(e.relevanceErrors == ["h"])
            #expect(e.report().contains("hard negatives flagged relevant: 1/1 = 1.000"))
        }

        @Test func readsLabelledExamplesAndNamesTheBadLine() throws {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("ex-\(UUID().uuidString).jsonl")
            defer { try? FileManager.default.removeItem(at: url) }
            try Data("""
            {"id": "x1", "title": "T", "summary": "S", "relevant": true, "topics": ["governance-body"], "lang": "en", "kind": "relevant"}

            {"id": "x2", "title": "T", "relevant": "yes"}
            """.utf8).write(to: url)
            #expect(throws: TopicModelError(file: url.path + ":3", "missing boolean field \"relevant\"")) {
                try LabelledExample.load(contentsOf: url)
            }
            try Data(#"{"id": "x1", "title": "T", "relevant": true, "topics": ["no-such-topic"]}"#.utf8).write(to: url)
            #expect(throws: TopicModelError(file: url.path + ":1", "unknown topic \"no-such-topic\" (the model's topics: a, b)")) {
                try LabelledExample.load(contentsOf: url, topicIDs: ["a", "b"])
            }
        }

        @Test func seedsAreReadWithTheirLabelsAndCut() throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seeds-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            try "Headline\nBody about AI governance.\nRecent Content\nUnrelated teaser.\n".write(to: dir.appendingPathComponent("s1.txt"), atomically: true, encoding: .utf8)
            var spec = TinyData.spec
            #expect(throws: TopicModelError.self) { try spec.seedExamples(in: dir) }
            spec.seeds.labels = ["s1.txt": .init(topics: ["shanghai-waic"], reason: "r")]
            let seeds = try spec.seedExamples(in: dir)
            #expect(seeds.count == 1)
            #expect(seeds[0].title == "Headline" && seeds[0].summary == "Body about AI governance.")
            #expect(seeds[0].relevant && seeds[0].topics == ["shanghai-waic"] && seeds[0].kind == "seed")
        }
    }
}

private extension Data {
    /// The same model bytes with another training command (the only field the two fits above differ in).
    func replacingCommand(from a: String, to b: String) -> Data {
        Data(String(decoding: self, as: UTF8.self).replacingOccurrences(of: "\"command\":\"\(a)\"", with: "\"command\":\"\(b)\"").utf8)
    }
}
