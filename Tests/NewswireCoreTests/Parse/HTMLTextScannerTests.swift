import Foundation
import Testing
@testable import NewswireCore

/// The byte-level HTML path gives exactly what libxml2's HTML parser path gives, or steps aside (nil).
@Suite struct HTMLTextScannerTests {
    /// libxml2's path, the reference.
    static func libxml2(_ html: String) -> String { HTMLTextParser().plainText(html) }

    @Test(arguments: [
        // text and references
        "a &amp; b", "&eacute;&#233;&#xE9;&#XE9;", "&#150; dash &#x93;quoted&#x94;", "&nbsp;x&nbsp;",
        "  spaced \t\n  out  ", "x&#13;y", "&Eacute;&eacute;", "&#65;&#x41;&#0000065;", "&sup2;&frac12;",
        "caf\u{C3}\u{A9} &lt;tag&gt;", "中国 &#8217;25 — “quoted”", "\u{85}ellipsis &amp;", "&thetasym;&diams;&apos;",
        // blocks, inline elements, line breaks
        "<p>one</p><p>two</p>", "<p>a<br>b<br/>c<br />d</p>", "a<b>b</b>c <i>d</i> <em>e</em>", "<div><p>x</p>y</div>z",
        "<ul><li>one</li><li>two</li></ul>after", "<ol><li>a<li>b</ol>", "<h2>Head</h2>Body", "<blockquote>q</blockquote>t",
        "<P>Upper <B>case</B></P>", "<p>x<img src=\"a.png\" alt='a > b'>y</p>", "<a href=x/>link</a> rest",
        "<a href=\"https://e.com/?a=1&amp;b=2\" title=\"t\"class=c>link</a>", "<span data-x = 'y' hidden>s</span>t",
        // implied p, auto-close and misplaced end tags as libxml2 handles them
        "text first<p>then p</p>", "text</p>after", "<p>a<p>b<p>c", "<b>x<p>y</p>z</b>w", "<p>a<div>b</div>c</p>d",
        "<a>x<a>y</a>z</a>", "<div>a<b>b</div>c</b>d", "<li>a<ul><li>b</ul>c", "<table><tr><td>a<td>b</tr></table>c",
        "<p>a</div>b</p>c", "<div><span>x</p>y</span></div>z", "</b>stray<b>bold", "<dl><dt>t<dd>d<dt>u</dl>v",
        "<section>a</section><figure>b<figcaption>c</figcaption></figure>", "<wbr>a<time>b</time>c",
        "<font color=red>f<p>g</p></font>h", "<p>a<pre>b</pre>c</p>", "<hr>x<hr/>y",
        // comments, scripts, styles, dropped and unknown elements
        "a <!-- c --> b", "<!---->x<!-- a -- b --!>y<!--->z-->w", "<!-- lead -->  <p>x</p>", "x<!-- unterminated",
        "<p>x</p><script>if (a < b) { c('</p>') }</script>y", "x<script>a</SCRIPT >y", "x<style>p{}</style>z",
        "x<script>a</scripts>b</script>c", "x<script>never closed", "T&gt;ext <b>bold</b> <i>it<script></i> <;25",
        "<i>a<script></x></i>b", "\ny<style><body>tFle>", "y<script><noscript>n</noscript>z", "y<script></x><NOSCRIPT>n",
        "y<style><bodyx>t</style>u", "<p>a<style></b></_x></style>c</p>d", "<div>a<script></ y</div>b", "x<noscript>n<p>p</p></noscript>y",
        "<p>a</p><title>t<b>b</b></title>c", "<p>x<template>t</template>y</p>", "<script>x</script>y", "<title>t</title>b",
        "<a title='x\u{01}y\u{0C}' data=\u{0B}v>z</a>", "a<!-- \u{07}\u{FFFE} -->b", "x<script>\u{0B}\u{FFFF}</script>y",
        "x\u{0}y", "<a title='\u{0}'>x</a>", "<!--\u{0}-->x",
        "<o:p>x</o:p>", "<svg><path d='m0'/><g>x<text>t</text></g></svg>y", "<blink>b<BLINK>c</blink>d</Blink>e",
        "<typo:flickr id=1>f</typo:flickr>g", "<iframe src=x>i</iframe>j", "<a>x<unknown>y</a>z</unknown>w",
        // references and stray markup characters as libxml2's HTML parser reads them
        "AT&T", "&unknown;", "&amp no semicolon", "x &#65 y &#x42z &#;&#x; &#12; end", "&#0; nul", "&#x110000; big",
        "&#xD800; sur", "&#99999999999;x", "a &b", "a & b", "&", "x&", "&é;", "a&b.c-d_e:f;g", "&#x41", "&lt;p&gt;",
        "a < b", "a <3 b", "< x", "<", "x </ y", "x </", "</x>lead", "<é>", "&#60;p&#62;",
        "<\n<\r\r&#0;\r\r<i>\rO\r\rtd\r", "< \n&amp;x", "< " + String(repeating: " ", count: 1200) + "<b>x</b>",
        "<!-- c -->   <b>x</b>", "<<!-- c -->   <b>x</b>", "</x><!-- c -->  &amp;", "< " + String(repeating: "\t", count: 999) + "<i>y",
        // whole documents, misplaced and implied html/head/body, libxml2's repairs of tags
        "<html><head><title>T</title><meta name=x content=y><style>p{}</style></head><body><p>b</p></body></html>",
        "<html><body>b</body></html>after", "<html><div>d</div></html>x", "<style>s</style><blockquote>q</blockquote>",
        "<style>s</style>text", "<script>x</script><section>in head</section>t", "<title>t</title><span>s</span>",
        "<meta name=a content=b>x", "<p>a<meta itemprop=x content=y />b</p>", "<head></head>x", "</html>x<b>y</b>",
        "<body><p>a</p></body><p>b</p>", "<p>x</body>y</html>z", "<html><head></head><body><div>x</div></body></html>",
        "<a href=\"x\"<img src=y>z</a>", "<a href=\"x\"&target=\"_blank\">l</a>", "<a mailto\"m@x\">m</a>",
        "<span data-x='a''>s</span>", "<p/ >x", "<a \"q\">x</a>", "From: B <b@c.org>\nx", "#<User id: 1, e: nil>\n",
        "x</br />y", "a</P.>b", "x</p junk>y</p>", "<b>unterminated", "<a href=\"unterminated>x", "x<!-- open",
        "x</b", "<br", "<a href='x'", "<![CDATA[x]]>y", "<!x>y", "<!-x-->y", "<_x>y", "x</_y>z", "a<:b>c",
        "<li>a<head>b</head>c", "<html><html>x", "<body><body>x", "<p>a</p><!DOCTYPE html>b",
        "<img src=x al" + String(repeating: "6", count: 120) + "t=\"a > b\" x>y", "<a " + String(repeating: "b", count: 99) + "='>'>c",
        "x</" + String(repeating: "q", count: 150) + " y>z",
        // what it hands to libxml2
        "<frameset><frame src=x></frameset>", "<meta charset=utf-8>x", "<META HTTP-EQUIV=x>y",
        "\u{FEFF}bom", "ctl\u{01}x", "ff\u{FFFE}x", "<p>a<b.c>d</p>", "<?xml version=\"1.0\"?><p>x</p>",
        "<!DOCTYPE html><p>x</p>",
    ])
    func agreesWithLibXML2(_ html: String) {
        let reference = Self.libxml2(html)
        if let fast = HTMLTextScanner.plainText(html) { #expect(fast == reference, "\(html.debugDescription)") }
        #expect(PlainText.fromHTML(html) == reference)
    }

    @Test func theUsualMarkupTakesTheFastPath() {
        #expect(HTMLTextScanner.plainText("<p>R&amp;D <a href=\"/x?a=1&b=2\">&#8217;25</a></p><p>two<br>lines</p>")
            == "R&D ’25\ntwo\nlines")
        #expect(HTMLTextScanner.plainText("text</p>after") == "text\nafter")
        #expect(HTMLTextScanner.plainText("<ul><li>a<li>b</ul>") == "a\nb")
        #expect(HTMLTextScanner.plainText("<b>x<p>y</p>z</b>w") == "x\ny\nzw")
        #expect(HTMLTextScanner.plainText("AT&T <!-- c --> a < b<script>x()</script>") == "AT&T a < b")
        #expect(HTMLTextScanner.plainText("<svg><path d='m0'/></svg><o:p>x</o:p>") == "x")
        #expect(HTMLTextScanner.plainText("<html><head><title>T</title></head><body><p>b</p></body></html>") == "b")
        #expect(HTMLTextScanner.plainText("<style>s</style>text") == "text")
    }

