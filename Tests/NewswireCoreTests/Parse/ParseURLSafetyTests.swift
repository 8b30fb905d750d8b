import Foundation
import Testing
@testable import NewswireCore

/// Every URL the parser hands out is http(s) or nothing (`URLSafety`), whatever the document tries.
@Suite struct ParseURLSafetyTests {
    static let documentURL = "https://feeds.example/news/rss.xml"

    /// Links as they are written in the XML (references are decoded by the XML parser before the rule sees them).
    @Test(arguments: [
        "javascript:alert('link')", "JavaScript:alert(1)", "JAVASCRIPT:alert(1)", "&#106;avascript:alert(1)",
        "&#x6A;&#x61;vascript:alert(1)", "java&#9;script:alert(1)", "java&#10;script:alert(1)", "java\tscript:alert(1)",
        "   javascript:alert(1)", "&#13;&#10; javascript:alert(1)", "vbscript:msgbox(1)", "VBScript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "file:///etc/passwd", "FILE:///etc/passwd",
        "tag:example.com,2026:entry-1", "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a", "mailto:a@example.com",
        "ftp://files.example/a", "feed:https://feeds.example/",
    ])
    func hostileEntryLinksAreDropped(link: String) throws {
        let feed = try FeedParser.parse(Data("<rss version=\"2.0\"><channel><item><title>t</title><link>\(link)</link></item></channel></rss>".utf8),
                                        documentURL: Self.documentURL)
        let e = try #require(feed.entries.first)
        #expect(e.link == nil, "\(link) -> \(e.link ?? "nil")")
        #expect(feed.unsafeURLs == 1)
    }

    @Test(arguments: [
        ("https://site.example/a", "https://site.example/a"), ("HTTP://Site.example/a", "HTTP://Site.example/a"),
        ("  https://site.example/a  ", "https://site.example/a"), ("//cdn.example/x", "https://cdn.example/x"),
        ("/story/1", "https://feeds.example/story/1"), ("story/1", "https://feeds.example/news/story/1"),
        ("https://site.example/a&#9;b", "https://site.example/ab"),
        // A reference left in the text cannot start a scheme: it is a relative path under the feed's URL.
        ("&amp;#106;avascript:alert(1)", "https://feeds.example/news/&#106;avascript:alert(1)"),
    ])
    func safeLinksAreResolvedAndKept(link: String, expected: String) throws {
        let feed = try FeedParser.parse(Data("<rss version=\"2.0\"><channel><item><link>\(link)</link></item></channel></rss>".utf8),
                                        documentURL: Self.documentURL)
        #expect(feed.entries.first?.link == expected)
        #expect(feed.unsafeURLs == 0)
    }

    @Test func everyURLFieldFollowsTheRule() throws {
        let doc = """
        <rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel>
        <link>javascript:alert('feed')</link><image><url>data:image/png;base64,AAAA</url></image>
        <item><link>https://ok.example/1</link>
          <enclosure url="vbscript:msgbox(1)" type="audio/mpeg" length="1"/>
          <enclosure url="https://cdn.example/a.mp3" type="audio/mpeg" length="2"/></item>
        </channel></rss>
        """
        let feed = try FeedParser.parse(Data(doc.utf8), documentURL: Self.documentURL)
        #expect(feed.feed.link == nil)
        #expect(feed.feed.image == nil)
        #expect(feed.entries.first?.link == "https://ok.example/1")
        #expect(feed.entries.first?.enclosures.map(\.url) == ["https://cdn.example/a.mp3"])
        #expect(feed.unsafeURLs == 3)
    }

    @Test func atomLinksAndItunesImagesFollowTheRule() throws {
        let doc = """
        <feed xmlns="http://www.w3.org/2005/Atom" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
        <link href="jav&#x09;ascript:alert(1)"/><itunes:image href="file:///etc/passwd"/>
        <entry><id>tag:example.com,2026:1</id><link rel="enclosure" href="data:audio/mpeg;base64,AA" type="audio/mpeg"/></entry>
        </feed>
        """
        let feed = try FeedParser.parse(Data(doc.utf8), documentURL: Self.documentURL)
        #expect(feed.feed.link == nil)
        #expect(feed.feed.image == nil)
        let e = try #require(feed.entries.first)
        #expect(e.id == "tag:example.com,2026:1")  // the id stays; as a link it is dropped
        #expect(e.link == nil)
        #expect(e.enclosures.isEmpty)
        #expect(feed.unsafeURLs == 4)
    }

    @Test func anXMLBaseCannotMakeALinkUnsafe() throws {
        let feed = try FeedParser.parse(Data(#"<rss version="2.0"><channel><item xml:base="javascript:alert(1)//"><link>x</link></item></channel></rss>"#.utf8),
                                        documentURL: Self.documentURL)
        #expect(feed.entries.first?.link == "https://feeds.example/news/x")
    }

    @Test func jsonFeedURLsFollowTheRule() throws {
        let doc = """
        {"version": "https://jsonfeed.org/version/1.1", "title": "J", "home_page_url": "\\u0001javascript:alert(1)",
         "icon": "data:image/png;base64,AA",
         "items": [{"id": "1", "url": " java\\tscript:alert(1)", "external_url": "https://ok.example/1",
                    "attachments": [{"url": "file:///etc/passwd"}, {"url": "/a.mp3"}]}]}
        """
        let feed = try FeedParser.parse(Data(doc.utf8), documentURL: Self.documentURL)
        #expect(feed.feed.link == nil)
        #expect(feed.feed.image == nil)
        #expect(feed.entries.first?.link == "https://ok.example/1")
        #expect(feed.entries.first?.enclosures.map(\.url) == ["https://feeds.example/a.mp3"])
        #expect(feed.unsafeURLs == 4)
    }

    @Test func withoutADocumentURLARelativeReferenceStaysRelative() throws {
        let feed = try FeedParser.parse(Data("<rss version=\"2.0\"><channel><item><link>/story/1</link></item><item><link>javascript:x</link></item></channel></rss>".utf8))
        #expect(feed.entries.map(\.link) == ["/story/1", nil])
    }

    @Test(arguments: [
        ("\u{1}javascript:alert(1)", URLSafety.Verdict.unsafe), ("\u{0} \u{1F}javascript:", .unsafe),
        ("j\na\rv\ta:x", .unsafe), ("https://a.example/", .safe("https://a.example/")), ("   ", .empty),
        // Not a scheme (it starts with a digit), and not a reference RFC 3986 can resolve: dropped.
        ("1http://x", .unsafe),
    ])
    func theRuleReadsSchemesAsBrowsersDo(raw: String, verdict: URLSafety.Verdict) {
        #expect(URLSafety.check(raw, base: Self.documentURL) == verdict)
    }
}
