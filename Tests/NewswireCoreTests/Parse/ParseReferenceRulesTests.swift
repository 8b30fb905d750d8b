import Foundation
import Testing
@testable import NewswireCore

// How the reference parser (feedparser 6.0.14) reads each construct, one suite per rule family. Every document
// here is written for the rule it tests.

private func parse(_ xml: String, url: String? = nil) throws -> ParsedFeed {
    try FeedParser.parse(Data(xml.utf8), documentURL: url)
}

@Suite struct ParseBozoRuleTests {
    @Test func whitespaceBeforeTheXMLDeclarationIsNotWellFormed() throws {
        let feed = try parse("\n  <?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title></channel></rss>")
        #expect(feed.bozo)
        #expect(feed.feed.title == "T")  // still read
    }

    @Test func aDeclarationAtTheStartIsWellFormed() throws {
        let feed = try parse("<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>T</title></channel></rss>")
        #expect(!feed.bozo)
    }

    @Test func whitespaceBeforeAnotherProcessingInstructionIsWellFormed() throws {
        let feed = try parse("\n<?xml-stylesheet href=\"s.xsl\"?><rss version=\"2.0\"><channel><title>T</title></channel></rss>")
        #expect(!feed.bozo)
    }
}

private let namespaces = """
xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:dc="http://purl.org/dc/elements/1.1/" \
xmlns:media="http://search.yahoo.com/mrss/" xmlns:content="http://purl.org/rss/1.0/modules/content/" \
xmlns:admin="http://webns.net/mvcb/" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
"""

/// An RSS 2.0 document whose channel holds `body`.
private func rss(_ body: String) throws -> ParsedFeed {
    try parse("<rss version=\"2.0\" \(namespaces)><channel>\(body)</channel></rss>")
}

@Suite struct ParseFeedPrecedenceRuleTests {
    @Test func theLastFeedLevelValueWins() throws {
        let feed = try rss("""
        <link>http://a.example/</link><link>http://b.example/</link>
        <description>Description</description><itunes:subtitle>Subtitle</itunes:subtitle>
        <generator>G1</generator><generator>G2</generator><language>en</language><dc:language>fr</dc:language>
        """)
        #expect(feed.feed.link == "http://b.example/")
        #expect(feed.feed.subtitle == "Subtitle")
        #expect(feed.feed.generator == "G2")
        #expect(feed.feed.language == "fr")
    }

    @Test func theFirstNonEmptyTitleWins() throws {
        let feed = try rss("<title></title><title>First</title><title>Second</title>")
        #expect(feed.feed.title == "First")
    }

    @Test func aDescriptionAfterASummaryIsNotTheSubtitle() throws {
        // The reference reads a description that follows a summary (itunes:summary) as content.
        let feed = try rss("<itunes:summary>Summary</itunes:summary><description>Description</description>")
        #expect(feed.feed.subtitle == nil)
        let kept = try rss("<description>Description</description><itunes:summary>Summary</itunes:summary>")
        #expect(kept.feed.subtitle == "Description")
    }
}

