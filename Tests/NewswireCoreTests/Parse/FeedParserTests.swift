import Foundation
import Testing
@testable import NewswireCore

private func parse(_ xml: String, url: String? = nil, contentType: String? = nil) throws -> ParsedFeed {
    try FeedParser.parse(Data(xml.utf8), documentURL: url, contentType: contentType)
}

@Suite struct FeedParserTests {
    @Test func rss20ChannelAndItem() throws {
        let feed = try parse("""
        <?xml version="1.0"?>
        <rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"
             xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">
        <channel>
          <title>Wire</title><link>https://example.com/</link><description>All the news</description>
          <language>en-us</language><lastBuildDate>Sat, 26 Jul 2025 10:00:00 GMT</lastBuildDate>
          <managingEditor>ed@example.com (The Editor)</managingEditor><generator>gen 1.0</generator>
          <image><url>/logo.png</url><title>Wire</title><link>https://example.com/</link></image>
          <ttl>30</ttl><sy:updatePeriod>daily</sy:updatePeriod><sy:updateFrequency>4</sy:updateFrequency>
          <item>
            <title>AT&amp;T &lt;b&gt;wins&lt;/b&gt;</title>
            <link>/story/1</link>
            <guid isPermaLink="false">story-1</guid>
            <pubDate>Sat, 26 Jul 2025 09:30:00 +0200</pubDate>
            <dc:creator>Jane Doe</dc:creator>
            <category>Policy</category><category>AI</category>
            <description>&lt;p&gt;Short &amp;amp; sweet&lt;/p&gt;</description>
            <content:encoded><![CDATA[<p>Full text</p><script>alert(1)</script><p>second paragraph</p>]]></content:encoded>
            <enclosure url="https://cdn.example.com/a.mp3" type="audio/mpeg" length="1234"/>
          </item>
        </channel>
        </rss>
        """, url: "https://example.com/feed.xml")
        #expect(feed.format == .rss20)
        #expect(feed.bozo == false)
        #expect(feed.feed.title == "Wire")
        #expect(feed.feed.subtitle == "All the news")
        #expect(feed.feed.language == "en-us")
        #expect(feed.feed.updated.map(ISOTime.format) == "2025-07-26T10:00:00Z")
        #expect(feed.feed.author == "The Editor")
        #expect(feed.feed.generator == "gen 1.0")
        #expect(feed.feed.image == "https://example.com/logo.png")
        #expect(feed.pollHint == PollHint(ttlMinutes: 30, syndicationPeriodSeconds: 21_600))
        let e = try #require(feed.entries.first)
        #expect(e.title == "AT&T wins")
        #expect(e.link == "https://example.com/story/1")
        #expect(e.id == "story-1")
        #expect(e.published.map(ISOTime.format) == "2025-07-26T07:30:00Z")
        #expect(e.author == "Jane Doe")
        #expect(e.categories == ["Policy", "AI"])
        #expect(e.summary == "Short & sweet")
        #expect(e.content == "Full text\nsecond paragraph")
        #expect(e.enclosures == [Enclosure(url: "https://cdn.example.com/a.mp3", type: "audio/mpeg", length: 1234)])
    }

