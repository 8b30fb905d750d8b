import Foundation
import TestSupport

/// A started `HTTPTestServer` publishing fixture feeds as conditional documents (ETag + Last-Modified).
final class FeedServer {
    let server: HTTPTestServer
    private(set) var documents: [String: ConditionalDocument] = [:]

    /// `feeds`: path → fixture file name; `gzip`: compress for clients that accept it.
    init(_ feeds: [(path: String, fixture: String)], gzip: Bool = false) throws {
        server = try HTTPTestServer()
        for (n, feed) in feeds.enumerated() {
            let doc = ConditionalDocument(
                body: try Fixture.text(feed.fixture),
                contentType: feed.fixture.hasSuffix(".atom.xml") ? "application/atom+xml; charset=utf-8"
                                                                  : "application/rss+xml; charset=utf-8",
                etag: "\"\(feed.fixture)-v1\"",
                lastModified: Date(timeIntervalSince1970: 1_753_520_400 + Double(n) * 60), // 2025-07-26T09:00Z + n min
                gzip: gzip)
            documents[feed.path] = doc
            server.serve(feed.path, doc)
        }
        try server.start()
    }

    deinit { server.stop() }

    /// Stops the server; call it in a `defer`, which also keeps the server alive to the end of the test
    /// (ARC may otherwise release it after its last use, before the subprocess has fetched anything).
    func stop() { server.stop() }

    func url(_ path: String) -> String { server.url(path) }
    func document(_ path: String) -> ConditionalDocument { documents[path]! }
}
