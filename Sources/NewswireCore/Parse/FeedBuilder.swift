import Foundation

/// Builds a `ParsedFeed` from the SAX events of an RSS (0.9x, 1.0, 2.0) or Atom (0.3, 1.0) document.
///
/// Every construct is read as the reference parser (feedparser 6.0.14, the conformance oracle) reads it: its
/// element handlers (`namespaces/_base.py`, the Dublin Core, iTunes and Media RSS modules) and its storage rule
/// (`mixin.py`'s `push`/`pop`) are ported, state for state. That model decides what wins when a document says
/// a thing twice, and real feeds say things twice all the time:
/// - each element pushes a text bucket; text goes to the innermost bucket, so a child element's text never
///   reaches its parent (one with attributes and no handler pushes none, and its text does);
/// - inside content-like elements (title, description, summary, content, subtitle, rights) child elements are
///   markup, not handled;
/// - at the feed level the last value of a key wins; in an entry a value replaces an earlier one of the same
///   key only from the same or a shallower depth, and a title only if no non-empty title was read at that depth;
/// - a description or summary after a summary becomes content while no content element has been seen;
/// - authors are a list (the first one's name, else e-mail, is the author), `itunes:owner`'s name and e-mail go
///   into its last entry; categories are (term, scheme, label) triples, kept once each.
/// What the schema needs of the result is mapped at the end as `../shared/conformance/oracle.py` maps it.
///
/// Streaming: the element stack, the open text buckets and the entry being built are kept; finished entries
/// are appended to the result. An entry still open when the document ends is dropped (see `finish`).
final class FeedBuilder: XMLEventSink {
    // MARK: The reference's records (FeedParserDict)

    /// An author, contributor or publisher (`name`, `email`, `href`). A class: the reference aliases them
    /// (`author_detail` may be the very dict that is the first entry of `authors`).
    final class Person {
        // One thread uses a builder and its records; nothing calls out while holding an access.
        @exclusivity(unchecked) var values = PersonValues()
        var isEmpty: Bool { values.isEmpty }
    }

    /// A person's `name`, `email` and `href`, the only keys the handlers give one (others are not stored).
    struct PersonValues {
        var name: String?, email: String?, href: String?

        var isEmpty: Bool { name == nil && email == nil && href == nil }

        subscript(key: Key) -> String? {
            get {
                switch key {
                case .name: return name
                case .email: return email
                case .href: return href
                default: return nil
                }
            }
            set {
                switch key {
                case .name: name = newValue
                case .email: email = newValue
                case .href: href = newValue
                default: break
                }
            }
        }
    }

    /// A link or enclosure (`rel`, `type`, `href`, `length`); a class because `pop` fills in the last one's href.
    final class Link {
        @exclusivity(unchecked) var attributes: Attrs
        init(_ attributes: Attrs) { self.attributes = attributes }
    }

    /// An element's attributes as the reference's handlers see them (`attrs_d`): a few pairs, searched in order.
    struct Attrs: ExpressibleByDictionaryLiteral {
        private(set) var pairs: [(key: String, value: String)] = []

        init(dictionaryLiteral elements: (String, String)...) {
            pairs = elements.map { (key: $0.0, value: $0.1) }
        }

        init(capacity: Int) { pairs.reserveCapacity(capacity) }

        /// `self[key] = value`: replaces the value of `key`, else appends the pair.
        mutating func set(_ key: String, _ value: String) {
            for i in pairs.indices where pairs[i].key == key {
                pairs[i].value = value
                return
            }
            pairs.append((key, value))
        }

        var isEmpty: Bool { pairs.isEmpty }

        subscript(key: String) -> String? {
            get {
                for p in pairs where p.key == key { return p.value }
                return nil
            }
            set {
                if let i = pairs.firstIndex(where: { $0.key == key }) {
                    if let newValue { pairs[i].value = newValue } else { pairs.remove(at: i) }
                } else if let newValue {
                    pairs.append((key, newValue))
                }
            }
        }
    }

    struct Tag: Equatable {
        var term: String?
        var scheme: String?
        var label: String?
    }

    /// The reference's name of a text bucket and the key a record stores its text under ("title", "href",
    /// "sy_updateperiod"), found once per element name (`ElementName.key`) so that pushing, popping and storing
    /// compare small integers, not Strings. An element without a handler pushes a bucket named by itself:
    /// its key when it has one ("ttl", "href"), else `other` and the bucket keeps the name.
    enum Key: UInt8, CaseIterable {
        // The keys a record stores (`Slots`), in slot order.
        case id, url, ttl, link, href, title, author, summary, content, updated, subtitle, language, generator
        case published, publisher, syUpdatePeriod, syUpdateFrequency
        // Buckets whose text a handler reads; buckets whose text nothing reads.
        case name, tags, email, category, description, mediaKeywords, itunesKeywords
        case image, textinput, contributor, width, height, rights, item, created, expired, info, source
        case newlocation, itunesImage, mediaPlayer, rating, credit, restriction, license
        case other

        static let slotCount = 17

