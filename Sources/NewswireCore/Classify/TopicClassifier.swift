import Foundation

/// The WAIC governance topic model, loaded from config/topics/. (Placeholder until the model lands.)
public struct TopicModel: Sendable {
    public var version: String
    public static func load(contentsOf url: URL) throws -> TopicModel {
        TopicModel(version: "placeholder")
    }
}

public final class TopicClassifier: Sendable {
    public let model: TopicModel
    public init(model: TopicModel) { self.model = model }
    public func classify(_ input: ClassifierInput) -> Classification {
        Classification(relevant: false, relevance: 0, topics: [])
    }
}
