import Foundation
import Testing
@testable import NewswireCore

/// A tiny hand-written model for testing the mechanics (not the shipped weights).
func tinyModelFile() -> TopicModelFile {
    TopicModelFile(
        version: "test 1",
        anchor: ["ai", "artificial intelligence"],
        aliases: ["人工智能": "artificial intelligence", "出口管制": "export controls"],
        relevance: Scorer(bias: Weight(-2), noAnchor: Weight(-4), terms: ["governance": Weight(2), "export controls": Weight(2), "funding": Weight(-2)]),
        topics: [
            TopicDefinition(id: "us-china-rivalry", label: "Rivalry", description: "d",
                            scorer: Scorer(bias: Weight(-1), noAnchor: Weight(-4), terms: ["export controls": Weight(2), "rivalry": Weight(1.5)])),
            TopicDefinition(id: "shanghai-waic", label: "WAIC", description: "d",
                            scorer: Scorer(bias: Weight(-1), noAnchor: Weight(0), terms: ["world artificial intelligence conference": Weight(3)])),
        ])
}

extension Classify {
    @Suite struct TopicModelTests {
        @Test func matchesPhrasesAcrossStopWordsAndInflections() throws {
            let c = TopicClassifier(model: try TopicModel(file: tinyModelFile()))
            let r = c.classify(ClassifierInput(title: "New export controls on AI", summary: "The governance of AI chips."))
            #expect(r.relevant)
            #expect(r.relevanceTerms.first == "export controls" || r.relevanceTerms.first == "governance")
            #expect(r.topics.map(\.id) == ["us-china-rivalry"])
            #expect(r.topics[0].terms == ["export controls"])
            #expect(r.language == "en")
        }

        @Test func titleCountsMoreThanBody() throws {
            let c = TopicClassifier(model: try TopicModel(file: tinyModelFile()))
            let inTitle = c.classify(ClassifierInput(title: "AI rivalry grows", summary: "Officials spoke."))
            let inBody = c.classify(ClassifierInput(title: "Officials spoke", summary: "AI rivalry grows."))
            let s1 = c.allTopicScores(ClassifierInput(title: "AI rivalry grows", summary: "Officials spoke.")).first { $0.id == "us-china-rivalry" }!
            let s2 = c.allTopicScores(ClassifierInput(title: "Officials spoke", summary: "AI rivalry grows.")).first { $0.id == "us-china-rivalry" }!
            #expect(s1.score > s2.score)
            #expect(inTitle.relevance == inBody.relevance)
        }

        @Test func withoutAnAnchorTermNothingIsRelevant() throws {
            let c = TopicClassifier(model: try TopicModel(file: tinyModelFile()))
            let r = c.classify(ClassifierInput(title: "Rare earth export controls tighten", summary: "New governance rules for magnets."))
            #expect(!r.relevant)
            #expect(r.topics.isEmpty)
        }

        @Test func chineseTermsMatchThroughAliases() throws {
            let c = TopicClassifier(model: try TopicModel(file: tinyModelFile()))
            let r = c.classify(ClassifierInput(title: "美国加强人工智能芯片出口管制"))
            #expect(r.language == "zh")
            #expect(r.topics.map(\.id) == ["us-china-rivalry"])
            #expect(r.topics[0].terms == ["export controls"])
        }

        @Test func topicsAreSortedStrongestFirstAndAboveThreshold() throws {
            let c = TopicClassifier(model: try TopicModel(file: tinyModelFile()))
            let r = c.classify(ClassifierInput(title: "World Artificial Intelligence Conference", summary: "Export controls and AI rivalry."))
            #expect(r.topics.map(\.id) == ["shanghai-waic", "us-china-rivalry"])
            #expect(r.topics.allSatisfy { $0.score >= 0.5 })
            #expect(r.topics[0].score >= r.topics[1].score)
        }

        // MARK: - Broken model files

        private func loadError(_ json: String) -> String? {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("model-\(UUID().uuidString).json")
            defer { try? FileManager.default.removeItem(at: url) }
            try? Data(json.utf8).write(to: url)
            do { _ = try TopicModel.load(contentsOf: url); return nil } catch let e as TopicModelError {
                #expect(e.file == url.path)
                return e.message
            } catch { return "unexpected \(error)" }
        }

        private func tinyJSON() throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: try tinyModelFile().encoded()) as! [String: Any]
        }

        private func json(_ obj: [String: Any]) -> String {
            String(decoding: try! JSONSerialization.data(withJSONObject: obj), as: UTF8.self)
        }

        @Test func roundTripsThroughItsFileFormat() throws {
            let file = tinyModelFile()
            let decoded = try JSONDecoder().decode(TopicModelFile.self, from: try file.encoded())
            #expect(decoded == file)
        }

        @Test func rejectsInvalidJSONWithItsPosition() {
            let m = loadError("{\"format\": 1, \"version\": ")
            #expect(m?.hasPrefix("not valid JSON") == true)
        }

        @Test func rejectsAMissingField() throws {
            var obj = try tinyJSON()
            obj["relevance"] = nil
            #expect(loadError(json(obj)) == "missing field \"relevance\" at top level")
        }

        @Test func rejectsAWrongType() throws {
            var obj = try tinyJSON()
            var topics = obj["topics"] as! [[String: Any]]
            topics[1]["threshold"] = "high"
            obj["topics"] = topics
            #expect(loadError(json(obj))?.hasPrefix("topics[1].threshold: expected Double") == true)
        }

        @Test func rejectsAThresholdOutOfRange() throws {
            var obj = try tinyJSON()
            var rel = obj["relevance"] as! [String: Any]
            rel["threshold"] = 1.5
            obj["relevance"] = rel
            #expect(loadError(json(obj)) == "relevance: \"threshold\" must be between 0 and 1, is 1.5")
        }

        @Test func rejectsTermsThatNormalizeToTheSamePhrase() throws {
            var file = tinyModelFile()
            file.relevance.terms["export control"] = Weight(1)
            #expect(throws: TopicModelError.self) { try TopicModel(file: file) }
            do { _ = try TopicModel(file: file, source: "m.json") } catch let e as TopicModelError {
                #expect(e.description == "m.json: relevance: terms \"export control\" and \"export controls\" are the same after normalization (\"export control\")")
            }
        }

        @Test func rejectsAStopWordOnlyTermAndUnknownAliasTargetsAndDuplicateTopics() throws {
            var a = tinyModelFile()
            a.relevance.terms["of the"] = Weight(1)
            #expect(throws: TopicModelError(file: "(in memory)", "relevance: term \"of the\" has no words left after stop words are removed")) { try TopicModel(file: a) }
            var b = tinyModelFile()
            b.aliases["算力"] = "computing power"
            #expect(throws: TopicModelError(file: "(in memory)", "aliases: \"算力\" names \"computing power\", which is not a term of any scorer or the anchor list")) { try TopicModel(file: b) }
            var c = tinyModelFile()
            c.topics.append(c.topics[0])
            #expect(throws: TopicModelError(file: "(in memory)", "topics[2]: duplicate topic id \"us-china-rivalry\"")) { try TopicModel(file: c) }
        }

        @Test func namesAMissingFile() {
            let url = URL(fileURLWithPath: "/nonexistent/waic.json")
            let error = #expect(throws: TopicModelError.self) { try TopicModel.load(contentsOf: url) }
            #expect(error?.file == "/nonexistent/waic.json")
            #expect(error?.message.hasPrefix("cannot read the model file") == true)
        }
    }
}