        /// The reference's name ("" for `other`).
        var name: String { Self.names[Int(rawValue)] }

        private static let names = [
            "id", "url", "ttl", "link", "href", "title", "author", "summary", "content", "updated", "subtitle",
            "language", "generator", "published", "publisher", "sy_updateperiod", "sy_updatefrequency",
            "name", "tags", "email", "category", "description", "media_keywords", "itunes_keywords",
            "image", "textinput", "contributor", "width", "height", "rights", "item", "created", "expired", "info",
            "source", "newlocation", "itunes_image", "media_player", "rating", "credit", "restriction", "license", "",
        ]

        private static let byName: [String: Key] = {
            var d: [String: Key] = [:]
            for k in allCases where k != .other { d[k.name] = k }
            return d
        }()

        /// The key of a bucket named `name`.
        init(named name: String) { self = Self.byName[name] ?? .other }

        /// The record slot of the key, nil for keys no record stores.
        @inline(__always) var slot: Int? { rawValue < Self.slotCount ? Int(rawValue) : nil }

        /// Whether a bucket's text is ever read (the schema's fields and what their handlers need).
        var keepsText: Bool {
            switch self {
            case .id, .url, .ttl, .link, .href, .name, .tags, .title, .email, .author, .summary, .content, .updated,
                 .subtitle, .language, .category, .generator, .published, .description, .mediaKeywords,
                 .itunesKeywords, .syUpdatePeriod, .syUpdateFrequency:
                return true
            default:
                return false
            }
        }
    }

    /// Values by the reference's key, for the few keys a record is read by (fixed slots: no hashing per value).
    /// Other keys are never read, and are neither stored nor found.
    struct Slots<Value> {
        var slots = [Value?](repeating: nil, count: Key.slotCount)

        subscript(key: Key) -> Value? {
            get { key.slot.flatMap { slots[$0] } }
            set { if let i = key.slot { slots[i] = newValue } }
        }
    }

    /// A feed, entry, image, text input or source: the keys the reference stores and the schema reads.
    /// Its properties skip dynamic exclusivity checks: one thread uses a builder and its records, and nothing
    /// calls out while holding an access to one of them.
    final class Record {
        @exclusivity(unchecked) var values = Slots<String>()
        /// `<key>_detail`: present when the value was read as content; its MIME type.
        @exclusivity(unchecked) var details = Slots<String?>()
        /// `property_depth_map` of an entry: the depth each key was last stored from.
        @exclusivity(unchecked) var depths = Slots<Int>()
        /// `published_parsed`, `updated_parsed`: present once a date element ended, nil when unreadable.
        @exclusivity(unchecked) var dates = Slots<Date?>()
        @exclusivity(unchecked) var authors: [Person]?
        @exclusivity(unchecked) var authorDetail: Person?
        @exclusivity(unchecked) var publisherDetail: Person?
        @exclusivity(unchecked) var tags: [Tag]?
        @exclusivity(unchecked) var links: [Link]?
        @exclusivity(unchecked) var contents: [(value: String, type: String?)] = []
        @exclusivity(unchecked) var image: Record?
        @exclusivity(unchecked) var textinput: Record?

        /// Empties the record for the next entry, keeping its slot arrays (an entry record is reused: freeing
        /// and allocating one per entry, its four arrays destroyed element by element, cost more than this).
        func reset() {
            for i in 0..<Key.slotCount {
                values.slots[i] = nil
                details.slots[i] = nil
                depths.slots[i] = nil
                dates.slots[i] = nil
            }
            authors = nil
            authorDetail = nil
            publisherDetail = nil
            tags = nil
            links = nil
            contents.removeAll(keepingCapacity: true)
            image = nil
            textinput = nil
        }
    }

    /// One bucket of the reference's element stack: the text of the element that pushed it (its bytes are in
    /// `bucketText`, at the bucket's index).
    struct Bucket {
        var key: Key
        /// The reference's name of the bucket (an element's own name for `Key.other`).
        var name: String
        var expectingText: Bool
        /// Whether the text is ever read: buckets whose value no field uses only keep text from their parent.
        var keepsText: Bool
    }

    /// feedparser's handler of an element name (`_start_<name>` / `_end_<name>`), found once per name.
    enum Handler {
        // RSS and Atom (FeedBuilder+RSSAtom.swift); module names map to these too (dc:creator is an author).
        case rss, channel, feed, image, textinput, author, contributor, name, email, url, widthHeight
        case subtitle, rights, item, language, webmaster, published, updated, created, expirationdate
        case category, tags, noBucket, link, guid, title, description, abstract, info, generator, summary
        case enclosure, source, content, body, newlocation
        // Only the modules have these (FeedBuilder+Modules.swift).
        case dcContributor, itunesCategory, mediaCategory, itunesKeywords, mediaKeywords, mediaTitle, contentEncoded
        case itunesOwner, itunesImage, mediaThumbnail, mediaPlayer, mediaRating, mediaCredit, mediaRestriction
        case mediaLicense
        /// No handler: the element pushes its own bucket (FeedBuilder+Modules.swift).
        case unknown
    }

