import Foundation
import Testing
@testable import NewswireCore

/// The builder dispatches on small integers found once per name (`FeedBuilder.Key`, libxml2's name numbers);
/// these pin them to the Strings the handlers compared before.
@Suite struct FeedBuilderKeyTests {
    /// The record slots, in the order `Slots` kept them when it was indexed by String.
    static let slotNames = [
        "id", "url", "ttl", "link", "href", "title", "author", "summary", "content", "updated", "subtitle", "language",
        "generator", "published", "publisher", "sy_updateperiod", "sy_updatefrequency",
    ]

    /// The buckets whose text was kept (the former `FeedBuilder.keepsText(_:)`).
    static let keptNames: Set<String> = [
        "id", "url", "ttl", "link", "href", "name", "tags", "title", "email", "author", "summary", "content", "updated",
        "subtitle", "language", "category", "generator", "published", "description", "media_keywords",
        "itunes_keywords", "sy_updateperiod", "sy_updatefrequency",
    ]

    /// Every bucket name a handler pushes by name.
    static let pushedNames = [
        "image", "textinput", "author", "contributor", "name", "email", "href", "width", "height", "subtitle", "rights",
        "item", "language", "publisher", "published", "updated", "created", "expired", "category", "tags", "link", "id",
        "title", "description", "info", "generator", "summary", "source", "content", "newlocation", "itunes_image",
        "url", "media_player", "rating", "credit", "restriction", "license", "media_keywords", "itunes_keywords",
    ]

    @Test func slotsAreTheFormerStringSlots() {
        for (i, name) in Self.slotNames.enumerated() {
            #expect(FeedBuilder.Key(named: name).slot == i, "\(name)")
        }
        for key in FeedBuilder.Key.allCases where !Self.slotNames.contains(key.name) {
            #expect(key.slot == nil, "\(key)")
        }
    }

    @Test func slotsHoldOneValuePerSlotKey() {
        #expect(FeedBuilder.Slots<Int>().slots.count == FeedBuilder.Key.slotCount)
        var slots = FeedBuilder.Slots<String>()
        slots[.syUpdateFrequency] = "2"
        slots[.name] = "not a slot"
        #expect(slots[.syUpdateFrequency] == "2" && slots[.name] == nil && slots[.id] == nil)
    }

    @Test func personsKeepNameEmailAndHref() {
        var p = FeedBuilder.PersonValues()
        #expect(p.isEmpty)
        p[.email] = ""
        #expect(!p.isEmpty && p[.email] == "" && p[.name] == nil)
        p[.href] = "http://example.com/"
        #expect(p.href == "http://example.com/")
    }

