import Foundation

/// Why a topic model file could not be used: which file, and what is wrong in it.
public struct TopicModelError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var message: String

    public init(file: String, _ message: String) {
        self.file = file
        self.message = message
    }

    public var description: String { "\(file): \(message)" }
}

/// The WAIC governance topic model, validated and compiled for scoring: a hash table from feature hash to
/// term, and per term its idf and one weight per output (output 0 is relevance, output k is topic k-1).
///
/// An item's features are its terms' tf-idf values, (1 + ln tf) · idf, scaled to unit length over the terms
/// of the vocabulary it contains; each output's logit is its intercept plus Σ weight · value.
public struct TopicModel: Sendable {
    public var version: String
    public let file: TopicModelFile

    let settings: FeatureSettings
    let table: TokenHashTable
    let idf: [Float]
    /// weights[term * outputCount + output]
    let weights: [Float]
    let display: [String]
    let intercepts: [Double]
    let thresholds: [Double]
    let outputCount: Int
    let topicIDs: [String]
    let aiPhrases: PhraseSet
    /// The term index of `<no-ai-term>`, when the vocabulary has it.
    let noAITerm: Int32?

    /// Reads, validates and compiles a model file. Throws `TopicModelError` naming the file and the problem.
    public static func load(contentsOf url: URL) throws -> TopicModel {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TopicModelError(file: url.path, "cannot read the model file: \((error as NSError).localizedDescription)")
        }
        // The format is checked first, so a file of another layout gets that message rather than a field error.
        struct Header: Decodable { var format: Int? }
        if let header = try? JSONDecoder().decode(Header.self, from: data), let format = header.format,
           format != TopicModelFile.currentFormat {
            throw TopicModelError(file: url.path, Self.formatMessage(format))
        }
        let file: TopicModelFile
        do { file = try JSONDecoder().decode(TopicModelFile.self, from: data) } catch let error as DecodingError {
            throw TopicModelError(file: url.path, Self.describe(error))
        } catch {
            throw TopicModelError(file: url.path, "not a valid model file: \(error)")
        }
        return try TopicModel(file: file, source: url.path)
    }

    static func formatMessage(_ format: Int) -> String {
        "model file format \(format), but this newswired reads format \(TopicModelFile.currentFormat)"
            + (format < TopicModelFile.currentFormat ? " (retrain it with `newswired model train`, see config/topics/README.md)" : " (a newer newswired wrote it)")
    }

    /// The shipped model path: config/topics/waic-governance.json under the current directory, else
    /// /etc/newswired/topics/waic-governance.json.
    public static func defaultURL(currentDirectory: String = FileManager.default.currentDirectoryPath) -> URL {
        let local = URL(fileURLWithPath: currentDirectory).appendingPathComponent("config/topics/waic-governance.json")
        if FileManager.default.fileExists(atPath: local.path) { return local }
        return URL(fileURLWithPath: "/etc/newswired/topics/waic-governance.json")
    }

    public init(file: TopicModelFile, source: String = "(in memory)") throws {
        func fail(_ m: String) -> TopicModelError { TopicModelError(file: source, m) }
        guard file.format == TopicModelFile.currentFormat else { throw fail(Self.formatMessage(file.format)) }
        guard !file.version.trimmingCharacters(in: .whitespaces).isEmpty else { throw fail("\"version\" is empty") }
        guard file.features.maxBodyTokens >= 1 else { throw fail("\"features.maxBodyTokens\" must be at least 1") }
        guard !file.topics.isEmpty else { throw fail("\"topics\" is empty") }
        var seenIDs = Set<String>()
        for (n, topic) in file.topics.enumerated() {
            guard !topic.id.isEmpty else { throw fail("topics[\(n)]: \"id\" is empty") }
            guard seenIDs.insert(topic.id).inserted else { throw fail("topics[\(n)]: duplicate topic id \"\(topic.id)\"") }
        }
        let outputs = [file.relevance] + file.topics
        for o in outputs {
            guard o.threshold > 0, o.threshold < 1 else { throw fail("\(o.id): \"threshold\" must be between 0 and 1, is \(o.threshold)") }
            guard o.intercept.isFinite else { throw fail("\(o.id): \"intercept\" must be a finite number") }
        }
        var pairs: [(UInt64, Int32)] = []
        pairs.reserveCapacity(file.terms.count)
        var seenHashes: [UInt64: String] = [:]
        var idf: [Float] = [], weights: [Float] = [], display: [String] = []
        var noAITerm: Int32?
        for (n, t) in file.terms.enumerated() {
            guard t.weights.count == outputs.count else {
                throw fail("terms[\(n)] \"\(t.key)\": \(t.weights.count) weights for \(outputs.count) outputs")
            }
            guard t.idf.isFinite, t.idf > 0, t.weights.allSatisfy(\.isFinite) else {
                throw fail("terms[\(n)] \"\(t.key)\": idf and weights must be finite numbers, idf positive")
            }
            if t.key == FeatureExtractor.noAIKey {
                noAITerm = Int32(n)
                idf.append(1)
                weights += t.weights.map { Float($0) }
                display.append(t.display)
                continue
            }
            let keyBody = t.key.hasPrefix(FeatureExtractor.titlePrefix) ? String(t.key.dropFirst(FeatureExtractor.titlePrefix.count)) : t.key
            let parts = keyBody.split(separator: " ", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else {
                throw fail("terms[\(n)]: \"\(t.key)\" is not one or two tokens separated by one space")
            }
            let h = FeatureExtractor.hash(key: t.key)
            if let other = seenHashes[h] { throw fail("terms[\(n)]: \"\(t.key)\" repeats \"\(other)\"") }
            seenHashes[h] = t.key
            pairs.append((h, Int32(n)))
            idf.append(Float(t.idf))
            weights += t.weights.map { Float($0) }
            display.append(t.display)
        }
        self.version = file.version
        self.file = file
        self.settings = file.features
        self.table = TokenHashTable(pairs)
        self.idf = idf
        self.weights = weights
        self.display = display
        self.intercepts = outputs.map(\.intercept)
        self.thresholds = outputs.map(\.threshold)
        self.outputCount = outputs.count
        self.topicIDs = file.topics.map(\.id)
        self.aiPhrases = PhraseSet(FeatureExtractor.aiPhrases(file.features))
        self.noAITerm = noAITerm
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ p: [CodingKey]) -> String {
            p.isEmpty ? "top level" : p.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
        }
        switch error {
        case .dataCorrupted(let c):
            let underlying = (c.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return "not valid JSON at \(path(c.codingPath)): \(underlying ?? c.debugDescription)"
        case .keyNotFound(let k, let c): return "missing field \"\(k.stringValue)\" at \(path(c.codingPath))"
        case .typeMismatch(let t, let c): return "\(path(c.codingPath)): expected \(t), \(c.debugDescription)"
        case .valueNotFound(let t, let c): return "\(path(c.codingPath)): expected \(t), found null"
        @unknown default: return "\(error)"
        }
    }
}