    /// feedparser's element names and their handlers: RSS and Atom (`coreHandlers`, FeedBuilder+RSSAtom.swift)
    /// and the modules (`moduleHandlers`, FeedBuilder+Modules.swift).
    static let handlers: [String: Handler] = coreHandlers.merging(moduleHandlers) { core, _ in core }

    /// What the handlers dispatch on: feedparser's element name ("title", "dc_creator", "xhtml_div"). Interned
    /// per document (a class: passing it around costs one reference, not two strings).
    final class ElementName {
        let name: String
        let local: String
        /// The local name as written (`local` is lower-cased).
        let rawLocal: String
        let prefixed: Bool
        let handler: Handler
        /// The key of the bucket the element pushes when it has no handler (its own name).
        let key: Key
        /// The vocabulary the name was found in.
        let ns: FeedNamespace
        /// Unprefixed names that do not end `intextinput` / `inimage` in `unknown_starttag`.
        let keepsTextInput: Bool
        let keepsImage: Bool
        /// The lower-cased local name is "svg"; the name is "div" or "xhtml_div" (inline content's wrapper).
        let isSVG: Bool
        let isDiv: Bool
        /// The local name as written is "channel" (RSS 1.0's channel URI is read from it).
        let isChannel: Bool

        init(name: String, local: String, rawLocal: String, ns: FeedNamespace, prefixed: Bool, handler: Handler,
             keepsTextInput: Bool, keepsImage: Bool) {
            self.name = name
            self.local = local
            self.rawLocal = rawLocal
            self.ns = ns
            self.prefixed = prefixed
            self.handler = handler
            self.key = Key(named: name)
            self.keepsTextInput = keepsTextInput
            self.keepsImage = keepsImage
            self.isSVG = local == "svg"
            self.isDiv = name == "xhtml_div" || name == "div"
            self.isChannel = rawLocal == "channel"
        }
    }

    struct Frame {
        var lang: String?
    }

    let limits: ParseLimits
    let documentURL: String?

    // Touched at every SAX event: no dynamic exclusivity checks. One thread uses a builder, and no method
    // calls out while it holds an access to one of these.
    @exclusivity(unchecked) var frames: [Frame] = []
    @exclusivity(unchecked) var buckets: [Bucket] = []
    /// The text of each open bucket as UTF-8, by the bucket's index: character data is appended as libxml2
    /// hands it over and becomes a String once, when the bucket is popped. A buffer keeps its capacity for the
    /// next bucket at its index. The bytes are libxml2's text and Strings' UTF-8 (escaped next to ASCII bytes);
    /// `bucketString` validates them as it makes the String, once per field.
    @exclusivity(unchecked) var bucketText: [[UInt8]] = []
    @exclusivity(unchecked) var names: [NameKey: ElementName] = [:]
    @exclusivity(unchecked) var recentNames = [(key: NameKey, name: ElementName)?](repeating: nil, count: 64)
    /// Element names by libxml2's name numbers (`XMLNameID`), direct-mapped: one comparison of three integers
    /// per event instead of classifying the namespace and comparing name Strings.
    @exclusivity(unchecked) var namesByID = [XMLNameID](repeating: XMLNameID(), count: 64)
    @exclusivity(unchecked) var elementsByID = [ElementName?](repeating: nil, count: 64)

    // The reference's parser state (`_FeedParserMixin.__init__`). The state touched at every event skips dynamic
    // exclusivity checks, as `stack` did before: one thread uses a builder, and nothing calls out while
    // holding an access.
    let feedRecord = Record()
    var sourceRecord = Record()
    @exclusivity(unchecked) var currentEntry: Record?
    @exclusivity(unchecked) var infeed = false, inentry = false, inimage = false, intextinput = false, insource = false
    @exclusivity(unchecked) var inauthor = false, incontributor = false, inpublisher = false
    @exclusivity(unchecked) var incontent = 0
    @exclusivity(unchecked) var hasContent = false
    @exclusivity(unchecked) var guidIsLink = false
    @exclusivity(unchecked) var summaryKey: Key?
    @exclusivity(unchecked) var titleDepth = -1
    @exclusivity(unchecked) var depth = 0
    @exclusivity(unchecked) var svgDepth = 0
    /// `contentparams`: the MIME type of the content-like element being read (nil once cleared) and whether
    /// its text is base64.
    @exclusivity(unchecked) var contentType: String? {
        didSet {
            contentIsXHTML = contentType == "application/xhtml+xml"
            contentIsXML = (contentType ?? "xml").hasSuffix("xml")
        }
    }
    @exclusivity(unchecked) var contentIsXHTML = false
    /// `(contentType ?? "xml").hasSuffix("xml")`, read at every tag inside content.
    @exclusivity(unchecked) var contentIsXML = true
    @exclusivity(unchecked) var contentBase64 = false
    /// The reference's `baseuri` (rooted at the document's URL) and the same rooted at nothing, as the oracle
    /// reads a file (for ids, see `resolveID`), with their stacks (`basestack`).
    /// Both are indices into `bases` (a document has few distinct base URIs; index 0 is nil), so the stack
    /// pushed per element holds no strings.
    @exclusivity(unchecked) var base: Int32 = 0
    @exclusivity(unchecked) var docBase: Int32 = 0
    @exclusivity(unchecked) var bases: [String?] = [nil]
    @exclusivity(unchecked) var baseStack: [(base: Int32, docBase: Int32)] = []
    var recentJoins: [(parent: Int32, value: String, joined: Int32)] = []
    /// The base and document base of the element whose end is being handled (`self.baseuri` in `pop`), as
    /// indices into `bases`.
    @exclusivity(unchecked) var currentBaseIndex: Int32 = 0
    @exclusivity(unchecked) var currentDocBaseIndex: Int32 = 0
    var currentBase: String? { bases[Int(currentBaseIndex)] }
    var currentDocBase: String? { bases[Int(currentDocBaseIndex)] }
    /// The reference's `version` ("rss20", "atom10", "" ...), which decides whether RSS text is sniffed for HTML.
    @exclusivity(unchecked) var referenceVersion = "" {
        didSet { isAtomVersion = referenceVersion.hasPrefix("atom") }
    }
    /// `referenceVersion` starts "atom" (read at every end of a field).
    @exclusivity(unchecked) var isAtomVersion = false
    @exclusivity(unchecked) var lastContentType: (raw: String, type: String, binary: Bool)?
    /// A finished entry's record, emptied, for the next entry (see `Record.reset`).
    @exclusivity(unchecked) var spareRecord: Record?
    var finished = false

