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

/// The WAIC governance topic model, validated and compiled for one-pass matching.
///
/// Terms of all scorers share one table; each term has one weight per output (output 0 is relevance, output
/// k is topic k-1). Matching walks a trie over token hashes, so every phrase of the model is found in one
/// pass over the text.
public struct TopicModel: Sendable {
    public var version: String
    public let file: TopicModelFile

    /// Normalized key ("export control") and display form ("export controls") of each term.
    let termKeys: [String]
    let termDisplay: [String]
    let isAnchor: [Bool]
    /// weights[term * outputCount + output]
    let weights: [Float]
    let bias: [Float]
    let noAnchor: [Float]
    let thresholds: [Double]
    let outputCount: Int
    let topicIDs: [String]
    /// Trie over token hashes: edge (node, token hash) → child node; nodeTerm[node] = term index or -1.
    let edges: TokenHashTable
    let nodeTerm: [Int32]
    let maxPhraseTokens: Int
    let titleWeight: Float
    let lengthNormTokens: Float
    let maxCount: Float

    /// Reads, validates and compiles a model file. Throws `TopicModelError` naming the file and the problem.
    public static func load(contentsOf url: URL) throws -> TopicModel {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TopicModelError(file: url.path, "cannot read the model file: \((error as NSError).localizedDescription)")
        }
        let file: TopicModelFile
        do { file = try JSONDecoder().decode(TopicModelFile.self, from: data) } catch let error as DecodingError {
            throw TopicModelError(file: url.path, Self.describe(error))
        } catch {
            throw TopicModelError(file: url.path, "not a valid model file: \(error)")
        }
        return try TopicModel(file: file, source: url.path)
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
        guard file.format == 1 else { throw fail("unsupported \"format\" \(file.format) (this newswired reads format 1)") }
        guard !file.version.trimmingCharacters(in: .whitespaces).isEmpty else { throw fail("\"version\" is empty") }
        let t = file.text
        guard t.titleWeight > 0, t.titleWeight.isFinite else { throw fail("\"text.titleWeight\" must be a positive number") }
        guard t.lengthNormTokens >= 1 else { throw fail("\"text.lengthNormTokens\" must be at least 1") }
        guard t.maxCount > 0, t.maxCount.isFinite else { throw fail("\"text.maxCount\" must be a positive number") }
        guard !file.topics.isEmpty else { throw fail("\"topics\" is empty") }
        var seenIDs = Set<String>()
        for (n, topic) in file.topics.enumerated() {
            guard !topic.id.isEmpty else { throw fail("topics[\(n)]: \"id\" is empty") }
            guard seenIDs.insert(topic.id).inserted else { throw fail("topics[\(n)]: duplicate topic id \"\(topic.id)\"") }
        }

        var keyIndex: [String: Int] = [:]
        var keys: [String] = [], display: [String] = []
        var phrases: [[UInt64]] = []
        func normalize(_ term: String, _ at: String) throws -> String {
            let tokens = TextTokenizer.tokens(term)
            guard !tokens.isEmpty else { throw fail("\(at): term \"\(term)\" has no words left after stop words are removed") }
            return tokens.joined(separator: " ")
        }
        func index(_ term: String, _ at: String) throws -> Int {
            let key = try normalize(term, at)
            if let i = keyIndex[key] { return i }
            keyIndex[key] = keys.count
            keys.append(key)
            display.append(term)
            phrases.append(key.split(separator: " ").map { TextTokenizer.hash(String($0)) })
            return keys.count - 1
        }

        let scorers: [(String, Scorer)] = [("relevance", file.relevance)]
            + file.topics.map { ("topic \"\($0.id)\"", $0.scorer) }
        var entries: [(output: Int, term: Int, weight: Double)] = []
        for (o, (name, scorer)) in scorers.enumerated() {
            guard scorer.threshold > 0, scorer.threshold < 1 else { throw fail("\(name): \"threshold\" must be between 0 and 1, is \(scorer.threshold)") }
            for w in [scorer.bias, scorer.noAnchor] + Array(scorer.terms.values) where !w.weight.isFinite || !w.prior.isFinite {
                throw fail("\(name): weights must be finite numbers")
            }
            var seen: [Int: String] = [:]
            for term in scorer.terms.keys.sorted() {
                let i = try index(term, name)
                if let other = seen[i] { throw fail("\(name): terms \"\(other)\" and \"\(term)\" are the same after normalization (\"\(keys[i])\")") }
                seen[i] = term
                entries.append((o, i, scorer.terms[term]!.weight))
            }
        }
        var anchors = Set<Int>()
        for term in file.anchor { anchors.insert(try index(term, "anchor")) }
        guard !anchors.isEmpty else { throw fail("\"anchor\" is empty: every item would count as not about AI") }
        // Aliases match as the term they name.
        var aliasOf: [(alias: [UInt64], term: Int)] = []
        for (alias, target) in file.aliases.sorted(by: { $0.key < $1.key }) {
            let targetKey = try normalize(target, "aliases")
            guard let ti = keyIndex[targetKey] else {
                throw fail("aliases: \"\(alias)\" names \"\(target)\", which is not a term of any scorer or the anchor list")
            }
            let aliasKey = try normalize(alias, "aliases")
            aliasOf.append((aliasKey.split(separator: " ").map { TextTokenizer.hash(String($0)) }, ti))
        }

