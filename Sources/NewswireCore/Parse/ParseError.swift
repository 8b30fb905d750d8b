/// Why a document could not be turned into a feed.
public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The document is empty.
        case empty
        /// An HTML page (or other document) where a feed was expected. `alternates` lists the
        /// feeds it advertises with `<link rel="alternate">`.
        case notAFeed = "not a feed"
        /// Not well-formed and nothing could be recovered.
        case malformed
        /// A hostile or oversized document refused by a parser limit (depth, text size, entities, items).
        case limitExceeded = "limit exceeded"
        /// The bytes could not be decoded in any encoding we know.
        case encoding
    }

    public var code: Code
    public var message: String
    /// Feed URLs an HTML page advertises (for `notAFeed`).
    public var alternates: [String]

    public init(_ code: Code, _ message: String, alternates: [String] = []) {
        self.code = code
        self.message = message
        self.alternates = alternates
    }

    public var description: String {
        var s = "\(code.rawValue): \(message)"
        if !alternates.isEmpty { s += " (advertised feeds: \(alternates.joined(separator: ", ")))" }
        return s
    }
}