    var result = ParsedFeed()
    var rootName: String?
    var rootNamespace: FeedNamespace = .none
    var sawFeedStructure = false
    var channelAbout: String?
    var pendingNamespaces: [String] = []
    var isAtomDocument = false
    /// libxml2's HTML parser for the document's HTML fields, created at the first one.
    lazy var html = HTMLTextParser()

    /// `loose`: the events come from `LooseXMLParser` (a document that is not well-formed), and text is
    /// read as the reference's loose parser reads it (see `looseData`, `decodingLooseEntities`).
    init(documentURL: String?, limits: ParseLimits, loose: Bool = false) {
        self.documentURL = documentURL
        self.limits = limits
        self.loose = loose
        if let documentURL, !documentURL.isEmpty {
            bases.append(documentURL)
            base = 1
        }
    }

    // MARK: The loose reading

    let loose: Bool
    /// xmlns prefixes declared anywhere so far (the loose parser keeps them for the rest of the document).
    var looseNamespaces: [String: String] = [:]
    var rootElementName: String?
    var rootClosed = false

    /// A start tag of the loose reading: `tag` lower-cased as written ("dc:creator"), attributes as the loose
    /// parser leaves them (names lower-cased, references kept).
    func looseStart(_ tag: String, _ attributes: [(String, String)]) throws(ParseError) {
        var declared: [String] = []
        var attrs: [XMLAttribute] = []
        attrs.reserveCapacity(attributes.count)
        for (name, value) in attributes {
            if name == "xmlns" { declared.append(value) }
            else if name.hasPrefix("xmlns:") { looseNamespaces[String(name.dropFirst(6))] = value; declared.append(value) }
            let (p, l) = Self.splitName(name)
            // _LooseFeedParser._normalize_attributes: "&amp;" in a value is read as "&".
            attrs.append(XMLAttribute(local: l, prefix: p, namespace: nil, value: Self.replacing(value, "&amp;", "&")))
        }
        if !declared.isEmpty { declareNamespaces(declared) }
        let (prefix, local) = Self.splitName(tag)
        let ns = looseNamespace(prefix)
        let element = elementName(ns: ns, prefix: prefix, local: local)
        if rootElementName == nil { rootElementName = element.name }
        try begin(element, ns: ns, local: local, attributes: attrs)
    }

    func looseEnd(_ tag: String) throws(ParseError) {
        let (prefix, local) = Self.splitName(tag)
        try finishElement(elementName(ns: looseNamespace(prefix), prefix: prefix, local: local))
    }

    /// Character data of the loose reading; `escaping` false for the text of references and CDATA, which the
    /// reference appends to the element's text as it is.
    func looseData(_ s: String, escaping: Bool) throws(ParseError) {
        try appendData(s, escaping: escaping)
    }

    /// A prefix's vocabulary in the loose reading: by the URI it was declared with, else the prefix itself.
    func looseNamespace(_ prefix: String?) -> FeedNamespace {
        guard let prefix else { return .none }
        guard let uri = looseNamespaces[prefix] else { return .other }
        return classify(uri: uri, prefix: prefix)
    }

