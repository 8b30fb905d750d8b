import Foundation

/// Limits that bound the parser's time and memory on hostile input.
public struct ParseLimits: Sendable {
    public var maxDepth: Int = 256
    public var maxFieldBytes: Int = 1 << 20
    public var maxDocumentTextBytes: Int = 64 << 20
    public var maxEntries: Int = 100_000

    public init() {}
    public static let `default` = ParseLimits()
}

/// Turns feed bytes into a `ParsedFeed`. (Placeholder until the libxml2 parser lands.)
public enum FeedParser {
    public static func parse(_ data: Data, documentURL: String? = nil, contentType: String? = nil,
                             limits: ParseLimits = .default) throws(ParseError) -> ParsedFeed {
        throw ParseError(.malformed, "parser not built yet")
    }
}
