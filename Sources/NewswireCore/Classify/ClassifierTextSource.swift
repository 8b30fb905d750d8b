import Foundation

/// Reads the texts the classifier commands take: plain text, feed files (through `FeedParser`) and JSONL
/// items. Used by `newswired classify` and, for the background corpus, by `newswired model build`.
public enum ClassifierTextSource {
    /// One item to classify, with the id it carries when it has one.
    public struct Item: Sendable {
        public var id: String?
        public var input: ClassifierInput
        /// Set when this JSONL line could not be read; the item is then reported, not classified.
        public var error: String?
    }

    public enum Kind: Sendable, Equatable { case feed, jsonl, text }

    /// Guesses what `data` is from its first non-blank character: `<` a feed, `{` JSON Lines (or a JSON Feed
    /// when the first line is a whole object with a jsonfeed.org `version`), anything else plain text.
    public static func kind(of data: Data) -> Kind {
        guard let first = data.first(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 || $0 == 0xEF || $0 == 0xBB || $0 == 0xBF) })
        else { return .text }
        if first == UInt8(ascii: "<") { return .feed }
        if first == UInt8(ascii: "{") {
            if let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
               (obj["version"] as? String)?.contains("jsonfeed.org") == true { return .feed }
            return .jsonl
        }
        return .text
    }

    /// JSON Lines items: fields `id`, `title`, `summary`, `content` (all optional); one item per non-blank line,
    /// in order. A line that is not a JSON object becomes an item with `error` set.
    public static func jsonLines(_ data: Data) -> [Item] {
        var items: [Item] = []
        forEachJSONLine(data) { items.append($0) }
        return items
    }

    /// Calls `body` with the item of each non-blank line, in order, without collecting them.
    public static func forEachJSONLine(_ data: Data, _ body: (Item) -> Void) {
        var stream = JSONLineStream()
        stream.feed(data, body)
        stream.finish(body)
    }

    /// JSON Lines read in chunks as they arrive (a pipe, a large file): complete lines are handed on at once,
    /// a partial last line waits for the next chunk.
    public struct JSONLineStream {
        private var pending: [UInt8] = []
        private var line = 0

        public init() {}

        public mutating func feed(_ chunk: Data, _ body: (Item) -> Void) {
            pending.append(contentsOf: chunk)
            var start = 0
            while let nl = pending[start...].firstIndex(of: 0x0A) {
                emit(start..<nl, body)
                start = nl + 1
            }
            pending.removeFirst(start)
        }

        /// The last line, when the input does not end with a newline.
        public mutating func finish(_ body: (Item) -> Void) {
            if !pending.isEmpty { emit(0..<pending.count, body) }
            pending.removeAll()
        }

        private mutating func emit(_ range: Range<Int>, _ body: (Item) -> Void) {
            line += 1
            if let fields = JSONLineParser.parse(pending, range) {
                if let item = fields.item(line: line) { body(item) }
            } else {
                body(Item(id: nil, input: ClassifierInput(title: nil), error: "line \(line): not a JSON object"))
            }
        }
    }

    /// Plain text: the first non-blank line is the title, the rest the body.
    public static func plainText(_ text: String) -> Item {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let nl = trimmed.firstIndex(of: "\n") else { return Item(id: nil, input: ClassifierInput(title: trimmed)) }
        return Item(id: nil, input: ClassifierInput(title: String(trimmed[..<nl]),
                                                     summary: String(trimmed[trimmed.index(after: nl)...])))
    }

    /// The entries of a feed document.
    public static func feed(_ data: Data, documentURL: String?) throws(ParseError) -> [Item] {
        try FeedParser.parse(data, documentURL: documentURL).entries.map {
            Item(id: $0.id ?? $0.link, input: ClassifierInput(title: $0.title, summary: $0.summary, content: $0.content))
        }
    }

    /// Any of the three, by `kind(of:)`.
    public static func items(_ data: Data, documentURL: String?) throws(ParseError) -> [Item] {
        switch kind(of: data) {
        case .feed: return try feed(data, documentURL: documentURL)
        case .jsonl: return jsonLines(data)
        case .text: return [plainText(String(decoding: data, as: UTF8.self))]
        }
    }
}