    static func splitName(_ name: String) -> (prefix: String?, local: String) {
        // An ASCII name (the usual one) is split at its first ':' byte; any other is searched by Character,
        // where a ':' joined to its neighbours in one grapheme is not a colon.
        let u = name.utf8.span
        if Bytes.asciiEnd(u, from: 0) == u.count {
            guard let colon = Bytes.firstIndex(of: UInt8(ascii: ":"), in: u, from: 0) else { return (nil, name) }
            return (Bytes.string(u, 0..<colon), Bytes.string(u, (colon + 1)..<u.count))
        }
        guard let colon = name.firstIndex(of: ":") else { return (nil, name) }
        return (String(name[..<colon]), String(name[name.index(after: colon)...]))
    }

    /// `_LooseFeedParser.decode_entities`: the escapes the loose parser keeps in text, read back in content
    /// whose type is not XML; elsewhere (ids, links, names) `&amp;` and its kin stay as written.
    /// The reference applies each replacement to the whole text in turn (`str.replace`); here each group is
    /// one pass, with the same result: no replacement of the first group makes a match of that group (they all
    /// start "&#", what they write starts "&" and a letter), and in the second the only match a replacement makes
    /// is "&amp;" read as "&" before "quot;", "apos;", "#x2f;" or "#x2F;", which the later replacements read.
    static func decodingLooseEntities(_ s: String, contentType: String?) -> String {
        guard s.utf8.contains(UInt8(ascii: "&")) else { return s }
        var d = Self.replacingReferences(s, Self.looseCharacterReferences)
        if !(contentType ?? "xml").hasSuffix("xml") {
            d = Self.replacingReferences(d, Self.looseEntityReferences, ampersandChains: true)
        }
        return d
    }

    private static let looseCharacterReferences: [(from: [UInt8], to: [UInt8])] = [
        ("&#60;", "&lt;"), ("&#x3c;", "&lt;"), ("&#x3C;", "&lt;"), ("&#62;", "&gt;"), ("&#x3e;", "&gt;"), ("&#x3E;", "&gt;"),
        ("&#38;", "&amp;"), ("&#x26;", "&amp;"), ("&#34;", "&quot;"), ("&#x22;", "&quot;"), ("&#39;", "&apos;"),
        ("&#x27;", "&apos;"),
    ].map { (Array($0.0.utf8), Array($0.1.utf8)) }

    private static let looseEntityReferences: [(from: [UInt8], to: [UInt8])] = [
        ("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"), ("&quot;", "\""), ("&apos;", "'"), ("&#x2f;", "/"), ("&#x2F;", "/"),
    ].map { (Array($0.0.utf8), Array($0.1.utf8)) }

    /// One left-to-right pass replacing the first of `table`'s patterns that matches at each '&'. With
    /// `ampersandChains`, "&amp;" followed by the rest of a pattern that comes after it in the table ("quot;")
    /// is that pattern's replacement, as when the replacements run one after another.
    private static func replacingReferences(_ s: String, _ table: [(from: [UInt8], to: [UInt8])],
                                            ampersandChains: Bool = false) -> String {
        let u = s.utf8.span
        let n = u.count
        var out: [UInt8] = []
        var copied = 0
        var i = 0
        func matches(_ p: [UInt8], at k: Int) -> Bool {
            guard k + p.count <= n else { return false }
            for j in 1..<p.count where u[k + j] != p[j] { return false }
            return true
        }
        while let amp = Bytes.firstIndex(of: UInt8(ascii: "&"), in: u, from: i) {
            i = amp + 1
            guard let t = table.firstIndex(where: { matches($0.from, at: amp) }) else { continue }
            var end = amp + table[t].from.count
            var replacement = table[t].to
            if ampersandChains, table[t].to == [UInt8(ascii: "&")] {
                // "&amp;" + "quot;": the '&' written and the text after it match a later pattern.
                for later in table[(t + 1)...] where matches([UInt8(ascii: "&")] + later.from[1...], at: end - 1) {
                    end = end - 1 + later.from.count
                    replacement = later.to
                    break
                }
            }
            if out.isEmpty { out.reserveCapacity(n) }
            Bytes.append(u, copied..<amp, to: &out)
            out.append(contentsOf: replacement)
            copied = end
            i = end
        }
        if copied == 0 { return s }
        Bytes.append(u, copied..<n, to: &out)
        // Cut at '&' and after ';', ASCII written: valid UTF-8 as the text was.
        return Bytes.string(validUTF8: out)
    }

    /// True when the document's root is a feed vocabulary element (rss, RDF, feed, channel).
    var recognizedRoot: Bool { sawFeedStructure }

    // MARK: XMLEventSink

    /// `FeedParser` reads a document libxml2 reports an error in again the loose way, with a new builder.
    var readsPastErrors: Bool { false }

    var wantsText: Bool {
        let n = buckets.count
        return n > 0 && buckets[n - 1].keepsText
    }

    func declareNamespaces(_ uris: [String]) {
        // A feed root without a namespace that declares Atom 1.0 for a prefix is Atom 1.0 (as feedparser reads it).
        if frames.isEmpty || !sawFeedStructure { pendingNamespaces = uris }
        // track_namespace: the first vocabulary namespace declared sets the version.
        for uri in uris where referenceVersion.isEmpty {
            switch uri.lowercased() {
            case "http://my.netscape.com/rdf/simple/0.9/": referenceVersion = "rss090"
            case "http://purl.org/rss/1.0/": referenceVersion = "rss10"
            case "http://www.w3.org/2005/atom": referenceVersion = "atom10"
            default: break
            }
        }
    }

