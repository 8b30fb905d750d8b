import Foundation
import Testing
@testable import NewswireCore

/// The parser's fast paths give what the general code gives, or step aside (nil) for it.
@Suite struct ParseFastPathTests {
    @Test(arguments: [
        "a &amp; b", "&eacute;&#233;&#xE9;&#XE9;", "&#150; dash &#x93;quoted&#x94;", "AT&T", "&nbsp;x&nbsp;",
        "&unknown; entity", "&#0; nul", "&#x110000; too large", "&#xD800; surrogate", "&amp no semicolon",
        "  spaced \t\n  out  ", "x&#13;y", "&Eacute;&eacute;", "&#65;&#x41;&#0000065;", "&sup2;&frac12;", "& alone",
        "\u{FEFF}bom &amp;", "caf\u{C3}\u{A9} &lt;tag&gt;", "中国 &#8217;25 — “quoted”", "\u{85}ellipsis &amp;",
    ])
    func referencesDecodeAsLibXML2sHTMLParserDoes(_ text: String) {
        let parsed = HTMLTextParser().plainText(text)
        if let fast = PlainText.decodingReferences(text) { #expect(fast == parsed) }
        #expect(PlainText.fromHTML(text) == parsed)
    }

    @Test func commonReferencesTakeTheFastPath() {
        #expect(PlainText.decodingReferences("R&amp;D &#8217;25 &lt;tag&gt; &eacute;") == "R&D ’25 <tag> é")
        #expect(PlainText.decodingReferences("AT&T") == nil)
    }

    @Test(arguments: [
        "Mon, 23 Nov 2026 10:00:00 +0000", "Sun, 1 Jan 2006 15:04:05 -0700", "Tue, 02 Jan 2006 15:04:05 GMT",
        "02 Jan 2006 15:04:05 UT", "Wed, 31 Feb 2024 10:00:00 Z", "Thu, 01 Jan 0099 00:00:00 +0000",
        "Fri, 01 Jan 2010 23:59:60 +0530", "Sat, 01 Jan 2010 24:00:00 UTC", "Sat, 01 Jan 2010 10:00:00 +2400",
        "Sat, 01 Jan 2010 10:00:00 EST", "Sat, 32 Jan 2010 10:00:00 +0000", "Sat,01 Jan 2010 10:00:00 +0000",
    ])
    func canonicalRFC822AgreesWithTheGeneralParser(_ input: String) {
        let fast = FeedDate.canonicalRFC822(Array(input.utf8))
        if fast != nil { #expect(fast == FeedDate.rfc822(input)) }
    }

    @Test func canonicalRFC822ReadsTheUsualShape() {
        #expect(FeedDate.canonicalRFC822(Array("Mon, 23 Nov 2026 10:00:00 +0130".utf8)).map(ISOTime.format) == "2026-11-23T08:30:00Z")
    }

    @Test func bareAuthorNamesAreKept() {
        let builder = FeedBuilder(documentURL: nil, limits: .default)
        #expect(builder.personName("  Anna \t Müller ") == "Anna Müller")
        #expect(builder.personName("jd@example.com (John Doe)") == "John Doe")
    }

    @Test func entityRepairLeavesCleanReferencesAlone() {
        let clean = Array("<a>R&amp;D &#8217;25 &#x2019; &lt;&gt;&quot;&apos;</a>".utf8)
        let r = EntityRepair.repair(clean)
        #expect(r.bytes == clean && r.firstRepair == nil)
        let c1 = EntityRepair.repair(Array("<a>&#150;</a>".utf8))
        #expect(c1.bytes == Array("<a>&#8211;</a>".utf8))
        let bare = EntityRepair.repair(Array("<a>AT&T &eacute;</a>".utf8))
        #expect(bare.bytes == Array("<a>AT&amp;T &#233;</a>".utf8) && bare.firstRepair == "unescaped '&'")
    }
}