@Suite struct ParseImageRuleTests {
    @Test func theLastOfImageAndItunesImageWins() throws {
        let a = try rss(#"<itunes:image href="http://img.example/a.png"/><image><url>http://img.example/b.png</url></image>"#)
        #expect(a.feed.image == "http://img.example/b.png")
        let b = try rss(#"<image><url>http://img.example/b.png</url></image><itunes:image href="http://img.example/a.png"/>"#)
        #expect(b.feed.image == "http://img.example/a.png")
    }

    @Test func atomLogoAndIconAreNotTheImage() throws {
        let feed = try parse("""
        <feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><logo>http://img.example/l.png</logo>
        <icon>http://img.example/i.ico</icon></feed>
        """)
        #expect(feed.feed.image == nil)
    }

    @Test func anImageInsideAnItemIsNotTheFeeds() throws {
        let feed = try rss("<item><title>x</title><image><url>http://img.example/i.png</url></image></item>")
        #expect(feed.feed.image == nil)
        #expect(feed.entries.first?.title == "x")
    }

    @Test func anRSS10ImageOutsideTheChannelIsNotRead() throws {
        let feed = try parse("""
        <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
        <channel rdf:about="http://a.example/"><title>t</title></channel>
        <image rdf:about="http://img.example/r.png"><url>http://img.example/r.png</url></image></rdf:RDF>
        """)
        #expect(feed.feed.image == nil)
    }
}

@Suite struct ParseGeneratorRuleTests {
    @Test func theGeneratorIsTheElementsText() throws {
        #expect(try rss(#"<generator uri="http://gen.example/" version="2">GenName</generator>"#).feed.generator == "GenName")
        let attributesOnly = try parse(#"<feed xmlns="http://www.w3.org/2005/Atom"><generator uri="http://gen.example/"/></feed>"#)
        #expect(attributesOnly.feed.generator == nil)
    }

    @Test func adminGeneratorAgentIsNotRead() throws {
        // feedparser 6.0.14 does not include its admin module.
        #expect(try rss(#"<admin:generatorAgent rdf:resource="http://gen.example/"/>"#).feed.generator == nil)
    }
}

@Suite struct ParseEntryPrecedenceRuleTests {
    @Test func aDeeperValueDoesNotReplaceAShallowerOne() throws {
        let feed = try rss("""
        <item><description>Short</description><media:group><media:description>Deeper</media:description></media:group>
        <title>T1</title><title>T2</title></item>
        """)
        let e = try #require(feed.entries.first)
        #expect(e.summary == "Short")
        #expect(e.title == "T1")
    }

    @Test func mediaTitleOnlyStandsInForAMissingTitle() throws {
        let feed = try rss("<item><media:title>M</media:title></item><item><title>T</title><media:title>M</media:title></item>")
        #expect(feed.entries.map(\.title) == ["M", "T"])
    }

    @Test func theLastLinkElementWins() throws {
        let feed = try rss("<item><link>http://a.example/1</link><link>http://a.example/2</link></item>")
        #expect(feed.entries.first?.link == "http://a.example/2")
    }
}

@Suite struct ParseContentRuleTests {
    @Test func aSecondSummaryBecomesContent() throws {
        let e = try #require(try rss("<item><description>One</description><itunes:summary>Two, the longer one</itunes:summary></item>").entries.first)
        #expect(e.summary == "One")
        #expect(e.content == "Two, the longer one")
    }

    @Test func afterContentEncodedTheLastSummaryWins() throws {
        let e = try #require(try rss("""
        <item><content:encoded>&lt;p&gt;Full text&lt;/p&gt;</content:encoded><description>Short</description>
        <itunes:summary>Shorter</itunes:summary></item>
        """).entries.first)
        #expect(e.content == "Full text")
        #expect(e.summary == "Shorter")
    }

    @Test func contentStandsInForAMissingSummary() throws {
        let e = try #require(try rss("<item><content:encoded>&lt;p&gt;Full text&lt;/p&gt;</content:encoded></item>").entries.first)
        #expect(e.summary == "Full text")
    }

    @Test func theLongestContentIsKept() throws {
        let e = try #require(try parse("""
        <feed xmlns="http://www.w3.org/2005/Atom"><entry><id>1</id><content>short</content>
        <content type="html">&lt;p&gt;the longer one&lt;/p&gt;</content></entry></feed>
        """).entries.first)
        #expect(e.content == "the longer one")
    }
}

@Suite struct ParseLinkRuleTests {
    @Test func aGuidIsALinkOnlyWhenIsPermaLinkIsExactlyTrue() throws {
        let feed = try rss("""
        <item><guid isPermaLink="True">http://a.example/g</guid></item><item><guid>http://a.example/h</guid></item>
        <item><link>http://a.example/l</link><guid>http://a.example/k</guid></item>
        """)
        #expect(feed.entries.map(\.link) == [nil, "http://a.example/h", "http://a.example/l"])
    }

    @Test func anAtomAlternateLinkNeedsAnHTMLType() throws {
        let feed = try parse("""
        <feed xmlns="http://www.w3.org/2005/Atom">
        <entry><id>http://a.example/id-1</id><link rel="alternate" type="" href="http://a.example/empty"/></entry>
        <entry><id>urn:y</id><link rel="alternate" type="html" href="http://a.example/html"/></entry>
        <entry><id>http://a.example/only-id</id><link rel="related" href="http://a.example/rel"/></entry></feed>
        """)
        // Without an alternate link an Atom id is the link, as a permalink guid is.
        #expect(feed.entries.map(\.link) == ["http://a.example/id-1", "http://a.example/html", "http://a.example/only-id"])
    }

    @Test func aFeedIdIsTheFeedLinkWhenThereIsNone() throws {
        let feed = try parse(#"<feed xmlns="http://www.w3.org/2005/Atom"><id>http://a.example/feed-id</id></feed>"#)
        #expect(feed.feed.link == "http://a.example/feed-id")
    }
}

@Suite struct ParseCategoryRuleTests {
    @Test func categoriesAreTermSchemeLabelTriples() throws {
        let e = try #require(try rss("""
        <item><category domain="http://a.example/a">news</category><category domain="http://a.example/b">news</category>
        <category>news</category><category>news</category><itunes:keywords>one, two,,three</itunes:keywords></item>
        """).entries.first)
        // Twice with two schemes, once without; keywords split on commas.
        #expect(e.categories == ["news", "news", "news", "one", "two", "three"])
    }
}

@Suite struct ParseAuthorRuleTests {
    @Test(arguments: ["jd@example.com (John Doe)", "John Doe &lt;jd@example.com&gt;", "John Doe (jd@example.com)"])
    func nameAndEmailForms(author: String) throws {
        #expect(try rss("<item><author>\(author)</author></item>").entries.first?.author == "John Doe")
    }

    @Test func anEmailAloneIsTheAuthor() throws {
        #expect(try rss("<item><dc:creator>jd@example.com</dc:creator></item>").entries.first?.author == "jd@example.com")
    }

    @Test func theFirstAuthorWins() throws {
        #expect(try rss("<item><dc:creator>First</dc:creator><dc:creator>Second</dc:creator></item>").entries.first?.author == "First")
    }

    @Test func anItunesOwnersNameReplacesTheLastAuthorsName() throws {
        let named = try rss("""
        <itunes:author>Show Author</itunes:author>
        <itunes:owner><itunes:name>Owner Name</itunes:name><itunes:email>o@example.com</itunes:email></itunes:owner>
        """)
        #expect(named.feed.author == "Owner Name")
        let emailOnly = try rss("<itunes:author>Show Author</itunes:author><itunes:owner><itunes:email>o@example.com</itunes:email></itunes:owner>")
        #expect(emailOnly.feed.author == "Show Author")
    }
}

@Suite struct ParseStructureRuleTests {
    @Test func anItemInsideAnItemStartsAnotherEntry() throws {
        let feed = try rss("<title>Feed</title><item><title>Outer</title><item><title>Inner</title></item><description>after</description></item>")
        #expect(feed.entries.map(\.title) == ["Outer", "Inner"])
        // What follows the inner item's end is the feed's.
        #expect(feed.feed.subtitle == "after")
        #expect(feed.entries.first?.summary == nil)
    }

    @Test func aChildElementsTextIsNotItsParents() throws {
        // Without attributes a child element has text of its own; with attributes (and no handler) it has none.
        let e = try #require(try rss(#"<item><category>Cat<b>bold</b><span class="c">kept</span></category></item>"#).entries.first)
        #expect(e.categories == ["Catkept"])
    }
}

@Suite struct ParseTextRuleTests {
    @Test func utf8ReadAsLatin1IsReadBack() throws {
        let feed = try rss("<title>caf\u{C3}\u{A9}</title><item><title>&#226;&#128;&#166;</title><description>\u{E2}\u{2C6}\u{161}</description></item>")
        #expect(feed.feed.title == "café")
        #expect(feed.entries.first?.title == "…")  // C1 references count as Latin-1
        #expect(feed.entries.first?.summary == "\u{E2}\u{2C6}\u{161}")  // not all Latin-1: left as it is
    }
}

@Suite struct ParseBaseRuleTests {
    @Test func withoutADocumentURLAnItemsBaseOutlivesTheItem() throws {
        // The reference restores a parent's base only when it is not empty.
        let feed = try parse(#"<rss version="2.0"><channel><item xml:base="http://a.example/dir/"><link>one</link></item><item><link>two</link></item></channel></rss>"#)
        #expect(feed.entries.map(\.link) == ["http://a.example/dir/one", "http://a.example/dir/two"])
    }

    @Test func withADocumentURLABaseEndsWithItsElement() throws {
        let feed = try parse(#"<rss version="2.0"><channel><item xml:base="http://a.example/dir/"><link>one</link></item><item><link>two</link></item></channel></rss>"#,
                             url: "https://feeds.example/rss.xml")
        #expect(feed.entries.map(\.link) == ["http://a.example/dir/one", "https://feeds.example/two"])
    }

    @Test func aPermalinkGuidIsResolvedAgainstXMLBaseButNotTheDocumentURL() throws {
        let based = try parse(#"<rss version="2.0"><channel xml:base="http://a.example/dir/"><item><guid>123</guid></item><item><guid isPermaLink="false">456</guid></item></channel></rss>"#)
        #expect(based.entries.map(\.id) == ["http://a.example/dir/123", "456"])
        #expect(based.entries.first?.link == "http://a.example/dir/123")
        let fetched = try parse(#"<rss version="2.0"><channel><item><guid>123</guid></item></channel></rss>"#, url: "https://feeds.example/rss.xml")
        #expect(fetched.entries.first?.id == "123")  // ids stay as the feed gives them
        #expect(fetched.entries.first?.link == "https://feeds.example/123")
    }
}

/// A document that is not well-formed is read as the reference's loose parser reads it.
@Suite struct ParseLooseReadingRuleTests {
    @Test func aStrayEndTagClosesNoEntry() throws {
        let feed = try parse("<rss version=\"2.0\"><channel><item><title>A</title><description><p>x</p></p></description></item><item><title>B</title></item></channel></rss>")
        #expect(feed.bozo)
        #expect(feed.entries.map(\.title) == ["A", "B"])
        #expect(feed.entries.first?.summary == "x")
    }

    @Test func aControlCharacterDoesNotEndTheDocument() throws {
        let feed = try parse("<rss version=\"2.0\"><channel><item><title>A\u{3}b</title></item><item><title>B</title></item></channel></rss>")
        #expect(feed.bozo)
        #expect(feed.entries.map(\.title) == ["A\u{3}b", "B"])
    }

    @Test func escapesStayEscapedOutsideContent() throws {
        let items = """
        <item><guid isPermaLink="false">http://x.example/?a=1&amp;b=2</guid><title>AT&amp;T</title>
        <link>http://x.example/?a=1&amp;b=2</link></item><item><guid isPermaLink="false"><![CDATA[a&b]]></guid></item>
        """
        let loose = try parse("<rss version=\"2.0\"><channel><title>T&nbsp;x</title>\(items)</channel></rss>")
        #expect(loose.bozo)
        #expect(loose.entries.map(\.id) == ["http://x.example/?a=1&amp;b=2", "a&amp;b"])
        #expect(loose.entries.first?.title == "AT&T")  // content is read back
        #expect(loose.entries.first?.link == "http://x.example/?a=1&b=2")  // an entry link too
        let strict = try parse("<rss version=\"2.0\"><channel><title>T x</title>\(items)</channel></rss>")
        #expect(!strict.bozo)
        #expect(strict.entries.map(\.id) == ["http://x.example/?a=1&b=2", "a&b"])
    }

    @Test func anUnknownNameAfterAnAmpersandIsAReference() throws {
        // "&T " is an entity reference in the loose reading; unknown, it stays, with its ";".
        let e = try #require(try parse("<rss version=\"2.0\"><channel><item><title>AT&T rocks</title><category>R&D stuff</category></item></channel></rss>").entries.first)
        #expect(e.title == "AT&T; rocks")
        #expect(e.categories == ["R&D; stuff"])
    }

    @Test func anEntryWithoutItsEndTagIsKeptWhenTheDocumentCloses() throws {
        let closed = try parse("<rss version=\"2.0\"><channel><title>T&nbsp;</title><item><title>A</title></channel></rss>")
        #expect(closed.entries.map(\.title) == ["A"])
        let cut = try parse("<rss version=\"2.0\"><channel><title>T&nbsp;</title><item><title>A</title></item><item><title>B</title>")
        #expect(cut.entries.map(\.title) == ["A"])  // the document stops inside B: dropped
        #expect(cut.bozo)
    }

    @Test func anUndeclaredPrefixIsReadByItsName() throws {
        let e = try #require(try parse("<rss version=\"2.0\"><channel><item><title>A</title><dc:creator>Jo</dc:creator><atom:link href=\"http://x.example/a\"/></item></channel></rss>").entries.first)
        #expect(e.author == "Jo")
        #expect(e.link == nil)  // "atom:" is not a namespace the loose reading knows by name
    }
}

@Suite struct ParseSanitizerEntityRuleTests {
    @Test func anUnknownEntityNameInHTMLIsText() throws {
        // A bare "&" makes the document ill-formed; the loose reading sees "&T" as a reference, and the
        // sanitizer of HTML fields keeps only HTML 4 names.
        let feed = try parse("<rss version=\"2.0\"><channel><item><description>AT&T wins &nbsp;now</description></item></channel></rss>")
        #expect(feed.entries.first?.summary == "AT&T wins \u{A0}now")
    }

    @Test(arguments: [("a &T; b", "a &amp;T b"), ("&nbsp; &eacute;", "&nbsp; &eacute;"), ("x &apos; y", "x &apos; y"),
                      ("&foo", "&foo"), ("&#38; &#x41;", "&#38; &#x41;"), ("a & b", "a & b")])
    func sanitizedNames(html: String, expected: String) {
        #expect(FeedBuilder.sanitizingEntityNames(html) == expected)
    }
}