    @Test func atom10WithXMLBaseAndXHTML() throws {
        let feed = try parse("""
        <feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://example.org/blog/" xml:lang="en">
          <title type="text">A &lt;b&gt; title</title>
          <subtitle type="html">&lt;em&gt;sub&lt;/em&gt;</subtitle>
          <id>urn:feed</id><updated>2025-07-26T12:00:00+01:00</updated>
          <link rel="self" href="/atom.xml"/><link href="index.html"/>
          <author><name>Ann</name><email>ann@example.org</email></author>
          <logo>logo.png</logo>
          <entry xml:base="posts/">
            <id>urn:1</id><title>First</title>
            <link rel="alternate" type="text/html" href="one.html"/>
            <link rel="enclosure" href="/f.ogg" type="audio/ogg" length="10"/>
            <published>2025-07-25T08:00:00Z</published><updated>2025-07-26T08:00:00Z</updated>
            <category term="governance"/><category label="Label only"/>
            <summary>Plain &amp; simple</summary>
            <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Hello <b>world</b></p><p>Bye</p></div></content>
          </entry>
        </feed>
        """)
        #expect(feed.format == .atom10)
        #expect(feed.feed.title == "A <b> title")  // type="text": kept as text, never parsed as HTML
        #expect(feed.feed.subtitle == "sub")
        #expect(feed.feed.link == "https://example.org/blog/index.html")
        #expect(feed.feed.author == "Ann")
        #expect(feed.feed.language == "en")
        #expect(feed.feed.image == nil)  // atom:logo is not the reference's image (only RSS <image> and itunes:image)
        #expect(feed.feed.updated.map(ISOTime.format) == "2025-07-26T11:00:00Z")
        let e = try #require(feed.entries.first)
        #expect(e.link == "https://example.org/blog/posts/one.html")
        #expect(e.enclosures.first?.url == "https://example.org/f.ogg")
        #expect(e.categories == ["governance", "Label only"])
        #expect(e.summary == "Plain & simple")
        #expect(e.content == "Hello world\nBye")
        #expect(e.published.map(ISOTime.format) == "2025-07-25T08:00:00Z")
        #expect(e.updated.map(ISOTime.format) == "2025-07-26T08:00:00Z")
    }

    @Test func rss10AndRss09x() throws {
        let rdf = try parse("""
        <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
                 xmlns:dc="http://purl.org/dc/elements/1.1/">
          <channel rdf:about="https://example.com/"><title>RDF</title><link>https://example.com/</link></channel>
          <item rdf:about="https://example.com/1"><title>One</title><link>https://example.com/1</link>
            <dc:date>2025-07-01T00:00:00Z</dc:date></item>
        </rdf:RDF>
        """)
        #expect(rdf.format == .rss10)
        #expect(rdf.entries.first?.id == "https://example.com/1")
        #expect(rdf.entries.first?.updated.map(ISOTime.format) == "2025-07-01T00:00:00Z")
        let old = try parse(#"<rss version="0.91"><channel><title>Old</title><item><title>x</title></item></channel></rss>"#)
        #expect(old.format == .rss09x)
        #expect(old.entries.count == 1)
    }

    @Test func jsonFeed() throws {
        let feed = try FeedParser.parse(Data("""
        {"version": "https://jsonfeed.org/version/1.1", "title": "J", "home_page_url": "https://j.example/",
         "authors": [{"name": "Jo"}],
         "items": [{"id": "1", "url": "https://j.example/1", "title": "T", "content_html": "<p>Hi &amp; bye</p>",
                    "date_published": "2025-07-26T10:00:00Z", "tags": ["a"],
                    "attachments": [{"url": "https://j.example/a.mp3", "mime_type": "audio/mpeg", "size_in_bytes": 5}]}]}
        """.utf8))
        #expect(feed.format == .jsonFeed)
        #expect(feed.feed.title == "J")
        #expect(feed.entries.first?.content == "Hi & bye")
        #expect(feed.entries.first?.author == "Jo")
        #expect(feed.entries.first?.enclosures.first?.length == 5)
    }

    @Test func illFormedIsRecoveredAndFlagged() throws {
        let feed = try parse("<rss version=\"2.0\"><channel><title>T &nbsp; x</title><item><title>a</title></item><item><title>b</title></channel></rss>")
        #expect(feed.bozo)
        #expect(feed.bozoReason != nil)
        #expect(feed.feed.title == "T \u{A0} x")
        #expect(feed.entries.count >= 1)
    }

    @Test func htmlPageIsNotAFeedAndListsAlternates() {
        let html = """
        <!DOCTYPE html><html><head><title>Home</title>
        <link rel="alternate" type="application/rss+xml" href="/feed.rss">
        <link rel="alternate" type="application/atom+xml" href="https://other.example/atom">
        <link rel="stylesheet" href="/s.css"></head><body><p>Hello</body></html>
        """
        #expect(throws: ParseError(.notAFeed, "an HTML page, not a feed; it advertises 2 feed(s)",
                                   alternates: ["https://example.com/feed.rss", "https://other.example/atom"])) {
            try FeedParser.parse(Data(html.utf8), documentURL: "https://example.com/index.html")
        }
    }

    @Test func emptyDocument() {
        #expect(throws: ParseError(.empty, "the document is empty")) { try FeedParser.parse(Data("  \n".utf8)) }
    }

    @Test func htmlToTextDropsScriptsAndDecodesEntities() {
        #expect(PlainText.fromHTML("<div>a<script>evil()</script><style>p{}</style> &eacute;&#233;</div><p>b</p>") == "a éé\nb")
        #expect(PlainText.fromHTML("no markup   here") == "no markup here")
        #expect(PlainText.guess("5 < 6 and AT&T") == "5 < 6 and AT&T")
        #expect(PlainText.fromHTML("<img src=x onerror=alert(1)>text") == "text")
    }
}