        let outputs = scorers.count
        var weights = [Float](repeating: 0, count: keys.count * outputs)
        for e in entries { weights[e.term * outputs + e.output] = Float(e.weight) }

        var edges: [UInt64: Int32] = [:]
        var nodeTerm: [Int32] = [-1]
        var maxLen = 1
        func insert(_ phrase: [UInt64], _ term: Int) {
            var node: Int32 = 0
            for h in phrase {
                let k = Self.edgeKey(node, h)
                if let child = edges[k] { node = child } else {
                    let child = Int32(nodeTerm.count)
                    nodeTerm.append(-1)
                    edges[k] = child
                    node = child
                }
            }
            nodeTerm[Int(node)] = Int32(term)
            maxLen = max(maxLen, phrase.count)
        }
        for (i, p) in phrases.enumerated() { insert(p, i) }
        for a in aliasOf { insert(a.alias, a.term) }

        self.version = file.version
        self.file = file
        self.termKeys = keys
        self.termDisplay = display
        self.isAnchor = (0..<keys.count).map { anchors.contains($0) }
        self.weights = weights
        self.bias = scorers.map { Float($0.1.bias.weight) }
        self.noAnchor = scorers.map { Float($0.1.noAnchor.weight) }
        self.thresholds = scorers.map { $0.1.threshold }
        self.outputCount = outputs
        self.topicIDs = file.topics.map(\.id)
        self.edges = TokenHashTable(edges.map { ($0.key, $0.value) })
        self.nodeTerm = nodeTerm
        self.maxPhraseTokens = maxLen
        self.titleWeight = Float(t.titleWeight)
        self.lengthNormTokens = Float(t.lengthNormTokens)
        self.maxCount = Float(t.maxCount)
    }

    @inline(__always)
    static func edgeKey(_ node: Int32, _ token: UInt64) -> UInt64 {
        token &+ (UInt64(UInt32(bitPattern: node)) &+ 1) &* 0x9E37_79B9_7F4A_7C15
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

/// The matched terms of one item and what the scorers see of them.
struct ItemFeatures: Sendable {
    /// (term index, feature value ln(1 + min(count, maxCount))), term indices ascending.
    var terms: [(term: Int32, value: Float)]
    var hasAnchor: Bool
    var language: String?
}

extension TopicModel {
    /// Finds every term of the model in the item's title and body in one pass each and turns counts into features.
    func features(_ input: ClassifierInput) -> ItemFeatures {
        var hits: [Int64] = []   // term << 1 | isTitle
        hits.reserveCapacity(32)
        var tokens: [UInt64] = []
        tokens.reserveCapacity(128)
        var scripts = TextTokenizer.ScriptCounts()

        func run(_ text: String, title: Bool) -> Int {
            tokens.removeAll(keepingCapacity: true)
            scripts.add(TextTokenizer.forEachTokenHash(text) { tokens.append($0) })
            let n = tokens.count
            for i in 0..<n {
                var node: Int32 = 0
                var j = i
                while j < n && j - i < maxPhraseTokens {
                    guard let child = edges[Self.edgeKey(node, tokens[j])] else { break }
                    node = child
                    let t = nodeTerm[Int(node)]
                    if t >= 0 { hits.append(Int64(t) << 1 | (title ? 1 : 0)) }
                    j += 1
                }
            }
            return n
        }

        if let t = input.title { _ = run(t, title: true) }
        var bodyTokens = 0
        if let s = input.summary { bodyTokens += run(s, title: false) }
        if let c = input.content, c != input.summary { bodyTokens += run(c, title: false) }

        hits.sort()
        let bodyScale: Float = bodyTokens > Int(lengthNormTokens) ? lengthNormTokens / Float(bodyTokens) : 1
        var terms: [(term: Int32, value: Float)] = []
        terms.reserveCapacity(hits.count)
        var anchor = false
        var k = 0
        while k < hits.count {
            let term = hits[k] >> 1
            var title: Float = 0, body: Float = 0
            while k < hits.count && hits[k] >> 1 == term {
                if hits[k] & 1 == 1 { title += 1 } else { body += 1 }
                k += 1
            }
            let count = min(maxCount, title * titleWeight + body * bodyScale)
            terms.append((Int32(term), log1p(count)))
            if isAnchor[Int(term)] { anchor = true }
        }
        return ItemFeatures(terms: terms, hasAnchor: anchor, language: scripts.language)
    }

    /// The logit of every output for these features.
    func logits(_ f: ItemFeatures) -> [Float] {
        var z = bias
        if !f.hasAnchor { for o in 0..<outputCount { z[o] += noAnchor[o] } }
        for (t, v) in f.terms {
            let base = Int(t) * outputCount
            for o in 0..<outputCount { z[o] += weights[base + o] * v }
        }
        return z
    }
}