    func startElement(local: String, prefix: String?, namespace: String?, attributes: [XMLAttribute]) throws(ParseError) {
        let ns = classify(uri: namespace, prefix: prefix)
        try begin(elementName(ns: ns, prefix: prefix, local: local), ns: ns, local: local, attributes: attributes)
    }

    func endElement(local: String, prefix: String?, namespace: String?) throws(ParseError) {
        try finishElement(elementName(ns: classify(uri: namespace, prefix: prefix), prefix: prefix, local: local))
        if !loose, frames.isEmpty { finishDocument() }
    }

    func startElement(_ id: XMLNameID, name: () -> XMLName, attributes: [XMLAttribute]) throws(ParseError) {
        let element = elementName(id, name)
        try begin(element, ns: element.ns, local: element.rawLocal, attributes: attributes)
    }

    func endElement(_ id: XMLNameID, name: () -> XMLName) throws(ParseError) {
        try finishElement(elementName(id, name))
        if !loose, frames.isEmpty { finishDocument() }
    }

    /// The element name of libxml2's name numbers, from the direct-mapped table or found by its Strings
    /// (`name` builds them only then).
    @inline(__always)
    func elementName(_ id: XMLNameID, _ name: () -> XMLName) -> ElementName {
        let slot = Int(truncatingIfNeeded: ((id.local &* 31 &+ id.prefix) &* 31 &+ id.namespace) & 63)
        if namesByID[slot] == id, let known = elementsByID[slot] { return known }
        let name = name()
        let element = elementName(ns: classify(uri: name.namespace, prefix: name.prefix), prefix: name.prefix, local: name.local)
        namesByID[slot] = id
        elementsByID[slot] = element
        return element
    }

    /// `unknown_starttag`: one start tag, whatever is open.
    func begin(_ element: ElementName, ns: FeedNamespace, local: String, attributes: [XMLAttribute]) throws(ParseError) {
        noteStructure(local: local, ns: ns, attributes: attributes, isRoot: frames.isEmpty && rootName == nil,
                      isChannel: element.isChannel)
        depth += 1
        let attrs = normalizedAttributes(attributes)
        let parent = frames.last
        // The reference's base URI: an xml:base (or base) attribute joins the current one; it is pushed per
        // element and, at the element's end, the parent's is restored only if it is not empty. So without a
        // document URL a base leaks out of its element until a non-empty one is restored.
        if let xb = attrs["xml:base"] ?? attrs["base"] {
            base = joinedBase(base, xb)
            docBase = joinedBase(docBase, xb)
        }
        baseStack.append((base, docBase))
        var lang = attrs["xml:lang"] ?? attrs["lang"] ?? parent?.lang
        if lang?.isEmpty == true { lang = nil }
        if let lang, element.handler == .feed || element.handler == .rss {
            feedRecord.values[.language] = Self.replacing(lang, "_", "-")
        }
        frames.append(Frame(lang: lang))
        // Inside content, child elements are markup (unknown_starttag's inline-content branch).
        if incontent > 0, !contentIsXML {
            if element.isDiv { return }  // "typepad does this"
            contentType = "application/xhtml+xml"
        }
        if incontent > 0, contentIsXHTML {
            if element.isSVG { svgDepth += 1 }
            try appendStartTag(element.local, attributes)
            return
        }
        if !element.prefixed {
            if !element.keepsTextInput { intextinput = false }
            if !element.keepsImage { inimage = false }
        }
        currentBaseIndex = base
        currentDocBaseIndex = docBase
        try start(element.handler, element, attrs)
    }

    /// `unknown_endtag`: one end tag, named by itself (in the loose reading it need not match what is open).
    func finishElement(_ element: ElementName) throws(ParseError) {
        if loose, element.name == rootElementName { rootClosed = true }
        currentBaseIndex = base
        currentDocBaseIndex = docBase
        if element.isSVG, svgDepth > 0 { svgDepth -= 1 }
        if svgDepth > 0 {
            _ = pop(element)
        } else {
            // The end handler runs for markup children too, as in the reference (a stray </title> inside
            // content ends the content mode).
            end(element.handler, element)
        }
        if incontent > 0, !contentIsXML {
            if element.isDiv {
                _ = frames.popLast()
                return  // the reference returns before its base and depth bookkeeping
            }
            contentType = "application/xhtml+xml"
        }
        if incontent > 0, contentIsXHTML {
            try appendEndTag(element.local)
        }
        _ = frames.popLast()
        restoreBase()
        depth -= 1
    }

    func text(_ s: String) throws(ParseError) {
        try appendData(s, escaping: true)
    }

    func text(utf8 u: Span<UInt8>) throws(ParseError) {
        try appendData(u, escaping: true)
    }

