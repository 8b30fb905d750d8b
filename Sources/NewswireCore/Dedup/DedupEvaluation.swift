import Foundation

/// `newswired dedup eval`: runs labelled items through the daemon's own exact / near-duplicate / story logic
/// (a temporary store, the same SQL) and predicts, for each pair, `exact`, `syndicated`, `same-story` or
/// `different`. Reads only each item's `id`, `url`, `title` and `html` (else `text`) — never the answers.
public enum DedupEvaluation {
    public static let labels = ["exact", "syndicated", "same-story", "different"]

    public struct Item: Sendable, Decodable {
        public var id: String
        public var url: String?
        public var title: String?
        public var html: String?
        public var text: String?

        /// The body as the parser would give it: HTML turned into plain text.
        var body: String? { html.map(PlainText.fromHTML) ?? text }
    }

    public struct Pair: Sendable, Decodable {
        public var a: String
        public var b: String
        public var label: String?
    }

    public struct EvalError: Error, CustomStringConvertible {
        public var description: String
    }

    static func readLines<T: Decodable>(_ path: String, as: T.Type) throws -> [T] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw EvalError(description: "\(path): cannot read: \(error.localizedDescription)")
        }
        var out: [T] = []
        for (n, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.allSatisfy(\.isWhitespace) { continue }
            do { out.append(try JSONDecoder().decode(T.self, from: Data(line.utf8))) } catch {
                throw EvalError(description: "\(path):\(n + 1): not a valid line: \(error)")
            }
        }
        return out
    }

    public static func loadItems(_ path: String) throws -> [Item] { try readLines(path, as: Item.self) }
    public static func loadPairs(_ path: String) throws -> [Pair] { try readLines(path, as: Pair.self) }

    /// Predicted label per pair, in the pairs' order. Items are processed in file order, all at one time.
    public static func predict(items: [Item], pairs: [Pair], deduper: Deduper = Deduper(),
                               now: Date = Date()) throws -> [String] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("newswired-dedup-eval-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try ItemStore(stateDirectory: dir)
        let index = DedupIndex(storage: store)
        var hashOf: [String: String] = [:]
        var known: [String: (root: String, story: String)] = [:]
        try store.transaction {
            for item in items {
                let body = item.body
                let hash = ContentHash.of(title: item.title, body: body, url: item.url)
                hashOf[item.id] = hash
                if known[hash] != nil { continue }
                let links = try deduper.links(itemID: hash, title: item.title, body: body, revisionOf: nil, now: now, in: index)
                try deduper.register(itemID: hash, links, fetched: now, in: index)
                known[hash] = (links.root, links.story)
            }
        }
        return pairs.map { p in
            guard let ha = hashOf[p.a], let hb = hashOf[p.b], let a = known[ha], let b = known[hb] else { return "different" }
            if ha == hb { return "exact" }
            if a.root == b.root { return "syndicated" }
            if a.story == b.story { return "same-story" }
            return "different"
        }
    }

    /// Per-label precision, recall and F1 and the confusion matrix (rows gold, columns predicted).
    public struct Score: Sendable {
        public var confusion: [String: [String: Int]]
        public var precision: [String: Double] = [:]
        public var recall: [String: Double] = [:]
        public var f1: [String: Double] = [:]

        public init(gold: [String], predicted: [String]) {
            var cm: [String: [String: Int]] = [:]
            for g in DedupEvaluation.labels { cm[g] = Dictionary(uniqueKeysWithValues: DedupEvaluation.labels.map { ($0, 0) }) }
            for (g, p) in zip(gold, predicted) { cm[g, default: [:]][p, default: 0] += 1 }
            confusion = cm
            for l in DedupEvaluation.labels {
                let tp = Double(cm[l]?[l] ?? 0)
                let fp = Double(DedupEvaluation.labels.filter { $0 != l }.reduce(0) { $0 + (cm[$1]?[l] ?? 0) })
                let fn = Double(DedupEvaluation.labels.filter { $0 != l }.reduce(0) { $0 + (cm[l]?[$1] ?? 0) })
                let p = tp + fp > 0 ? tp / (tp + fp) : 0, r = tp + fn > 0 ? tp / (tp + fn) : 0
                precision[l] = p
                recall[l] = r
                f1[l] = p + r > 0 ? 2 * p * r / (p + r) : 0
            }
        }

        /// The table; its last line is `exact F1=… syndicated F1=… same-story F1=…`.
        public var report: String {
            let labels = DedupEvaluation.labels
            func pad(_ s: String, _ w: Int, left: Bool = false) -> String {
                let fill = String(repeating: " ", count: max(0, w - s.count))
                return left ? s + fill : fill + s
            }
            func f(_ x: Double) -> String { String(format: "%.3f", x) }
            var out = "confusion (rows = gold, columns = predicted)\n" + pad("", 12) + labels.map { pad($0, 12) }.joined() + "\n"
            for g in labels {
                out += pad(g, 12, left: true) + labels.map { pad("\(confusion[g]?[$0] ?? 0)", 12) }.joined() + "\n"
            }
            out += "\n" + pad("label", 12, left: true) + pad("P", 7) + pad("R", 7) + pad("F1", 7) + "\n"
            for l in labels {
                out += pad(l, 12, left: true) + pad(f(precision[l]!), 7) + pad(f(recall[l]!), 7) + pad(f(f1[l]!), 7) + "\n"
            }
            out += "exact F1=\(f(f1["exact"]!)) syndicated F1=\(f(f1["syndicated"]!)) same-story F1=\(f(f1["same-story"]!))"
            return out
        }
    }
}
