import Foundation

/// One labelled item, as in ../shared/eval/waic-train.jsonl and waic-dev.jsonl: `id`, `title`, `summary`
/// (and optionally `content`), `relevant`, `topics`; `lang` and `kind` (`relevant`, `neg-hard`, `neg-easy`)
/// where the file has them. Other fields are ignored.
public struct LabelledExample: Sendable, Equatable {
    public var id: String
    public var title: String?
    public var summary: String?
    public var content: String?
    public var relevant: Bool
    public var topics: Set<String>
    public var lang: String?
    public var kind: String?

    public init(id: String, title: String?, summary: String?, content: String? = nil, relevant: Bool,
                topics: Set<String>, lang: String? = nil, kind: String? = nil) {
        self.id = id
        self.title = title
        self.summary = summary
        self.content = content
        self.relevant = relevant
        self.topics = topics
        self.lang = lang
        self.kind = kind
    }

    public var input: ClassifierInput { ClassifierInput(title: title, summary: summary, content: content) }

    /// Reads a JSONL file of labelled examples; errors name the file and line. Topic ids must be among
    /// `topicIDs` when it is given.
    public static func load(contentsOf url: URL, topicIDs: [String]? = nil) throws -> [LabelledExample] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TopicModelError(file: url.path, "cannot read examples: \((error as NSError).localizedDescription)")
        }
        let known = topicIDs.map(Set.init)
        var out: [LabelledExample] = []
        var ids = Set<String>()
        for (n, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let at = "\(url.path):\(n + 1)"
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                throw TopicModelError(file: at, "not a JSON object")
            }
            guard let id = obj["id"] as? String else { throw TopicModelError(file: at, "missing string field \"id\"") }
            guard ids.insert(id).inserted else { throw TopicModelError(file: at, "id \"\(id)\" appears twice") }
            guard let relevant = obj["relevant"] as? Bool else { throw TopicModelError(file: at, "missing boolean field \"relevant\"") }
            guard let topics = (obj["topics"] ?? [String]()) as? [String] else {
                throw TopicModelError(file: at, "field \"topics\" must be a list of strings")
            }
            if let known, let unknown = topics.first(where: { !known.contains($0) }) {
                throw TopicModelError(file: at, "unknown topic \"\(unknown)\" (the model's topics: \(topicIDs!.joined(separator: ", ")))")
            }
            let title = obj["title"] as? String, summary = obj["summary"] as? String, content = obj["content"] as? String
            guard title != nil || summary != nil || content != nil else {
                throw TopicModelError(file: at, "no text: give at least one of \"title\", \"summary\", \"content\"")
            }
            out.append(LabelledExample(id: id, title: title, summary: summary, content: content, relevant: relevant,
                                       topics: Set(topics), lang: obj["lang"] as? String, kind: obj["kind"] as? String))
        }
        return out
    }
}