// MARK: - Features

/// The vocabulary terms of one item with their unit-length tf-idf values, term indices ascending, then
/// `<no-ai-term>` with value 1 when the item mentions no AI term.
struct ItemFeatures: Sendable {
    var terms: [(term: Int32, value: Float)]
    var language: String?
}

extension TopicModel {
    /// The item's features: every feature occurrence looked up by hash, counted, weighted and normalized.
    func features(_ input: ClassifierInput) -> ItemFeatures {
        var tokens = TokenBuffer(capacity: 256)
        var starts = [0]
        var scripts = TextTokenizer.ScriptCounts()
        let limit = settings.maxBodyTokens
        let (title, body) = FeatureExtractor.texts(input)
        if let title { scripts.add(TextTokenizer.appendTokens(title, to: &tokens)) }
        let titleCount = tokens.count
        for text in body where tokens.count < limit {
            starts.append(tokens.count)
            scripts.add(TextTokenizer.appendTokens(text, to: &tokens))
        }
        let hashes = tokens.hashes

        var hits: [Int32] = []
        hits.reserveCapacity(hashes.count * 2)
        FeatureExtractor.walk(kinds: tokens.kinds, sequenceStarts: starts, titleCount: titleCount, settings: settings) { o in
            let h = FeatureExtractor.hash(hashes[Int(o.first)], o.second >= 0 ? hashes[Int(o.second)] : nil, title: o.title)
            if let t = table[h] { hits.append(t) }
        }
        hits.sort()
        var terms: [(term: Int32, value: Float)] = []
        terms.reserveCapacity(hits.count)
        var norm: Float = 0
        var k = 0
        while k < hits.count {
            let t = hits[k]
            var count: Float = 0
            while k < hits.count && hits[k] == t { count += 1; k += 1 }
            let v = (1 + log(count)) * idf[Int(t)]
            terms.append((t, v))
            norm += v * v
        }
        if norm > 0 {
            let scale = 1 / norm.squareRoot()
            for i in terms.indices { terms[i].value *= scale }
        }
        if let noAITerm, !aiPhrases.mentioned(in: hashes.prefix(limit)) {
            terms.append((noAITerm, 1))
        }
        return ItemFeatures(terms: terms, language: scripts.language)
    }

    /// The logit of every output for these features.
    func logits(_ f: ItemFeatures) -> [Double] {
        var z = intercepts
        for (t, v) in f.terms {
            let base = Int(t) * outputCount
            for o in 0..<outputCount { z[o] += Double(weights[base + o] * v) }
        }
        return z
    }

    @inline(__always)
    func contribution(_ term: Int32, _ value: Float, output: Int) -> Double {
        Double(weights[Int(term) * outputCount + output] * value)
    }
}