    @Test func whatItDoesNotReplayGoesToLibXML2() {
        for html in ["<!DOCTYPE html>x", "<?php x ?>", "<li><html>x", "<meta charset=utf-8>", "<frameset>", "\u{FEFF}x",
                     "ctl\u{01}", "<b.c>", "&é;", "x\u{0}"] {
            #expect(HTMLTextScanner.plainText(html) == nil, "\(html.debugDescription)")
        }
        let deep = String(repeating: "<span>", count: HTMLTextScanner.maxDepth + 1) + "x"
        #expect(HTMLTextScanner.plainText(deep) == nil)
        #expect(PlainText.fromHTML(deep) == "x")
    }

    /// Random fields of markup pieces, so that spaces, tags and other bytes fall at every offset of the
    /// scanner's eight-byte steps; a fixed seed keeps failures reproducible.
    @Test func randomFieldsAgreeWithLibXML2() {
        let pieces = ["word", "a", "longerwordhere", " ", "  ", "\n", "\t", "<p>", "</p>", "<b>", "</b>", "<br>", "<a href='x y'>",
                      "</a>", "&amp;", "&#8217;", "&nbsp;", "AT&T", "é", "中文", "\u{85}", "<!-- c -->", "<script>x</script>",
                      "<li>", "<div>", "</div>", "<", "> ", "&", ";", "<o:p>", "</o:p>", "<img src=x/>", "\r\n",
                      "<html>", "</html>", "<head>", "</head>", "<body>", "</body>", "<title>", "</title>", "<style>",
                      "</style>", "<meta name=x>", "<table>", "<td>", "</tr>", "<a b\"c\">", "</x y>", "<!x>"]
        var rng = SplitMix64(seed: 0x5EED)
        var fast = 0
        for _ in 0..<5000 {
            var html = ""
            for _ in 0..<Int(rng.next() % 40) { html += pieces[Int(rng.next() % UInt64(pieces.count))] }
            guard let text = HTMLTextScanner.plainText(html) else { continue }
            fast += 1
            #expect(text == Self.libxml2(html), "\(html.debugDescription)")
        }
        #expect(fast > 2000)
    }

