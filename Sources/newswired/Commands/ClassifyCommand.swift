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
        content), or else as plain text whose first line is the title. An argument that looks like a file \
        name but names no file is an error (--text classifies it as words). Without --json, each item shows \
        every output's probability and how its logit adds up: intercept, the largest term contributions \
        (weight × tf-idf value, either sign) and the rest. With --json, prints exactly one JSON object per \
        input item, in order: {"id", "language", "relevance", "relevance_terms", "relevant", "topics": \
        [{"id","score","terms"}]}; with --explain as well, an "explain" list of the decompositions.
        """
    )

    @Flag(name: .long, help: "Print one JSON object per item (the archive record's classification fields).")
    var json = false

    @Flag(name: .long, help: "With --json: add each output's decomposition (intercept, term contributions, rest, logit).")
    var explain = false

    @Flag(name: .long, help: "Classify the argument as text even when it looks like a file name.")
    var text = false

    @Option(name: .long, help: "Model file (default: config/topics/waic-governance.json, else /etc/newswired/topics/waic-governance.json).")
    var model: String?

    @Argument(help: "TEXT to classify, a FILE, or - for standard input.")
    var input: String?

    func run() throws {
        let topicModel = try loadModel(model)
        let classifier = TopicClassifier(model: topicModel)
        let data: Data
        let name: String
        var url: String?
        if text {
            guard let input else { throw ValidationError("--text needs the TEXT to classify") }
            return emit([ClassifierTextSource.plainText(input)], classifier)
        } else if input == nil || input == "-" {
            let first = FileHandle.standardInput.readData(ofLength: 1 << 16)
            if ClassifierTextSource.kind(of: first) == .jsonl {
                return try streamJSONLines(first, classifier)
            }
            data = first + FileHandle.standardInput.readDataToEndOfFile()
            name = "stdin"
        } else if let path = input, FileManager.default.fileExists(atPath: path) {
            guard let d = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("newswired: \(path): cannot read the file (permission denied?)\n".utf8))
                throw ExitCode(66)
            }
            data = d
            name = path
            url = URL(fileURLWithPath: path).absoluteString
        } else if let path = input, Self.looksLikeAPath(path) {
            FileHandle.standardError.write(Data("newswired: \(path): no such file (to classify these words as text, use --text)\n".utf8))
            throw ExitCode(66)
        } else {
            return emit([ClassifierTextSource.plainText(input!)], classifier)
        }
        if ClassifierTextSource.kind(of: data) == .jsonl {
            // Streamed: JSON Lines input can be large, and nothing needs all items at once.
            let out = OutputBuffer()
            ClassifierTextSource.forEachJSONLine(data) { item in
                if json { out.append(line(item, classifier)) } else { out.write(describe(item, classifier) + "\n") }
            }
            out.flush()
            return
        }
        do { emit(try ClassifierTextSource.items(data, documentURL: url), classifier) } catch {
            FileHandle.standardError.write(Data("newswired: \(name): \(error)\n".utf8))
            throw ExitCode(65)
        }
    }

    /// JSON Lines from standard input, classified and printed as they arrive, in memory bounded by the
    /// longest line rather than the input.
    private func streamJSONLines(_ first: Data, _ classifier: TopicClassifier) throws {
        let out = OutputBuffer()
        var stream = ClassifierTextSource.JSONLineStream()
        let body = { (item: ClassifierTextSource.Item) in
            if json { out.append(line(item, classifier)) } else { out.write(describe(item, classifier) + "\n") }
        }
        var chunk = first
        while !chunk.isEmpty {
            stream.feed(chunk, body)
            chunk = FileHandle.standardInput.readData(ofLength: 1 << 20)
        }
        stream.finish(body)
        out.flush()
    }

    /// One word without spaces that ends in a file extension or contains a slash.
    static func looksLikeAPath(_ s: String) -> Bool {
        guard !s.isEmpty, !s.contains(where: \.isWhitespace) else { return false }
        if s.contains("/") { return true }
        guard let dot = s.lastIndex(of: "."), dot != s.startIndex else { return false }
        let ext = s[s.index(after: dot)...]
        return (1...5).contains(ext.count) && ext.allSatisfy { $0.isLetter || $0.isNumber } && ext.contains(where: \.isLetter)
    }

    private func emit(_ items: [ClassifierTextSource.Item], _ classifier: TopicClassifier) {
        let out = OutputBuffer()
        for item in items {
            if json { out.append(line(item, classifier)) } else { out.write(describe(item, classifier) + "\n") }
        }
        out.flush()
    }

    private func line(_ item: ClassifierTextSource.Item, _ classifier: TopicClassifier) -> [UInt8] {
        if let e = item.error { return ClassificationJSON.line(id: item.id, error: e) }
        return ClassificationJSON.line(id: item.id, classifier.classify(item.input),
                                       explain: explain ? classifier.explain(item.input) : nil)
    }

    private func describe(_ item: ClassifierTextSource.Item, _ classifier: TopicClassifier) -> String {
        let head = item.id ?? item.input.title.map { String($0.prefix(80)) } ?? "(untitled)"
        if let e = item.error { return "\(head): error: \(e)" }
        let c = classifier.classify(item.input)
        var lines = ["\(head)", "  relevant=\(c.relevant ? "yes" : "no") language=\(c.language ?? "-")"]
        func f(_ x: Double) -> String { String(format: "%+.3f", x) }
        for e in classifier.explain(item.input) {
            let mark = e.assigned ? "+" : " "
            lines.append("  \(mark) \(e.id.padding(toLength: 24, withPad: " ", startingAt: 0)) \(String(format: "%.3f", e.probability))"
                         + " (threshold \(String(format: "%.2f", e.threshold)))  logit \(f(e.logit)) = intercept \(f(e.intercept))"
                         + e.terms.map { " \(f($0.contribution)) \($0.term)" }.joined(separator: ",")
                         + (e.otherTerms != 0 || !e.terms.isEmpty ? ", \(f(e.otherTerms)) other terms" : ""))
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

/// The JSON line `newswired classify --json` prints per item: keys sorted, strings escaped as in the archive.
enum ClassificationJSON {
    static func line(id: String?, _ c: Classification, explain: [Explanation]? = nil) -> [UInt8] {
        var w = JSONObjectWriter()
        if let explain {
            var list: [UInt8] = [0x5B]
            for (n, e) in explain.enumerated() {
                if n > 0 { list.append(0x2C) }
                var o = JSONObjectWriter()
                o.field("id", e.id)
                o.field("intercept", number: e.intercept)
                o.field("logit", number: e.logit)
                o.field("other_terms", number: e.otherTerms)
                o.field("probability", number: e.probability)
                var terms: [UInt8] = [0x5B]
                for (i, t) in e.terms.enumerated() {
                    if i > 0 { terms.append(0x2C) }
                    var tw = JSONObjectWriter()
                    tw.field("contribution", number: t.contribution)
                    tw.field("term", t.term)
                    terms += tw.takeBytes()
                }
                terms.append(0x5D)
                o.field("terms", raw: terms)
                o.field("threshold", number: e.threshold)
                list += o.takeBytes()
            }
            list.append(0x5D)
            w.field("explain", raw: list)
        }
        w.field("id", id)
        w.field("language", c.language)
        w.field("relevance", number: c.relevance)
        w.field("relevance_terms", strings: c.relevanceTerms)
        w.field("relevant", c.relevant)
        w.field("topics", raw: ArchiveRecord.topicsJSON(c.topics))
        var out = w.takeBytes()
        out.append(0x0A)
        return out
    }

    static func line(id: String?, error: String) -> [UInt8] {
        var w = JSONObjectWriter()
        w.field("error", error)
        w.field("id", id)
        var out = w.takeBytes()
        out.append(0x0A)
        return out
    }
}
