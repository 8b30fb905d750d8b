import Foundation
import Testing
@testable import NewswireCore

/// `&amp;` in an attribute value (a link's query string, an OPML xmlUrl) must come out as `&`.
@Suite struct AttributeEntityTests {
    @Test func ampersandsInAttributesAreDecoded() throws {
        let atom = """
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>x</id>
            <entry><title>A &amp; B</title><id>e1</id><link href="https://a.example/x?a=1&amp;b=2&#38;c=3&amp;#38;"/></entry></feed>
            """
        let feed = try FeedParser.parse(Data(atom.utf8))
        #expect(feed.entries.first?.link == "https://a.example/x?a=1&b=2&c=3&#38;")
        let opml = #"<opml version="2.0"><body><outline text="A &amp; B" xmlUrl="https://a.example/rss?x=1&amp;y=2"/></body></opml>"#
        let feeds = try OPML.parseFeeds(Data(opml.utf8), file: "t")
        #expect(feeds.map(\.url) == ["https://a.example/rss?x=1&y=2"])
        #expect(feeds.map(\.title) == ["A & B"])
    }
}
