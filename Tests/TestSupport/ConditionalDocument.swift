import Foundation
import Synchronization

/// A document served with `ETag` and `Last-Modified` that answers a matching conditional GET with
/// `304 Not Modified`, and gzips its body when asked to and the client accepts it. Tests change it between
/// passes with `update`, as a publisher changes a feed.
public final class ConditionalDocument: Sendable {
    public struct Version: Sendable {
        public var body: [UInt8]
        public var contentType: String
        public var etag: String?
        public var lastModified: Date?
        /// Send `Content-Encoding: gzip` to clients whose `Accept-Encoding` allows it.
        public var gzip: Bool
        public var extraHeaders: HTTPHeaders
    }

    private let current: Mutex<Version>

    public init(body: [UInt8], contentType: String = "application/xml; charset=utf-8", etag: String? = nil,
                lastModified: Date? = nil, gzip: Bool = false, extraHeaders: HTTPHeaders = [:]) {
        current = Mutex(Version(body: body, contentType: contentType, etag: etag, lastModified: lastModified,
                                gzip: gzip, extraHeaders: extraHeaders))
    }

    public convenience init(body: String, contentType: String = "application/xml; charset=utf-8", etag: String? = nil,
                            lastModified: Date? = nil, gzip: Bool = false, extraHeaders: HTTPHeaders = [:]) {
        self.init(body: Array(body.utf8), contentType: contentType, etag: etag, lastModified: lastModified,
                  gzip: gzip, extraHeaders: extraHeaders)
    }

    public var version: Version { current.withLock { $0 } }

    /// Publishes a new version (the validators should change with the body, as a real server's do).
    public func update(body: String, etag: String?, lastModified: Date?) {
        current.withLock {
            $0.body = Array(body.utf8)
            $0.etag = etag
            $0.lastModified = lastModified
        }
    }

    public func update(_ change: (inout Version) -> Void) {
        current.withLock { change(&$0) }
    }

    /// The answer to `request`, by RFC 9110 §13: `If-None-Match` decides when present, else `If-Modified-Since`.
    public func respond(to request: HTTPRequest) -> HTTPResponse {
        let v = version
        var headers = v.extraHeaders
        if let etag = v.etag { headers.set("ETag", etag) }
        if let lm = v.lastModified { headers.set("Last-Modified", IMFFixdate.format(lm)) }
        guard request.method == "GET" || request.method == "HEAD" else {
            return .text("method not allowed\n", status: 405)
        }
        if Self.notModified(request, etag: v.etag, lastModified: v.lastModified) {
            return HTTPResponse(status: 304, headers: headers)
        }
        headers.set("Content-Type", v.contentType)
        var body = v.body
        if v.gzip {
            headers.set("Vary", "Accept-Encoding")
            if Self.accepts("gzip", request.headers["Accept-Encoding"]) {
                headers.set("Content-Encoding", "gzip")
                body = Gzip.encode(body)
            }
        }
        return HTTPResponse(status: 200, headers: headers, body: body)
    }

    static func notModified(_ request: HTTPRequest, etag: String?, lastModified: Date?) -> Bool {
        if let inm = request.headers["If-None-Match"] {
            guard let etag else { return false }
            let tags = inm.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            return tags.contains("*") || tags.contains { weakless($0) == weakless(etag) }
        }
        if let ims = request.headers["If-Modified-Since"], let since = IMFFixdate.parse(ims), let lastModified {
            return lastModified.timeIntervalSince1970.rounded(.down) <= since.timeIntervalSince1970
        }
        return false
    }

    private static func weakless(_ tag: String) -> String { tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag }

    static func accepts(_ coding: String, _ acceptEncoding: String?) -> Bool {
        guard let acceptEncoding else { return false }
        return acceptEncoding.split(separator: ",").contains { item in
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard parts.first == coding else { return false }
            return !parts.dropFirst().contains { $0.replacingOccurrences(of: " ", with: "") == "q=0" }
        }
    }
}
