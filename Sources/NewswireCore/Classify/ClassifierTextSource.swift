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
        for (n, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if text.isEmpty { continue }
            guard let obj = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                items.append(Item(id: nil, input: ClassifierInput(title: nil), error: "line \(n + 1): not a JSON object"))
                continue
            }
            let id = (obj["id"] as? String) ?? (obj["id"] as? NSNumber)?.stringValue
            items.append(Item(id: id, input: ClassifierInput(title: obj["title"] as? String, summary: obj["summary"] as? String,
                                                             content: (obj["content"] as? String) ?? (obj["text"] as? String))))
        }
        return items
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

    /// Background documents for `model build` from files and directories (not recursive): feed files through
    /// the feed parser (one document per entry), `.jsonl` items, `.txt` split at blank lines. Files the parser
    /// rejects are skipped and reported through `warn`.
    public static func background(_ paths: [URL], warn: (String) -> Void) throws -> (docs: [String], stats: Provenance.BackgroundStats) {
        var files: [URL] = []
        for p in paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: p.path, isDirectory: &isDir) else {
                throw TopicModelError(file: p.path, "background path does not exist")
            }
            if isDir.boolValue {
                let names = try FileManager.default.contentsOfDirectory(atPath: p.path).sorted()
                files += names.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".md") }.map { p.appendingPathComponent($0) }
            } else { files.append(p) }
        }
        var docs: [String] = [], skipped = 0
        for f in files {
            guard let data = try? Data(contentsOf: f) else { warn("\(f.path): cannot read, skipped"); skipped += 1; continue }
            let join: (ClassifierInput) -> String = { [$0.title, $0.summary, $0.content].compactMap { $0 }.joined(separator: "\n") }
            switch f.pathExtension.lowercased() {
            case "txt":
                docs += String(decoding: data, as: UTF8.self).components(separatedBy: "\n\n").filter { !$0.isEmpty }
            case "jsonl":
                docs += jsonLines(data).filter { $0.error == nil }.map { join($0.input) }
            default:
                do { docs += try feed(data, documentURL: f.absoluteString).map { join($0.input) } } catch {
                    warn("\(f.path): feed parser rejected it (\(error)), skipped")
                    skipped += 1
                }
            }
        }
        let tokens = docs.reduce(0) { $0 + TextTokenizer.tokens($1).count }
        return (docs, Provenance.BackgroundStats(files: files.count - skipped, skippedFiles: skipped, documents: docs.count, tokens: tokens))
    }
}