@Suite struct ParseTextRepairTests {
    @Test func mojibakeIsReadBackAsUTF8() {
        #expect(PlainText.repairingMojibake("caf\u{C3}\u{A9}") == "café")
        #expect(PlainText.repairingMojibake("\u{E2}\u{20AC}\u{A6}") == "…")
        #expect(PlainText.repairingMojibake("café") == "café")  // genuine latin-1 text is left alone
        #expect(PlainText.repairingMojibake("naïve – ok") == "naïve – ok")
    }

    @Test func nonFeedXMLIsNotAFeed() {
        #expect {
            try FeedParser.parse(Data("<config><x/></config>".utf8))
        } throws: { ($0 as? ParseError)?.code == .notAFeed }
    }

    @Test func garbageIsMalformed() {
        #expect {
            try FeedParser.parse(Data([0x01, 0x02, 0x03, 0xFF, 0x00]))
        } throws: { ($0 as? ParseError)?.code == .malformed }
    }

    @Test func bozoReasonNamesLineAndColumn() throws {
        let feed = try FeedParser.parse(Data("<rss version=\"2.0\">\n<channel><title>x</titel></channel></rss>".utf8))
        #expect(feed.bozo)
        #expect(feed.bozoReason?.hasPrefix("line 2, column") == true)
    }

    @Test func atomFeedInsideXHTMLPage() throws {
        let doc = """
        <html xmlns="http://www.w3.org/1999/xhtml"><body>
        <feed xmlns="http://www.w3.org/2005/Atom"><title>Inner</title><entry><id>1</id><title>E</title></entry></feed>
        </body></html>
        """
        let feed = try FeedParser.parse(Data(doc.utf8))
        #expect(feed.format == .atom10)
        // The reference reads an XHTML <body> as content: the feed's title is markup in it, and the title's end
        // tag ends the content, so the entries after it are read.
        #expect(feed.feed.title == nil)
        #expect(feed.entries.map(\.title) == ["E"])
    }

    @Test func pollHintFromHourlySyndication() throws {
        let doc = """
        <rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel>
        <sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency></channel></rss>
        """
        #expect(try FeedParser.parse(Data(doc.utf8)).pollHint == PollHint(ttlMinutes: nil, syndicationPeriodSeconds: 1800))
    }
}

@Suite struct ParseC1ControlTests {
    @Test func c1ControlsBecomeWindows1252Punctuation() throws {
        let feed = try FeedParser.parse(Data("<rss version=\"2.0\"><channel><title>don\u{92}t \u{93}quote\u{94}</title></channel></rss>".utf8))
        #expect(feed.feed.title == "don\u{2019}t \u{201C}quote\u{201D}")
    }
}
