import Foundation
import Testing
@testable import NewswireCore

extension Classify {
    @Suite struct ModelTrainingTests {
        /// Six small labelled items written for this test.
        static let examples: [LabelledExample] = [
            LabelledExample(id: "a", title: "AI rivalry over export controls", summary: "Governance of AI chips.", relevant: true, topics: ["us-china-rivalry"]),
            LabelledExample(id: "b", title: "New AI export controls", summary: "Rivalry deepens.", relevant: true, topics: ["us-china-rivalry"]),
            LabelledExample(id: "c", title: "AI governance talks", summary: "Governance of AI.", relevant: true, topics: []),
            LabelledExample(id: "d", title: "AI startup funding", summary: "AI funding round.", relevant: false, topics: []),
            LabelledExample(id: "e", title: "AI funding again", summary: "More AI funding.", relevant: false, topics: []),
            LabelledExample(id: "f", title: "Football results", summary: "Scores.", relevant: false, topics: []),
        ]

        @Test func trainingMovesWeightsFromTheirPriorsAndKeepsThePriors() throws {
            let base = tinyModelFile()
            let trained = try ModelTrainer(regularization: 1).train(base, examples: Self.examples)
            let w = try #require(trained.relevance.terms["governance"])
            #expect(w.prior == 2)
            #expect(w.weight != 2)
            #expect(trained.provenance == nil || trained.provenance?.exampleCount == 6)
            // Retraining the trained model starts from the priors again: same result.
            let again = try ModelTrainer(regularization: 1).train(trained, examples: Self.examples)
            #expect(again.relevance == trained.relevance)
            #expect(ModelTrainer.reset(trained).relevance == base.relevance)
        }

        @Test func trainedModelFitsItsTrainingItems() throws {
            let trained = try ModelTrainer(regularization: 0.1).train(tinyModelFile(), examples: Self.examples)
            let e = try TopicModel(file: trained).evaluate(Self.examples)
            #expect(e.relevance.f1 == 1)
            #expect(e.perTopic["us-china-rivalry"]!.f1 == 1)
        }

        @Test func foldsAreStratifiedAndReproducible() {
            let f1 = ModelTrainer.folds(Self.examples, k: 3, seed: 7)
            #expect(f1 == ModelTrainer.folds(Self.examples, k: 3, seed: 7))
            for fold in 0..<3 {
                let members = Self.examples.indices.filter { f1[$0] == fold }
                #expect(members.count == 2)
                #expect(members.filter { Self.examples[$0].relevant }.count == 1)
            }
        }

        @Test func crossValidationScoresEveryItemOnce() throws {
            let e = try ModelTrainer(regularization: 1).crossValidate(tinyModelFile(), examples: Self.examples, k: 3, seed: 1)
            #expect(e.items == 6)
            #expect(e.relevance.tp + e.relevance.fp + e.relevance.fn + e.relevance.tn == 6)
        }

        @Test func evaluationReportEndsWithTheSummaryLine() throws {
            let e = try TopicModel(file: tinyModelFile()).evaluate(Self.examples)
            let last = e.report().split(separator: "\n").last.map(String.init)
            #expect(last?.hasPrefix("relevance F1=") == true)
            #expect(last?.contains(" topics microF1=") == true)
            // Negatives that mention AI: d and e (f does not).
            #expect(e.aiNegatives == 2)
        }

        @Test func readsLabelledExamplesAndNamesTheBadLine() throws {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("ex-\(UUID().uuidString).jsonl")
            defer { try? FileManager.default.removeItem(at: url) }
            try Data("""
            {"id": "x1", "title": "T", "summary": "S", "relevant": true, "topics": ["governance-body"]}

            {"id": "x2", "title": "T", "relevant": "yes"}
            """.utf8).write(to: url)
            #expect(throws: TopicModelError(file: url.path + ":3", "missing boolean field \"relevant\"")) {
                try LabelledExample.load(contentsOf: url)
            }
        }
    }
}

extension Classify {
    @Suite struct ModelBuilderTests {
        @Test func seedTextStopsAtTheCutMarker() throws {
            let priors = try ModelPriors.load(contentsOf: Paths.root.appendingPathComponent("config/topics/priors.json"))
            let b = ModelBuilder(priors: priors)
            #expect(b.usableSeedText("Title\nBody\nRecent Content\nNokia is shifting") == "Title\nBody")
        }

        @Test func buildIsDeterministicAndWeighsPriorPhrasesFromData() throws {
            let priors = try ModelPriors.load(contentsOf: Paths.root.appendingPathComponent("config/topics/priors.json"))
            let seeds = [ModelBuilder.Seed(name: "s1", text: "AI governance and export controls.\nGlobal AI governance framework at the summit."),
                         ModelBuilder.Seed(name: "s2", text: "Shanghai hosts WAIC.\nAI governance in Shanghai.")]
            let background = Array(repeating: "Apple releases a new phone with AI features and funding news. Football scores and weather.", count: 40)
            let stats = Provenance.BackgroundStats(files: 1, skippedFiles: 0, documents: 2, tokens: 20)
            let a = try ModelBuilder(priors: priors).build(seeds: seeds, background: background, backgroundStats: stats)
            let b = try ModelBuilder(priors: priors).build(seeds: seeds, background: background, backgroundStats: stats)
            #expect(try a.encoded() == b.encoded())
            let s = priors.settings
            // "governance" is in every seed paragraph but one and absent from the background: above the minimum.
            let governance = try #require(a.relevance.terms["governance"]?.weight)
            #expect(governance > s.minPriorWeight && governance <= s.maxWeight)
            // An "against" phrase is negative.
            #expect((a.relevance.terms["funding"]?.weight ?? 0) <= -s.minPriorWeight)
            // A prior phrase absent from both still gets the minimum weight of its polarity.
            #expect(a.relevance.terms["treaty"]?.weight == s.minPriorWeight)
            _ = try TopicModel(file: a)
        }
    }
}
