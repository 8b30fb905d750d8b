import Foundation

/// The parser's result: the normalized model that `newswired parse --json` prints
/// (schema in docs/ARCHITECTURE.md and ../shared/DESIGN.md) and the rest of the pipeline consumes.
public struct ParsedFeed: Sendable, Equatable {
    public enum Format: String, Sendable, Codable {
        case rss20 = "rss2.0", rss10 = "rss1.0", rss09x = "rss0.9x"
        case atom10 = "atom1.0", atom03 = "atom0.3", jsonFeed = "jsonfeed", unknown
    }

    public var format: Format
    /// The input was not well-formed and was recovered.
    public var bozo: Bool
    /// Why `bozo` is set (libxml2's first error, with line and column). Not part of the JSON schema.
    public var bozoReason: String?
    public var feed: FeedInfo
    public var entries: [FeedEntry]
    /// What the feed says about how often to poll it (RSS `ttl`, `sy:updatePeriod`/`sy:updateFrequency`).
    public var pollHint: PollHint
    /// URLs the document gave (links, enclosure and image URLs) that were dropped for a scheme other than
    /// http(s) (`URLSafety`). Not part of the JSON schema; the daemon logs it as `unsafe_urls`.
    public var unsafeURLs: Int

    public init(format: Format = .unknown, bozo: Bool = false, bozoReason: String? = nil,
                feed: FeedInfo = FeedInfo(), entries: [FeedEntry] = [], pollHint: PollHint = PollHint(),
                unsafeURLs: Int = 0) {
        self.format = format
        self.bozo = bozo
        self.bozoReason = bozoReason
        self.feed = feed
        self.entries = entries
        self.pollHint = pollHint
        self.unsafeURLs = unsafeURLs
    }
}

public struct FeedInfo: Sendable, Equatable {
    public var title: String?
    public var link: String?
    public var subtitle: String?
    public var id: String?
    public var language: String?
    public var updated: Date?
    public var author: String?
    public var generator: String?
    public var image: String?

    public init(title: String? = nil, link: String? = nil, subtitle: String? = nil, id: String? = nil,
                language: String? = nil, updated: Date? = nil, author: String? = nil,
                generator: String? = nil, image: String? = nil) {
        self.title = title
        self.link = link
        self.subtitle = subtitle
        self.id = id
        self.language = language
        self.updated = updated
        self.author = author
        self.generator = generator
        self.image = image
    }
}

public struct FeedEntry: Sendable, Equatable {
    /// guid / atom:id / JSON Feed id, as given.
    public var id: String?
    /// Plain text.
    public var title: String?
    /// Absolute http(s) URL of the alternate link (`URLSafety`).
    public var link: String?
    public var published: Date?
    public var updated: Date?
    /// First author's name, else e-mail.
    public var author: String?
    public var categories: [String]
    /// Plain text: tags stripped, entities decoded, whitespace collapsed.
    public var summary: String?
    /// Plain text of the fullest content (content:encoded, atom:content).
    public var content: String?
    public var enclosures: [Enclosure]

    public init(id: String? = nil, title: String? = nil, link: String? = nil, published: Date? = nil,
                updated: Date? = nil, author: String? = nil, categories: [String] = [],
                summary: String? = nil, content: String? = nil, enclosures: [Enclosure] = []) {
        self.id = id
        self.title = title
        self.link = link
        self.published = published
        self.updated = updated
        self.author = author
        self.categories = categories
        self.summary = summary
        self.content = content
        self.enclosures = enclosures
    }
}

public struct Enclosure: Sendable, Equatable {
    public var url: String
    public var type: String?
    public var length: Int?

    public init(url: String, type: String? = nil, length: Int? = nil) {
        self.url = url
        self.type = type
        self.length = length
    }
}

/// Polling hints a feed document carries.
public struct PollHint: Sendable, Equatable {
    /// RSS `<ttl>`, in minutes.
    public var ttlMinutes: Int?
    /// `sy:updatePeriod` (hourly, daily, weekly, monthly, yearly) divided by `sy:updateFrequency`, in seconds.
    public var syndicationPeriodSeconds: Int?

    public init(ttlMinutes: Int? = nil, syndicationPeriodSeconds: Int? = nil) {
        self.ttlMinutes = ttlMinutes
        self.syndicationPeriodSeconds = syndicationPeriodSeconds
    }
}

// MARK: - The `parse --json` schema

extension ParsedFeed: Encodable {
    private enum CodingKeys: String, CodingKey { case format, bozo, feed, entries }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(format, forKey: .format)
        try c.encode(bozo, forKey: .bozo)
        try c.encode(feed, forKey: .feed)
        try c.encode(entries, forKey: .entries)
    }
}

extension FeedInfo: Encodable {
    private enum CodingKeys: String, CodingKey {
        case title, link, subtitle, id, language, updated, author, generator, image
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(title, forKey: .title)
        try c.encode(link, forKey: .link)
        try c.encode(subtitle, forKey: .subtitle)
        try c.encode(id, forKey: .id)
        try c.encode(language, forKey: .language)
        try c.encode(updated.map(ISOTime.format), forKey: .updated)
        try c.encode(author, forKey: .author)
        try c.encode(generator, forKey: .generator)
        try c.encode(image, forKey: .image)
    }
}

extension FeedEntry: Encodable {
    private enum CodingKeys: String, CodingKey {
        case id, title, link, published, updated, author, categories, summary, content, enclosures
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(title, forKey: .title)
        try c.encode(link, forKey: .link)
        try c.encode(published.map(ISOTime.format), forKey: .published)
        try c.encode(updated.map(ISOTime.format), forKey: .updated)
        try c.encode(author, forKey: .author)
        try c.encode(categories, forKey: .categories)
        try c.encode(summary, forKey: .summary)
        try c.encode(content, forKey: .content)
        try c.encode(enclosures, forKey: .enclosures)
    }
}

extension Enclosure: Encodable {
    private enum CodingKeys: String, CodingKey { case url, type, length }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(url, forKey: .url)
        try c.encode(type, forKey: .type)
        try c.encode(length, forKey: .length)
    }
}
