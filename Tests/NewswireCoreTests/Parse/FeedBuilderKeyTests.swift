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
