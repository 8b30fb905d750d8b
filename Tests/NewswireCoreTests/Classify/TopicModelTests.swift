import Foundation
import Testing
@testable import NewswireCore

/// A small labelled set for testing the mechanics of training and scoring (not the shipped model).
enum TinyData {
    static let spec: TrainingSpec = {
        let topic = { (id: String) in TrainingSpec.OutputSpec(id: id, label: id, description: "d") }
        var features = FeatureSettings()
        features.maxBodyTokens = 50
        return TrainingSpec(version: "test 2", description: "tiny", relevance: topic("relevance"),
                            topics: [topic("us-china-rivalry"), topic("shanghai-waic")], features: features,
                            minDocumentFrequency: 1, regularizationGrid: [0.1, 1], folds: 3, shuffleSeed: 7,
                            seeds: .init(cutAt: ["Recent Content"], labels: [:]))
    }()

    static let examples: [LabelledExample] = {
        var xs: [LabelledExample] = []
        let relevant = [
            ("US tightens export controls on AI chips to China", ["us-china-rivalry"]),
            ("Export controls on advanced AI chips widen rivalry", ["us-china-rivalry"]),
            ("China answers US chip export controls", ["us-china-rivalry"]),
            ("World Artificial Intelligence Conference opens in Shanghai with governance forum", ["shanghai-waic"]),
            ("Shanghai conference debates AI governance rules", ["shanghai-waic"]),
            ("AI governance declaration adopted at Shanghai conference", ["shanghai-waic"]),
            ("美国加强人工智能芯片出口管制", ["us-china-rivalry"]),
            ("上海世界人工智能大会讨论人工智能治理", ["shanghai-waic"]),
            ("Regulators publish AI governance rules", []),
        ]
        let negative = [
            "AI startup raises funding for chatbot", "Chip maker reports record quarterly revenue",
            "Football club wins the league title", "Storm brings heavy rain to the coast",
            "New phone launches with a better camera", "AI model tops benchmark in coding tests",
            "人工智能初创公司完成新一轮融资", "Markets close higher on bank shares", "Conference on football tactics in Shanghai",
        ]
        for (n, r) in relevant.enumerated() {
            xs.append(LabelledExample(id: "r\(n)", title: r.0, summary: r.0 + ".", relevant: true, topics: Set(r.1),
                                      lang: r.0.unicodeScalars.first!.value > 0x3000 ? "zh" : "en"))
        }
        for (n, t) in negative.enumerated() {
            xs.append(LabelledExample(id: "n\(n)", title: t, summary: t + ".", relevant: false, topics: [],
                                      lang: t.unicodeScalars.first!.value > 0x3000 ? "zh" : "en"))
        }
        return xs
    }()

    static let trained: TopicModelFile = try! ModelTrainer(spec: spec).train(examples, command: "test").file
}