    @Test func entityTableHasEveryHTML4Name() {
        // libxml2's table has 253 names, all of 8 characters or fewer.
        let entities = LibXML.htmlEntities()
        #expect(entities.count == 253)
        for e in entities {
            #expect(LibXML.htmlEntity(named: e.name)?.value == e.value, "\(e.name)")
            #expect(HTMLTextScanner.plainText("&\(e.name);").map { $0.unicodeScalars.map(\.value) }
                == Self.libxml2("&\(e.name);").unicodeScalars.map(\.value), "\(e.name)")
        }
    }
}

/// Both paths on every HTML field the parser converts in the conformance sets and the corpus.
@Suite struct HTMLTextDifferentialTests {
    static let shared = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("shared")

    /// The parser inputs of one set: every regular file under `directory`, except notes.
    static func files(_ directory: String) -> [URL] {
        let root = shared.appendingPathComponent(directory)
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        return walker.compactMap { $0 as? URL }
            .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
            .filter { !["md", "tsv"].contains($0.pathExtension) }
            .sorted { $0.path < $1.path }
    }

    /// Collects the HTML fields `PlainText.fromHTML` sees (parsing runs on the calling thread).
    final class Fields: @unchecked Sendable {  // invariant: `list` is only touched under `lock`
        private let lock = NSLock()
        private var list: [String] = []
        func add(_ s: String) { lock.lock(); list.append(s); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return list }
    }

    @Test(arguments: [
        ("conformance/fixtures", 1000, 0.90),
        ("conformance/realworld/fixtures", 200, 0.95),
        ("corpus/realworld", 70, 0.95),
    ])
    func bothPathsAgreeOnEveryField(set: String, minimumFiles: Int, minimumFastShare: Double) throws {
        let files = Self.files(set)
        #expect(files.count >= minimumFiles, "\(set): \(files.count) files")
        let fields = Fields()
        for file in files {
            let data = try Data(contentsOf: file)
            PlainText.$htmlFieldObserver.withValue({ fields.add($0) }) {
                _ = try? FeedParser.parse(data, documentURL: "https://feeds.example.com/" + file.lastPathComponent)
            }
        }
        let parser = HTMLTextParser()
        var fast = 0, differing = 0
        for field in fields.all {
            let reference = parser.plainText(field)
            guard let text = HTMLTextScanner.plainText(field) else { continue }
            fast += 1
            if text != reference {
                differing += 1
                if differing <= 5 { Issue.record("\(set): fast path \(text.debugDescription) != libxml2 \(reference.debugDescription) for \(field.debugDescription)") }
            }
        }
        let total = fields.all.count
        let share = total == 0 ? 0 : Double(fast) / Double(total)
        print("HTML fields in \(set): \(total), \(fast) on the fast path (\(String(format: "%.1f", share * 100)) %), \(differing) differing")
        #expect(differing == 0)
        #expect(total > 0)
        #expect(share >= minimumFastShare, "\(set): \(fast) of \(total) fields on the fast path")
    }
}