    func restoreBase() {
        _ = baseStack.popLast()
        if let parent = baseStack.last {
            if parent.base != 0 { base = parent.base }
            if parent.docBase != 0 { docBase = parent.docBase }
        }
    }

    /// `joinBase` of the base at `parent` and an xml:base value, as an index into `bases`; the last few joins
    /// are remembered (feeds repeat one xml:base on every entry, and each join resolves a URI twice).
    func joinedBase(_ parent: Int32, _ value: String) -> Int32 {
        for j in recentJoins where j.parent == parent && j.value == value { return j.joined }
        let joined = baseIndex(joinBase(bases[Int(parent)], value))
        if recentJoins.count == 8 { recentJoins.removeFirst() }
        recentJoins.append((parent, value, joined))
        return joined
    }

    /// The index of a base URI in `bases` (0 for none or empty), added when new.
    func baseIndex(_ b: String?) -> Int32 {
        guard let b, !b.isEmpty else { return 0 }
        if let i = bases.lastIndex(where: { $0 == b }) { return Int32(i) }
        bases.append(b)
        return Int32(bases.count - 1)
    }

    // MARK: The element stack (push, pop, handle_data)

    func push(_ key: Key, _ expectingText: Bool) {
        buckets.append(Bucket(key: key, name: key.name, expectingText: expectingText, keepsText: key.keepsText))
        openText()
    }

    /// An empty text buffer for the bucket just pushed.
    @inline(__always)
    func openText() {
        let i = buckets.count - 1
        if i < bucketText.count { bucketText[i].removeAll(keepingCapacity: true) } else { bucketText.append([]) }
    }

    /// Sets the text of the bucket on top (a value read from an attribute).
    func setText(_ s: String) {
        bucketText[buckets.count - 1] = Array(s.utf8)
    }

    /// An element's own bucket (one without a handler, or `width` and `height`).
    func push(_ element: ElementName, _ expectingText: Bool) {
        let key = element.key
        buckets.append(Bucket(key: key, name: key == .other ? element.name : key.name, expectingText: expectingText,
                              keepsText: key.keepsText))
        openText()
    }

    func appendData(_ s: String, escaping: Bool) throws(ParseError) {
        try appendData(s.utf8.span, escaping: escaping)
    }

    /// `handle_data`: text goes to the bucket on top if its text is read, escaped in XHTML content.
    func appendData(_ u: Span<UInt8>, escaping: Bool) throws(ParseError) {
        let last = buckets.count - 1
        guard last >= 0, buckets[last].keepsText else { return }
        if escaping && contentIsXHTML {
            Self.appendEscaped(u, quotes: false, to: &bucketText[last])
        } else {
            Bytes.append(u, 0..<u.count, to: &bucketText[last])
        }
        try checkFieldLimit(last)
    }

    func checkFieldLimit(_ bucket: Int) throws(ParseError) {
        if bucketText[bucket].count > limits.maxFieldBytes {
            throw ParseError(.limitExceeded, "text of <\(buckets[bucket].name)> exceeds \(limits.maxFieldBytes) bytes")
        }
    }

    /// A start tag inside XHTML content, as the reference writes it into the text: the lower-cased name and
    /// the href, src and alt attributes, escaped.
    func appendStartTag(_ local: String, _ attributes: [XMLAttribute]) throws(ParseError) {
        let last = buckets.count - 1
        guard last >= 0, buckets[last].keepsText else { return }
        bucketText[last].append(UInt8(ascii: "<"))
        bucketText[last].append(contentsOf: local.utf8)
        for a in attributes where a.local == "href" || a.local == "src" || a.local == "alt" {
            bucketText[last].append(0x20)
            bucketText[last].append(contentsOf: a.local.utf8)
            bucketText[last].append(contentsOf: "=\"".utf8)
            Self.appendEscaped(a.value.utf8.span, quotes: true, to: &bucketText[last])
            bucketText[last].append(UInt8(ascii: "\""))
        }
        bucketText[last].append(UInt8(ascii: ">"))
        try checkFieldLimit(last)
    }

    func appendEndTag(_ local: String) throws(ParseError) {
        let last = buckets.count - 1
        guard last >= 0, buckets[last].keepsText else { return }
        bucketText[last].append(contentsOf: "</".utf8)
        bucketText[last].append(contentsOf: local.utf8)
        bucketText[last].append(UInt8(ascii: ">"))
        try checkFieldLimit(last)
    }

    /// `escape(_:quotes:)` of UTF-8 bytes, appended to `out`.
    static func appendEscaped(_ u: Span<UInt8>, quotes: Bool, to out: inout [UInt8]) {
        var copied = 0
        for i in 0..<u.count {
            let b = u[i]
            guard b == 0x26 || b == 0x3C || b == 0x3E || (quotes && b == 0x22) else { continue }
            Bytes.append(u, copied..<i, to: &out)
            switch b {
            case 0x26: out.append(contentsOf: "&amp;".utf8)
            case 0x3C: out.append(contentsOf: "&lt;".utf8)
            case 0x3E: out.append(contentsOf: "&gt;".utf8)
            default: out.append(contentsOf: "&quot;".utf8)
            }
            copied = i + 1
        }
        Bytes.append(u, copied..<u.count, to: &out)
    }

