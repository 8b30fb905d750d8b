/// What the topic model decided about one item: the fields the archive record, the log line and
/// `newswired classify` all show.
public struct Classification: Sendable, Equatable {
    /// The item is substantially about the governance of AI.
    public var relevant: Bool
    /// 0...1.
    public var relevance: Double
    /// Topics at or above the model's threshold, strongest first.
    public var topics: [TopicScore]
    /// The terms that decided relevance (for explanations).
    public var relevanceTerms: [String] = []
    /// Detected language of the item ("en", "zh", …), nil when unknown.
    public var language: String?
}

public struct TopicScore: Sendable, Equatable, Codable {
    /// Topic id from the model ("governance-body", …).
    public var id: String
    /// 0...1.
    public var score: Double
    /// The terms that decided it, strongest first.
    public var terms: [String]

    public init(id: String, score: Double, terms: [String]) {
        self.id = id
        self.score = score
        self.terms = terms
    }
}

/// The text the classifier looks at. Title counts more than the body.
public struct ClassifierInput: Sendable {
    public var title: String?
    public var summary: String?
    public var content: String?

    public init(title: String?, summary: String? = nil, content: String? = nil) {
        self.title = title
        self.summary = summary
        self.content = content
    }

    /// A feed entry's title, summary and content.
    public init(_ entry: FeedEntry) {
        self.init(title: entry.title, summary: entry.summary, content: entry.content)
    }
}
