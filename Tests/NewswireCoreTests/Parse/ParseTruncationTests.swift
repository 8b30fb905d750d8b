import Foundation
import Testing
@testable import NewswireCore

/// A document that ends or breaks inside an entry keeps the entries closed before the break, drops the open
/// one and is flagged bozo: cut at every byte offset, a feed never yields a partial entry and never crashes.
@Suite struct ParseTruncationTests {
    static let rss20 = """
    <?xml version="1.0" encoding="utf-8"?>
    <rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Cut</title>
    <item><title>First &amp; one</title><link>https://a.example/1</link><guid>g1</guid>
    <pubDate>Sat, 26 Jul 2025 10:00:00 GMT</pubDate><category>c1</category>
    <description><![CDATA[<p>Body <b>one</b></p>]]></description></item>
    <item><title>Second</title><link>https://a.example/2</link><guid isPermaLink="false">g2</guid>
    <content:encoded>&lt;p&gt;Full text of the second&lt;/p&gt;</content:encoded>
    <enclosure url="https://a.example/2.mp3" type="audio/mpeg" length="12"/></item>
    <item><title>Third</title><link>https://a.example/3</link><description>Three</description></item>
    </channel></rss>
    """

    static let atom = """
    <feed xmlns="http://www.w3.org/2005/Atom"><title>Cut</title><id>urn:f</id>
    <entry><id>urn:1</id><title type="html">One &lt;em&gt;x&lt;/em&gt;</title><link href="https://a.example/1"/>
    <updated>2025-07-26T10:00:00Z</updated><author><name>Ann</name></author>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Hello</p></div></content></entry>
    <entry><id>urn:2</id><title>Two</title><summary>Sum</summary><category term="t2"/></entry>
    </feed>
    """

    static let rss10 = """
    <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
      xmlns:dc="http://purl.org/dc/elements/1.1/">
    <channel rdf:about="https://a.example/"><title>Cut</title><link>https://a.example/</link></channel>
    <item rdf:about="https://a.example/1"><title>One</title><link>https://a.example/1</link><dc:creator>Bo</dc:creator></item>
    <item rdf:about="https://a.example/2"><title>Two</title><link>https://a.example/2</link></item>
    </rdf:RDF>
    """

    @Test(arguments: [rss20, atom, rss10])
    func everyCutKeepsOnlyWholeEntries(document: String) throws {
        let bytes = Array(document.utf8)
        let whole = try FeedParser.parse(Data(bytes))
        #expect(!whole.bozo)
        #expect(whole.entries.count >= 2)
        for cut in 0..<bytes.count {
            let prefix = Data(bytes[0..<cut])
            let feed: ParsedFeed
            do {
                feed = try FeedParser.parse(prefix)
            } catch {
                continue  // empty or nothing recognisable yet: an error, never a crash
            }
            // The entries of a cut document are the whole document's first ones, each complete.
            #expect(feed.entries.count <= whole.entries.count, "cut at \(cut)")
            for (i, e) in feed.entries.enumerated() where i < whole.entries.count {
                #expect(e == whole.entries[i], "cut at \(cut): entry \(i) is partial")
            }
            #expect(feed.bozo, "cut at \(cut): a cut document is not well-formed")
        }
    }

    @Test func aCutInsideTheThirdEntryKeepsTwo() throws {
        let bytes = Array(Self.rss20.utf8)
        let third = try #require(Self.rss20.range(of: "<title>Third</title>"))
        let cut = Self.rss20.utf8.distance(from: Self.rss20.utf8.startIndex, to: third.upperBound.samePosition(in: Self.rss20.utf8)!)
        let feed = try FeedParser.parse(Data(bytes[0..<cut]))
        #expect(feed.entries.map(\.title) == ["First & one", "Second"])
        #expect(feed.bozo)
    }

    @Test func aCutBetweenEntriesKeepsThemAll() throws {
        let doc = Self.rss20
        let end = try #require(doc.range(of: "</item>", options: .backwards))
        let cut = doc.utf8.distance(from: doc.utf8.startIndex, to: end.upperBound.samePosition(in: doc.utf8)!)
        let feed = try FeedParser.parse(Data(Array(doc.utf8)[0..<cut]))
        #expect(feed.entries.count == 3)
        #expect(feed.bozo)
    }
}
