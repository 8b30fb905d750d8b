import Foundation

/// One unique item as the archive records it: schema 1 of the JSONL contract (README, "The archive").
public struct ArchiveRecord: Sendable, Equatable {
    public static let schema = 1

    /// Hex SHA-256 of the normalized title and body (the content hash).
    public var id: String
    /// The feed it was first seen in.
    public var feed: String
    public var guid: String?
    /// Canonical article URL.
    public var url: String?
    public var title: String?
    public var published: Date?
    public var fetched: Date
    public var author: String?
    public var categories: [String]
    public var summary: String?
    public var content: String?
    public var relevant: Bool
    public var relevance: Double
    public var topics: [TopicScore]
    public var nearDuplicateOf: String?
    public var revisionOf: String?
    public var story: String?

    public init(id: String, feed: String, guid: String?, url: String?, title: String?, published: Date?,
                fetched: Date, author: String?, categories: [String], summary: String?, content: String?,
                relevant: Bool, relevance: Double, topics: [TopicScore], nearDuplicateOf: String? = nil,
                revisionOf: String? = nil, story: String? = nil) {
        self.id = id
        self.feed = feed
        self.guid = guid
        self.url = url
        self.title = title
        self.published = published
        self.fetched = fetched
        self.author = author
        self.categories = categories
        self.summary = summary
        self.content = content
        self.relevant = relevant
        self.relevance = relevance
        self.topics = topics
        self.nearDuplicateOf = nearDuplicateOf
        self.revisionOf = revisionOf
        self.story = story
    }

    /// The UTC day file this record belongs to (day of first sighting).
    public var day: String { ISOTime.day(fetched) }

    /// The record as one JSON line (without the newline), keys in contract order.
    public func jsonLine() -> String { String(decoding: jsonLineBytes(), as: UTF8.self) }

    /// `jsonLine()` as UTF-8: what the archive writer appends, without a `String` per line.
    public func jsonLineBytes() -> [UInt8] {
        var out: [UInt8] = []
        ArchiveLineEncoder.append(self, to: &out)
        return out
    }

    public static func topicsJSON(_ topics: [TopicScore]) -> String {
        var out: [UInt8] = []
        appendTopicsJSON(topics, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func appendTopicsJSON(_ topics: [TopicScore], to out: inout [UInt8]) {
        // What a JSONObjectWriter per topic writes, straight into `out`.
        out.append(0x5B)
        for (i, t) in topics.enumerated() {
            if i > 0 { out.append(0x2C) }
            out.append(contentsOf: #"{"id":"#.utf8)
            JSONText.appendString(t.id, to: &out)
            out.append(contentsOf: #","score":"#.utf8)
            JSONText.appendNumber(t.score, to: &out)
            out.append(contentsOf: #","terms":"#.utf8)
            JSONText.appendStrings(t.terms, to: &out)
            out.append(0x7D)
        }
        out.append(0x5D)
    }

    static func topics(fromJSON text: String) -> [TopicScore] {
        (try? JSONDecoder().decode([TopicScore].self, from: Data(text.utf8))) ?? []
    }
}

extension ArchiveRecord: ArchiveLineFields {
    func appendString(_ field: ArchiveLineField, to out: inout [UInt8]) {
        let value: String?
        switch field {
        case .id: value = id
        case .feed: value = feed
        case .guid: value = guid
        case .url: value = url
        case .title: value = title
        case .author: value = author
        case .summary: value = summary
        case .content: value = content
        case .nearDuplicateOf: value = nearDuplicateOf
        case .revisionOf: value = revisionOf
        case .story: value = story
        case .published, .fetched:
            // `ISOTime` writes only digits and punctuation: nothing to escape.
            guard let date = field == .published ? published : fetched else { return out.append(contentsOf: JSONText.null) }
            out.append(0x22)
            ISOTime.append(date, to: &out)
            out.append(0x22)
            return
        case .categories, .topics, .relevant, .relevance:
            preconditionFailure("not a string field: \(field)")
        }
        if let value { JSONText.appendString(value, to: &out) } else { out.append(contentsOf: JSONText.null) }
    }

    func appendJSON(_ field: ArchiveLineField, to out: inout [UInt8]) {
        if field == .topics { Self.appendTopicsJSON(topics, to: &out) } else { JSONText.appendStrings(categories, to: &out) }
    }
}
