import ArgumentParser
import Foundation
import NewswireCore

struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Classify text against the WAIC governance topic model and explain each decision.",
        discussion: """
        Input is TEXT given on the command line, a FILE, or standard input (no argument, or -). A file or stdin \
        is read as a feed (first character <, or a JSON Feed), as JSON Lines items (fields id, title, summary, \
        content), or else as plain text whose first line is the title. With --json, prints exactly one JSON \
        object per input item, in order: {"id", "relevant", "relevance", "topics": [{"id","score","terms"}], \
        "relevance_terms", "language"}.
        """
    )

    @Flag(name: .long, help: "Print one JSON object per item (the archive record's classification fields).")
    var json = false

    @Option(name: .long, help: "Model file (default: config/topics/waic-governance.json, else /etc/newswired/topics/waic-governance.json).")
    var model: String?

    @Argument(help: "TEXT to classify, a FILE, or - for standard input.")
    var input: String?

    func run() throws {
        let topicModel = try loadModel(model)
        let classifier = TopicClassifier(model: topicModel)
        let items: [ClassifierTextSource.Item]
        if input == nil || input == "-" {
            items = try readItems(FileHandle.standardInput.readDataToEndOfFile(), name: "stdin", url: nil)
        } else if let path = input, FileManager.default.fileExists(atPath: path) {
            guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
            items = try readItems(data, name: path, url: URL(fileURLWithPath: path).absoluteString)
        } else {
            items = [ClassifierTextSource.plainText(input!)]
        }
        let out = FileHandle.standardOutput
        for item in items {
            if json {
                let line = item.error.map { ClassificationJSON.line(id: item.id, error: $0) }
                    ?? ClassificationJSON.line(id: item.id, classifier.classify(item.input))
                out.write(Data((line + "\n").utf8))
            } else {
                print(explain(item, classifier))
            }
        }
    }

    private func readItems(_ data: Data, name: String, url: String?) throws -> [ClassifierTextSource.Item] {
        do { return try ClassifierTextSource.items(data, documentURL: url) } catch {
            FileHandle.standardError.write(Data("newswired: \(name): \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    private func explain(_ item: ClassifierTextSource.Item, _ classifier: TopicClassifier) -> String {
        let head = item.id ?? item.input.title.map { String($0.prefix(80)) } ?? "(untitled)"
        if let e = item.error { return "\(head): error: \(e)" }
        let c = classifier.classify(item.input)
        var lines = ["\(head)",
                     "  relevant=\(c.relevant ? "yes" : "no") relevance=\(String(format: "%.3f", c.relevance)) language=\(c.language ?? "-")"
                         + (c.relevanceTerms.isEmpty ? "" : " because: \(c.relevanceTerms.joined(separator: ", "))")]
        let assigned = Set(c.topics.map(\.id))
        for t in classifier.allTopicScores(item.input).sorted(by: { $0.score > $1.score }) {
            let mark = assigned.contains(t.id) ? "+" : " "
            lines.append("  \(mark) \(t.id.padding(toLength: 24, withPad: " ", startingAt: 0)) \(String(format: "%.3f", t.score))"
                         + (t.terms.isEmpty ? "" : "  \(t.terms.joined(separator: ", "))"))
        }
        return lines.joined(separator: "\n")
    }
}

/// Loads the model named on the command line, or the default one, turning errors into a clear message.
func loadModel(_ path: String?) throws -> TopicModel {
    let url = path.map { URL(fileURLWithPath: $0) } ?? TopicModel.defaultURL()
    do { return try TopicModel.load(contentsOf: url) } catch {
        FileHandle.standardError.write(Data("newswired: \(error)\n".utf8))
        throw ExitCode(2)
    }
}

/// The JSON line `newswired classify --json` prints per item.
enum ClassificationJSON {
    struct Line: Encodable {
        var id: String?
        var relevant: Bool
        var relevance: Double
        var topics: [TopicScore]
        var relevance_terms: [String]
        var language: String?

        func encode(to encoder: Encoder) throws {
            enum K: String, CodingKey { case id, relevant, relevance, topics, relevance_terms, language }
            var c = encoder.container(keyedBy: K.self)
            try c.encode(id, forKey: .id)
            try c.encode(relevant, forKey: .relevant)
            try c.encode(relevance, forKey: .relevance)
            try c.encode(topics, forKey: .topics)
            try c.encode(relevance_terms, forKey: .relevance_terms)
            try c.encode(language, forKey: .language)
        }
    }

    struct Failure: Encodable {
        var id: String?
        var error: String
        func encode(to encoder: Encoder) throws {
            enum K: String, CodingKey { case id, error }
            var c = encoder.container(keyedBy: K.self)
            try c.encode(id, forKey: .id)
            try c.encode(error, forKey: .error)
        }
    }

    static func line(id: String?, _ c: Classification) -> String {
        encode(Line(id: id, relevant: c.relevant, relevance: c.relevance, topics: c.topics,
                    relevance_terms: c.relevanceTerms, language: c.language))
    }

    static func line(id: String?, error: String) -> String { encode(Failure(id: id, error: error)) }

    private static func encode(_ value: some Encodable) -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return (try? enc.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? #"{"error":"cannot encode"}"#
    }
}