extension Classify {
    @Suite struct TopicModelTests {
        @Test func contributionsInterceptAndTheRestAddUpToTheLogit() throws {
            let c = TopicClassifier(model: try TopicModel(file: TinyData.trained), explainTerms: 3)
            let input = ClassifierInput(title: "US export controls on AI chips", summary: "Rivalry with China over AI governance in Shanghai.")
            let explained = c.explain(input)
            #expect(explained.map(\.id) == ["relevance", "us-china-rivalry", "shanghai-waic"])
            for e in explained {
                let sum = e.intercept + e.terms.reduce(0) { $0 + $1.contribution } + e.otherTerms
                #expect(abs(sum - e.logit) < 1e-9, "\(e.id): \(sum) vs \(e.logit)")
                #expect(abs(e.probability - 1 / (1 + exp(-e.logit))) < 1e-12)
                #expect(e.terms.count <= 3)
            }
            // The classification is the same decision: same probability, the deciding terms are the positive ones.
            let r = c.classify(input)
            #expect(abs(r.relevance - TopicClassifier.round(explained[0].probability)) < 1e-12)
            let positives = explained[0].terms.filter { $0.contribution > 0 }.map(\.term)
            #expect(Array(r.relevanceTerms.prefix(positives.count)) == positives.sorted { a, b in
                explained[0].terms.first { $0.term == a }!.contribution > explained[0].terms.first { $0.term == b }!.contribution
            })
        }

        @Test func learnsTheTinySet() throws {
            let c = TopicClassifier(model: try TopicModel(file: TinyData.trained))
            let rivalry = c.classify(ClassifierInput(title: "New export controls on AI chips", summary: "The US and China."))
            #expect(rivalry.relevant)
            #expect(rivalry.topics.map(\.id).contains("us-china-rivalry"))
            let football = c.classify(ClassifierInput(title: "Football club wins again", summary: "The league title."))
            #expect(!football.relevant)
            #expect(football.topics.isEmpty)
        }

        @Test func chineseTextIsScoredThroughCharacterPairs() throws {
            let m = try TopicModel(file: TinyData.trained)
            #expect(m.file.terms.contains { $0.key == "出 口" })
            #expect(m.file.terms.contains { $0.key == "管 制" && $0.display == "管制" })
            let r = TopicClassifier(model: m).classify(ClassifierInput(title: "美国扩大芯片出口管制"))
            #expect(r.language == "zh")
            #expect(r.topics.map(\.id).contains("us-china-rivalry"))
            #expect(r.topics.first { $0.id == "us-china-rivalry" }!.terms.contains { ["出口", "管制", "口管"].contains($0) })
        }

        @Test func featuresOfTheClassifierAreTheTrainersFeatures() throws {
            // Every key the trainer sees hashes to what the classifier computes for the same occurrence.
            let input = ClassifierInput(title: "U.S. export controls 2025", summary: "AI chips, 人工智能 rules.", content: "More rules.")
            let keys = FeatureExtractor.keys(input, settings: FeatureSettings())
            let vocabulary = keys.occurrences.map(\.key)
            let terms = Set(vocabulary).sorted().map { TopicModelFile.Term(key: $0, display: $0, idf: 1, weights: [1, 0, 0]) }
            let file = TopicModelFile(version: "v", relevance: .init(id: "relevance", label: "r", description: "d"),
                                      topics: [.init(id: "a", label: "a", description: "d"), .init(id: "b", label: "b", description: "d")],
                                      terms: terms)
            let m = try TopicModel(file: file)
            let f = m.features(input)
            #expect(f.terms.count == terms.count, "every key found by hash")
            #expect(vocabulary.contains("title:usa export"))
            #expect(vocabulary.contains("人 工"))
            #expect(!vocabulary.contains { $0.contains("2025") }, "numbers make no features")
            #expect(abs(f.terms.reduce(0) { $0 + $1.value * $1.value } - 1) < 1e-5, "unit length")
        }

        @Test func theModelFileRoundTrips() throws {
            let bytes = TinyData.trained.encoded()
            let decoded = try JSONDecoder().decode(TopicModelFile.self, from: bytes)
            #expect(decoded == TinyData.trained)
            #expect(decoded.encoded() == bytes)
            let input = ClassifierInput(title: "Shanghai AI governance conference")
            #expect(TopicClassifier(model: try TopicModel(file: decoded)).classify(input)
                    == TopicClassifier(model: try TopicModel(file: TinyData.trained)).classify(input))
        }

        @Test func aFileOfAnotherFormatIsRefusedWithAClearMessage() throws {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("model-\(UUID().uuidString).json")
            defer { try? FileManager.default.removeItem(at: url) }
            try #"{"format": 1, "version": "waic-governance 1.0", "anchor": ["ai"], "relevance": {}}"#.write(to: url, atomically: true, encoding: .utf8)
            let error = #expect(throws: TopicModelError.self) { try TopicModel.load(contentsOf: url) }
            #expect(error?.message == "model file format 1, but this newswired reads format 2 (retrain it with `newswired model train`, see config/topics/README.md)")
            #expect(error?.file == url.path)
        }

        @Test func loadErrorsNameTheProblem() throws {
            var file = TinyData.trained
            file.topics[1].threshold = 1.5
            #expect(throws: TopicModelError(file: "m.json", "shanghai-waic: \"threshold\" must be between 0 and 1, is 1.5")) {
                try TopicModel(file: file, source: "m.json")
            }
            file = TinyData.trained
            file.terms[0].weights.removeLast()
            #expect(throws: TopicModelError.self) { try TopicModel(file: file) }
            file = TinyData.trained
            file.terms.append(file.terms[0])
            #expect(throws: TopicModelError(file: "(in memory)", "terms[\(file.terms.count - 1)]: \"\(file.terms[0].key)\" repeats \"\(file.terms[0].key)\"")) {
                try TopicModel(file: file)
            }
        }
    }
}
