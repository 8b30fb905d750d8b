import Foundation
import Testing
@testable import NewswireCore

// How the reference's HTML sanitizer (feedparser 6.0.14, `_HTMLSanitizer` on sgmllib) reads HTML fields where
// libxml2's HTML parser alone would read them otherwise. Expected values are the reference's own results for
// these documents (normalized as the conformance checker compares text: whitespace runs as one space).

/// The summary of an RSS 2.0 item whose description is `html` (escaped into the document).
private func summary(ofHTML html: String) throws -> String? {
    let escaped = html.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    let xml = "<rss version=\"2.0\"><channel><title>t</title><item><title>x</title><description>\(escaped)</description></item></channel></rss>"
    let feed = try FeedParser.parse(Data(xml.utf8))
    return feed.entries.first?.summary.map { $0.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ") }
}

@Suite struct ParseSanitizerDroppedElementRuleTests {
    @Test(arguments: [
        // References inside script, style and applet are kept; their other text is not.
        ("a<script>var x = 1 &amp;&amp; 2; y &gt; 3</script>b", "a&&>b"),
        ("before<style>p { color: red } &copy;</style>after", "before\u{A9}after"),
        ("<SCRIPT type=\"text/javascript\">x &lt; y</SCRIPT>z", "<z"),
        ("x<applet code=\"A\">applet text</applet>y", "xy"),
        // Tags are read inside them (no raw-text mode) and they nest by count.
        ("<script>document.write(\"<b>bold</b>\")</script>tail", "tail"),
        ("<script>if (a<b) { c = '&#62;' }</script>end", "end"),
        ("<script><script>in</script>still dropped</script>out", "out"),
        ("<script>/*<!-- &amp; -->*/</script>k", "k"),
        // A stray end tag makes the count negative: the text after it is dropped.
        ("<p>one</p></script><p>two</p>", "one"),
    ])
    func droppedElements(html: String, expected: String) throws {
        #expect(try summary(ofHTML: html) == expected)
    }

    @Test(arguments: [("<p>a</>b</p>", "ab"), ("a</3>b", "ab"), ("<p>a</ p>b", "a b")])
    func anEndTagIsNamedByWhatFollowsTheSlash(html: String, expected: String) throws {
        // `</>` and `</3>` name no element and are not text; `</ p>` ends p.
        #expect(try summary(ofHTML: html) == expected)
    }

    @Test func fieldsWithoutTheseConstructsAreLeftAsTheyAre() {
        for html in ["<p>plain <b>bold</b> &amp; more</p>", "a < b", "<a href=\"s\">s</a>", "x</p>y"] {
            #expect(ReferenceSanitizer.droppingUnacceptableContent(html) == html)
        }
    }
}

@Suite struct ParseSanitizerShortTagRuleTests {
    @Test(arguments: [
        // `<name/data/` is `<name>data</name>`: the data is text, what follows the second '/' too.
        ("\"<CTRL>+<DOWN/UP/RIGHT/LEFT-ARROW>\"", "\"+UPRIGHT/LEFT-ARROW>\""),
        ("x<em/hi &amp; ho/ y", "xhi & ho y"),
        ("<p>q<x.y/z/w</p>", "qzw"),
        // The data may hold markup, read again; in a dropped element only its references stay.
        ("a<b/c d <i>e</i> f", "ac d e<i> f"),
        ("a<script/var &amp; x/b", "a&b"),
        // `<name/>` is an ordinary empty tag.
        ("a<p/>b", "a b"),
    ])
    func shortTags(html: String, expected: String) throws {
        #expect(try summary(ofHTML: html) == expected)
    }
}

@Suite struct ParseSanitizerUnterminatedTagRuleTests {
    @Test(arguments: [
        ("see <x/y and more", "see <x/y and more"), ("a <b c d", "a <b c d"), ("a </b c", "a </b c"),
        ("tail <x/y/ z <q", "tail y z <q"),
        // A comment that never ends is dropped, as before.
        ("a <!-- c d", "a"),
    ])
    func aTagThatNeverEndsIsText(html: String, expected: String) throws {
        #expect(try summary(ofHTML: html) == expected)
    }
}


@Suite struct ParseControlCharacterRuleTests {
    @Test func c1CharactersWindows1252LeavesUndefinedStayThemselves() throws {
        // U+0096 reads as windows-1252's en dash, as before; U+009D (undefined there) stays U+009D, in plain text
        // and in HTML, raw or as a character reference.
        let xml = """
        <rss version="2.0"><channel><title>t</title>\
        <item><title>a\u{96}b\u{9D}c</title><description>x\u{96}y\u{9D}z &lt;b&gt;w&lt;/b&gt;</description></item>\
        <item><title>p&#150;q&#157;r</title></item></channel></rss>
        """
        let feed = try FeedParser.parse(Data(xml.utf8))
        #expect(feed.entries[0].title == "a\u{2013}b\u{9D}c")
        #expect(feed.entries[0].summary == "x\u{2013}y\u{9D}z w")
        #expect(feed.entries[1].title == "p\u{2013}q\u{9D}r")
    }

    @Test func c0ControlCharactersInHTMLAreText() throws {
        // Not well-formed (C0 controls), read loosely; the reference keeps the controls in HTML fields, and the
        // text after a NUL is not lost.
        let xml = "<rss version=\"2.0\"><channel><title>t</title><item><title>a\u{3}b</title>"
            + "<description>x\u{3}y &lt;b&gt;z&lt;/b&gt; n\u{0}m &lt;i&gt;after&lt;/i&gt;</description></item></channel></rss>"
        let feed = try FeedParser.parse(Data(xml.utf8))
        #expect(feed.bozo)
        #expect(feed.entries.first?.title == "a\u{3}b")
        let summary = feed.entries.first?.summary?.replacingOccurrences(of: "\n", with: " ")
        #expect(summary == "x\u{3}y z n\u{0}m after")
    }

    @Test func controlCharactersComeBackFromTheConversion() {
        let out = ReferenceSanitizer.keepingControlCharacters("a\u{1}<b>\u{0}</b>\u{1F}") { s in
            #expect(!s.unicodeScalars.contains(where: { $0.value < 0x20 }))
            return s.replacingOccurrences(of: "<b>", with: "").replacingOccurrences(of: "</b>", with: "")
        }
        #expect(out == "a\u{1}\u{0}\u{1F}")
        // A field that already holds the private-use characters is converted as it is.
        #expect(ReferenceSanitizer.keepingControlCharacters("\u{F0001}\u{1}") { $0 } == "\u{F0001}\u{1}")
    }
}

@Suite struct ParseSanitizerElementRuleTests {
    @Test(arguments: [
        // title is not an acceptable element: the tag goes, its text stays (libxml2 alone drops it); in SVG
        // it is an SVG element whose text is not read.
        ("<div><title>T</title>AT&T</div>", "TAT&T"), ("x<svg><title>T</title></svg>y", "xy"),
        // Inside a dropped element an unknown entity name leaves only its '&' (the first pass wrote '&amp;foo').
        ("<p><script>&foo;</script>x", "&x"), ("<script>AT&T</script>y", "&y"),
        ("<script>a<ul><li>1</li></ul>b</script>c", "c"),
        // A CDATA section is dropped, one that never ends is text; a DOCTYPE declaration (any case) is dropped; any other '<!' is text.
        ("<![CDATA[q]]>a > b", "a > b"), ("<![CDATA[<script></script>]]&gt;", "<![CDATA[]]>"), ("a<![CDATA[b", "a<![CDATA[b"),
        ("<!DOCTYPE html>a", "a"), ("a<!doctype html>b", "ab"), ("a <!x> b", "a <!x> b"),
    ])
    func elements(html: String, expected: String) throws {
        #expect(try summary(ofHTML: html) == expected)
    }
}

@Suite struct ParseSanitizerBlockEndTagRuleTests {
    @Test(arguments: [("a</div>b", "a b"), ("<b>a</div>b</b>", "a b"), ("a</li>b", "a b"), ("a</td>b", "a b"), ("a</span>b", "ab")])
    func aStrayBlockEndTagSeparatesWords(html: String, expected: String) throws {
        #expect(try summary(ofHTML: html) == expected)
    }

    @Test func aSpaceGoesOnlyWhereNoneIs() {
        #expect(ReferenceSanitizer.separatingBlockEndTags("a</DIV>b") == "a </DIV>b")
        #expect(ReferenceSanitizer.separatingBlockEndTags("a </p>b\n</li>") == "a </p>b\n</li>")
        #expect(ReferenceSanitizer.separatingBlockEndTags("a</b></em>") == "a</b></em>")
    }
}
