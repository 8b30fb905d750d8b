import Foundation

/// One feed to fetch, with what we know from the last time (sent back for a conditional GET).
public struct FetchRequest: Sendable, Equatable {
    /// What is fetched: the feed's URL, or where it moved for good (301/308).
    public var url: String
    /// The feed as configured (identifies it to the caller).
    public var feedURL: String
    public var etag: String?
    public var lastModified: String?
    /// file:// is refused unless the feed entry explicitly allows it.
    public var allowFile: Bool
    /// Connect to internal addresses (loopback, private, link-local, …) whatever the URL says. Without it,
    /// only the URL's own literal internal address (or `localhost`) is allowed, and redirects never reach
    /// any other internal address.
    public var allowPrivate: Bool
    /// A POST with this body instead of a GET (a webhook delivery): no redirects followed, the response body
    /// read up to its small limit.
    public var post: PostBody?

    public init(url: String, feedURL: String? = nil, etag: String? = nil, lastModified: String? = nil,
                allowFile: Bool = false, allowPrivate: Bool = false, post: PostBody? = nil) {
        self.post = post
        self.url = url
        self.feedURL = feedURL ?? url
        self.etag = etag
        self.lastModified = lastModified
        self.allowFile = allowFile
        self.allowPrivate = allowPrivate
    }
}

/// The body of a POST (`application/json`), its extra header lines (`Name: value`), the transfer's whole
/// time and how much of the response body is kept (the rest is not read).
public struct PostBody: Sendable, Equatable {
    public var body: [UInt8]
    public var headers: [String]
    public var timeout: Int
    public var maxResponseBytes: Int

    public init(body: [UInt8], headers: [String], timeout: Int, maxResponseBytes: Int = 4096) {
        self.body = body
        self.headers = headers
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
    }
}

/// A completed HTTP exchange (any status: the pipeline decides what a 404 means).
public struct FetchResponse: Sendable {
    public var status: Int
    /// Header names lower-cased; the final response's headers only (after redirects).
    public var headers: [String: String]
    /// The decoded body (gzip/deflate/br undone), at most the configured limit.
    public var body: Data
    public var effectiveURL: String
    public var redirects: Int
    /// The final URL when every redirect followed was permanent (301/308): the feed moved for good.
    public var permanentlyMovedTo: String?
    public var elapsedMs: Int

    public var etag: String? { headers["etag"] }
    public var lastModified: String? { headers["last-modified"] }
    public var contentType: String? { headers["content-type"] }
}

/// Why a transfer produced no HTTP response.
public struct FetchError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case dns
        case connect
        case timeout
        case tooLarge = "too_large"
        case tls
        case tooManyRedirects = "too_many_redirects"
        case protocolRefused = "protocol_refused"
        /// The SSRF guard refused an internal address.
        case blockedAddress = "blocked_address"
        case aborted
        case transport
    }

    public var code: Code
    public var message: String
    public var elapsedMs: Int

    public init(_ code: Code, _ message: String, elapsedMs: Int = 0) {
        self.code = code
        self.message = message
        self.elapsedMs = elapsedMs
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

/// Transfer limits and politeness settings: the config's `fetch` section (one source for the defaults)
/// plus the User-Agent built from it. `options.timeout` and the like read through to the section.
@dynamicMemberLookup
public struct FetchOptions: Sendable {
    public var limits: DaemonConfig.Fetch
    public var userAgent: String

    public init(_ limits: DaemonConfig.Fetch = DaemonConfig.Fetch()) {
        self.limits = limits
        userAgent = "newswired/\(NewswireVersion.string) (+\(limits.contact))"
    }

    public subscript<T>(dynamicMember path: KeyPath<DaemonConfig.Fetch, T>) -> T { limits[keyPath: path] }
}