    // The reference's `can_be_relative_uri` also names comments, docs, icon, logo and wfw_comment(rss): their
    // buckets' text is never read here, so only link, href, id and url are resolved.

    /// The reference's `pop`: takes the bucket `name` off the stack (nil when another is on top) and stores
    /// its text where the state says.
    @discardableResult
    func pop(_ element: ElementName) -> String? {
        element.key == .other ? pop(.other, named: element.name) : pop(element.key)
    }

    /// `pop` of the bucket `key` (for `Key.other`, the one named `name`).
    @discardableResult
    func pop(_ key: Key, named name: String = "", stripWhitespace: Bool = true) -> String? {
        let n = buckets.count
        guard n > 0, buckets[n - 1].key == key, key != .other || buckets[n - 1].name == name else { return nil }
        let top = buckets.removeLast()
        var output = Self.bucketString(bucketText[n - 1], stripWhitespace: stripWhitespace)
        // A bucket whose text no field reads stores nothing anyone reads either (the base64 flag still ends here).
        guard top.expectingText, top.keepsText else {
            if top.expectingText { contentBase64 = false }
            return output
        }
        if contentBase64, let decoded = Self.base64Text(output) { output = decoded }
        if !output.isEmpty, key == .link || key == .href || key == .id || key == .url {
            if key != .id { output = resolve(output, base: currentBase) }
            else if guidIsLink { output = resolveID(output) }
        }
        if loose, !contentBase64 { output = Self.decodingLooseEntities(output, contentType: contentType) }
        // Some RSS elements are nominally plain text but carry HTML: sniffed as the reference does.
        if !isAtomVersion, contentType == "text/plain", Self.looksLikeHTML(output) {
            contentType = "text/html"
        }
        contentBase64 = false
        output = Self.repairingMojibake(output)
        if key == .category || key == .tags || key == .itunesKeywords { return output }
        if key == .title, titleDepth > -1, titleDepth <= depth { return output }
        if inentry, !insource, let entry = currentEntry {
            if key == .content {
                entry.contents.append((output, contentType))
            } else if key == .link {
                if !inimage {
                    output = Self.fixingQueryReferences(Self.replacing(output, "&amp;", "&"))
                    entry.values[.link] = output
                    if !output.isEmpty { entry.links?.last?.attributes["href"] = output }
                }
            } else {
                let key = key == .description ? Key.summary : key
                if let old = entry.depths[key], depth > old {
                    // a deeper element does not replace what a shallower one said
                } else {
                    entry.depths[key] = depth
                    entry.values[key] = output
                }
                if incontent > 0 { entry.details[key] = contentType }
            }
        } else if infeed || insource {
            let context = context()
            let key = key == .description ? Key.subtitle : key
            context.values[key] = output
            if key == .link {
                output = Self.fixingQueryReferences(output)
                context.values[.link] = output
                context.links?.last?.attributes["href"] = output
            } else if incontent > 0 {
                context.details[key] = contentType
            }
        }
        return output
    }

    func pushContent(_ key: Key, _ attrs: Attrs, defaultType: String, expectingText: Bool) {
        incontent += 1
        let (type, binary) = contentTypeOf(attrs["type"] ?? defaultType)
        contentType = type
        contentBase64 = attrs["mode"] == "base64" || binary
        push(key, expectingText)
    }

    /// A content element's type attribute mapped (`mapContentType`), and whether the type is not text (its
    /// content is then read as base64), remembered for the last type seen: feeds repeat one or two.
    func contentTypeOf(_ raw: String) -> (type: String, binary: Bool) {
        if let last = lastContentType, last.raw == raw { return (last.type, last.binary) }
        let type = Self.mapContentType(raw)
        let binary = !(type.hasPrefix("text/") || type.hasSuffix("+xml") || type.hasSuffix("/xml"))
        lastContentType = (raw, type, binary)
        return (type, binary)
    }

    @discardableResult
    func popContent(_ key: Key) -> String? {
        let value = pop(key)
        incontent -= 1
        contentType = nil
        contentBase64 = false
        return value
    }

    /// `_get_context`: where the element being read stores what it says.
    func context() -> Record {
        if insource { return sourceRecord }
        if inimage, let image = feedRecord.image { return image }
        if intextinput { return feedRecord.textinput ?? Record() }
        if inentry, let entry = currentEntry { return entry }
        return feedRecord
    }

    /// `_save`: stores a value in the context, keeping an earlier one unless `overwrite`.
    func save(_ key: Key, _ value: String?, overwrite: Bool = false) {
        let c = context()
        if overwrite || c.values[key] == nil { c.values[key] = value ?? "" }
    }

    /// Whether the document ended inside an entry, which `finish` dropped.
    var droppedOpenEntry = false

    /// Namespace URIs seen in this document and their vocabulary (a URI's class does not depend on the prefix).
    var namespaceCache: [(uri: String, ns: FeedNamespace)] = []
}