    @Test func keptTextIsTheFormerList() {
        for key in FeedBuilder.Key.allCases {
            #expect(key.keepsText == Self.keptNames.contains(key.name), "\(key)")
        }
        for name in Self.keptNames { #expect(FeedBuilder.Key(named: name).keepsText, "\(name)") }
        for name in ["dc_foo", "cloud", "Title", "xhtml_div", "rdf_li", ""] {
            #expect(FeedBuilder.Key(named: name) == .other, "\(name)")
            #expect(!FeedBuilder.Key(named: name).keepsText)
        }
    }

    @Test func everyNamedBucketHasItsKey() {
        for name in Self.pushedNames {
            let key = FeedBuilder.Key(named: name)
            #expect(key != .other && key.name == name, "\(name)")
        }
        for key in FeedBuilder.Key.allCases where key != .other {
            #expect(FeedBuilder.Key(named: key.name) == key)
        }
    }

    /// The name table is split by vocabulary (RSS/Atom, modules); split, it names what it named before.
    @Test func handlerTablesSplitByVocabulary() {
        let core = Set(FeedBuilder.coreHandlers.keys), modules = Set(FeedBuilder.moduleHandlers.keys)
        #expect(core.isDisjoint(with: modules))
        #expect(FeedBuilder.handlers.count == 88 && core.count + modules.count == 88)
        #expect(core.allSatisfy { !$0.contains("_") && $0 != "fullitem" })
        #expect(FeedBuilder.handlers["dc_creator"] == .author && FeedBuilder.handlers["link"] == .link)
        #expect(FeedBuilder.handlers["media_title"] == .mediaTitle && FeedBuilder.handlers["fullitem"] == .contentEncoded)
    }

    @Test func elementNamesCarryTheirHandlerAndKey() {
        let b = FeedBuilder(documentURL: nil, limits: .default)
        for (name, handler) in FeedBuilder.handlers where !name.contains("_") {
            let e = b.elementName(ns: .none, prefix: nil, local: name)
            #expect(e.handler == handler && e.key == FeedBuilder.Key(named: name), "\(name)")
        }
        let creator = b.elementName(ns: .dc, prefix: "dc", local: "Creator")
        #expect(creator.name == "dc_creator" && creator.handler == .author && creator.ns == .dc && creator.key == .other)
        let ttl = b.elementName(ns: .none, prefix: nil, local: "ttl")
        #expect(ttl.handler == .unknown && ttl.key == .ttl)
        #expect(b.elementName(ns: .xhtml, prefix: "x", local: "div").isDiv)
        #expect(b.elementName(ns: .none, prefix: nil, local: "channel").isChannel)
        #expect(!b.elementName(ns: .none, prefix: nil, local: "Channel").isChannel)
    }

    /// The builder reached through libxml2's name numbers reads a document as it does through the Strings.
    @Test(arguments: [
        """
        <rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/"
             xmlns:x="urn:x"><channel><title>T</title><link>http://example.com/</link><ttl>30</ttl>
        <item><title>a</title><dc:creator>Ann</dc:creator><x:title>not it</x:title><media:title>m</media:title>
        <guid isPermaLink="false">1</guid><description>&lt;p&gt;d&lt;/p&gt;</description><category>c</category></item>
        <item><title>b</title><author>bo@example.com (Bo)</author><link>/b</link><x:link>x</x:link></item>
        </channel></rss>
        """,
        """
        <feed xmlns="http://www.w3.org/2005/Atom" xmlns:a="http://www.w3.org/2005/Atom"><title type="html">F</title>
        <entry><a:title>one</a:title><id>1</id><link href="http://example.com/1"/><summary>s</summary>
        <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><svg><title>x</title></svg>c</div></content>
        <author><name>N</name><email>n@example.com</email></author></entry></feed>
        """,
    ])
    func nameNumbersReadAsNamesDo(_ document: String) throws {
        let numbered = FeedBuilder(documentURL: "http://example.com/feed", limits: .default)
        _ = try XMLStreamParser.parse(utf8: Array(document.utf8), sink: numbered, limits: .default)
        numbered.finish()
        let named = FeedBuilder(documentURL: "http://example.com/feed", limits: .default)
        _ = try XMLStreamParser.parse(utf8: Array(document.utf8), sink: StringEvents(named), limits: .default)
        named.finish()
        #expect(numbered.result == named.result)
        #expect(!numbered.result.entries.isEmpty)
    }

    /// `resolve` keeps a reference with a scheme without asking libxml2: what libxml2 gives for it.
    @Test(arguments: [
        "http://example.com/a/../b?q=1#f", "https://example.com/ x", "HTTP://EXAMPLE.COM/%7e", "mailto:a@example.com",
        "javascript:alert(1)", "a+b-c.d:rest", "http:relative", "urn:isbn:1", "http://[::1/",
    ])
    func schemeReferencesResolveAsLibXML2Does(_ ref: String) {
        let b = FeedBuilder(documentURL: nil, limits: .default)
        #expect(FeedBuilder.startsWithScheme(ref))
        #expect(b.resolve(ref, base: "http://example.org/dir/feed") == (LibXML.resolveURI(ref, base: "http://example.org/dir/feed") ?? ref))
    }

    /// `resolve` joins an absolute path to an http(s) base without libxml2 where it can: what libxml2 gives,
    /// over references and bases on both sides of the fast path's limits.
    @Test(arguments: [
        "http://example.org/dir/feed", "https://example.org", "https://example.org/", "HTTPS://example.org/x",
        "https://a-b.example.org/d/./e/../f?q=1&r=%7e#frag", "https://example.org?q", "https://example.org#f",
        "https://example.org:8080/x", "https://user@example.org/x", "https://example.org/a#b#c", "https://example.org/%zz",
        "https://example.org/a b", "https://exa_mple.org/x", "https://[::1]/x", "http://example.org/é", "ftp://example.org/x",
        "https://example.org/<x>", "https://example.org/a|b", "https://1.2.3.4/x", "http://example.org/a?b=c/d?e",
    ])
    func absolutePathsResolveAsLibXML2Does(_ base: String) {
        let b = FeedBuilder(documentURL: nil, limits: .default)
        for ref in ["/", "/a/b", "/posts/1/0", "/a/./b/../c", "/a//b", "/a.b-c_d~e/", "//host/x", "/a?q=1", "/a#f", "/a%20b",
                    "/a:b", "/a b", "/é", "/a;b", "/a@b", "/A/B"] {
            #expect(b.resolve(ref, base: base) == (LibXML.resolveURI(ref, base: base) ?? ref), "\(ref) against \(base)")
        }
    }

    /// `decodingLooseEntities` in two passes gives what the reference's replacements one after another give.
    @Test func looseEntitiesDecodeAsSequentialReplacements() {
        func sequential(_ s: String, _ type: String?) -> String {
            var d = s
            for (from, to) in [("&#60;", "&lt;"), ("&#x3c;", "&lt;"), ("&#x3C;", "&lt;"), ("&#62;", "&gt;"), ("&#x3e;", "&gt;"),
                               ("&#x3E;", "&gt;"), ("&#38;", "&amp;"), ("&#x26;", "&amp;"), ("&#34;", "&quot;"),
                               ("&#x22;", "&quot;"), ("&#39;", "&apos;"), ("&#x27;", "&apos;")] {
                d = FeedBuilder.replacing(d, from, to)
            }
            if !(type ?? "xml").hasSuffix("xml") {
                for (from, to) in [("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"), ("&quot;", "\""), ("&apos;", "'"),
                                   ("&#x2f;", "/"), ("&#x2F;", "/")] {
                    d = FeedBuilder.replacing(d, from, to)
                }
            }
            return d
        }
        let pieces = ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#x2f;", "&#x2F;", "&#60;", "&#x3c;", "&#38;", "&#x26;",
                      "&#34;", "&#39;", "&#x27;", "&#62;", "&", "amp;", "quot;", "apos;", "#x2f;", "#38;", "lt;", "é", "x", ";", "#"]
        var rng = SplitMix64(seed: 17)
        for _ in 0..<4000 {
            var s = ""
            for _ in 0..<Int(rng.next() % 7) { s += pieces[Int(rng.next() % UInt64(pieces.count))] }
            for type in [nil, "text/html", "application/xhtml+xml", "text/plain"] as [String?] {
                #expect(FeedBuilder.decodingLooseEntities(s, contentType: type) == sequential(s, type), "\(s) \(type ?? "nil")")
            }
        }
    }

