import Foundation

/// One labelled item of a dev set such as ../shared/eval/waic-dev.jsonl: `id`, `title`, `summary`,
/// `relevant`, `topics` (other fields are ignored).
public struct LabelledExample: Sendable, Equatable {
    public var id: String
    public var title: String?
    public var summary: String?
    public var relevant: Bool
    public var topics: Set<String>

    public init(id: String, title: String?, summary: String?, relevant: Bool, topics: Set<String>) {
        self.id = id
        self.title = title
        self.summary = summary
        self.relevant = relevant
        self.topics = topics
    }

    public var input: ClassifierInput { ClassifierInput(title: title, summary: summary) }

    /// Reads a JSONL file of labelled examples; errors name the file and line.
    public static func load(contentsOf url: URL) throws -> [LabelledExample] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TopicModelError(file: url.path, "cannot read examples: \((error as NSError).localizedDescription)")
        }
        var out: [LabelledExample] = []
        for (n, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            let at = "\(url.path):\(n + 1)"
            guard let obj = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                throw TopicModelError(file: at, "not a JSON object")
            }
            guard let id = obj["id"] as? String else { throw TopicModelError(file: at, "missing string field \"id\"") }
            guard let relevant = obj["relevant"] as? Bool else { throw TopicModelError(file: at, "missing boolean field \"relevant\"") }
            guard let topics = (obj["topics"] ?? [String]()) as? [String] else {
                throw TopicModelError(file: at, "field \"topics\" must be a list of strings")
            }
            out.append(LabelledExample(id: id, title: obj["title"] as? String, summary: obj["summary"] as? String,
                                       relevant: relevant, topics: Set(topics)))
        }
        return out
    }
}