    @Test func relativeReferencesAreNotSchemes() {
        for ref in ["/a", "a/b:c", "1http://x", "./x:y", "?q=http://x", "#f", "a b:c", ""] {
            #expect(!FeedBuilder.startsWithScheme(ref), "\(ref)")
        }
    }

    @Test func asciiStringsSkipNoByte() {
        for text in ["", "a", "plain ASCII text of some length", "café", "x\u{0}y", "中国", "12345678é"] {
            #expect(Bytes.string(Array(text.utf8)) == text)
        }
        #expect(Bytes.string([0x61, 0xFF, 0x62]) == String(decoding: [0x61, 0xFF, 0x62], as: UTF8.self))
    }
}

/// Forwards only the String forms of the events (the protocol's default for the numbered ones).
private final class StringEvents: XMLEventSink {
    let builder: FeedBuilder
    init(_ builder: FeedBuilder) { self.builder = builder }
    var wantsText: Bool { builder.wantsText }
    func declareNamespaces(_ uris: [String]) { builder.declareNamespaces(uris) }
    func startElement(local: String, prefix: String?, namespace: String?, attributes: [XMLAttribute]) throws(ParseError) {
        try builder.startElement(local: local, prefix: prefix, namespace: namespace, attributes: attributes)
    }
    func endElement(local: String, prefix: String?, namespace: String?) throws(ParseError) {
        try builder.endElement(local: local, prefix: prefix, namespace: namespace)
    }
    func text(_ s: String) throws(ParseError) { try builder.text(s) }
}
