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
    private final class Person {
        var values: [String: String] = [:]
        var isEmpty: Bool { values.isEmpty }
    }

    /// A link or enclosure (`rel`, `type`, `href`, `length`); a class because `pop` fills in the last one's href.
    private final class Link {
        var attributes: Attrs
        init(_ attributes: Attrs) { self.attributes = attributes }
    }

    /// An element's attributes as the reference's handlers see them (`attrs_d`): a few pairs, searched in order.
    struct Attrs: ExpressibleByDictionaryLiteral {
        private(set) var pairs: [(key: String, value: String)] = []

        init(dictionaryLiteral elements: (String, String)...) {
            pairs = elements.map { (key: $0.0, value: $0.1) }
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

    private struct Tag: Equatable {
        var term: String?
        var scheme: String?
        var label: String?
    }

    /// Values by the reference's key, for the few keys a record is read by (fixed slots: no hashing per value).
    /// Other keys are never read, and are neither stored nor found.
    struct Slots<Value> {
        private var slots = [Value?](repeating: nil, count: 17)

        private static func index(_ k: String) -> Int? {
            switch k.utf8.count {
            case 2: return k == "id" ? 0 : nil
            case 3: return k == "url" ? 1 : k == "ttl" ? 2 : nil
            case 4: return k == "link" ? 3 : k == "href" ? 4 : nil
            case 5: return k == "title" ? 5 : nil
            case 6: return k == "author" ? 6 : nil
            case 7: return k == "summary" ? 7 : k == "content" ? 8 : k == "updated" ? 9 : nil
            case 8: return k == "subtitle" ? 10 : k == "language" ? 11 : nil
            case 9: return k == "generator" ? 12 : k == "published" ? 13 : k == "publisher" ? 14 : nil
            case 15: return k == "sy_updateperiod" ? 15 : nil
            case 18: return k == "sy_updatefrequency" ? 16 : nil
            default: return nil
            }
        }

        subscript(key: String) -> Value? {
            get { Self.index(key).flatMap { slots[$0] } }
            set { if let i = Self.index(key) { slots[i] = newValue } }
        }
    }

    /// A feed, entry, image, text input or source: the keys the reference stores and the schema reads.
    private final class Record {
        var values = Slots<String>()
        /// `<key>_detail`: present when the value was read as content; its MIME type.
        var details = Slots<String?>()
        /// `property_depth_map` of an entry: the depth each key was last stored from.
        var depths = Slots<Int>()
        /// `published_parsed`, `updated_parsed`: present once a date element ended, nil when unreadable.
        var dates = Slots<Date?>()
        var authors: [Person]?
        var authorDetail: Person?
        var publisherDetail: Person?
        var tags: [Tag]?
        var links: [Link]?
        var contents: [(value: String, type: String?)] = []
        var image: Record?
        var textinput: Record?
    }

    /// One bucket of the reference's element stack: the text of the element that pushed it.
    private struct Bucket {
        var name: String
        var expectingText: Bool
        /// Whether the text is ever read: buckets whose value no field uses only keep text from their parent.
        var keepsText: Bool
        var text = ""
    }

    /// feedparser's handler of an element name (`_start_<name>` / `_end_<name>`), found once per name.
    private enum Handler {
        case rss, channel, feed, image, textinput, author, contributor, dcContributor, name, email, url, widthHeight
        case subtitle, rights, item, language, webmaster, published, updated, created, expirationdate
        case category, itunesCategory, mediaCategory, tags, itunesKeywords, mediaKeywords, noBucket, link, guid
        case title, mediaTitle, description, abstract, info, generator, summary, enclosure, source, content, body
        case contentEncoded, newlocation, itunesOwner, itunesImage, mediaThumbnail, mediaPlayer, mediaRating
        case mediaCredit, mediaRestriction, mediaLicense, unknown
    }

    private static let handlers: [String: Handler] = [
        "rss": .rss,
        "channel": .channel,
        "feed": .feed,
        "image": .image,
        "textinput": .textinput,
        "author": .author,
        "managingeditor": .author,
        "dc_author": .author,
        "dc_creator": .author,
        "itunes_author": .author,
        "contributor": .contributor,
        "dc_contributor": .dcContributor,
        "name": .name,
        "itunes_name": .name,
        "email": .email,
        "itunes_email": .email,
        "url": .url,
        "homepage": .url,
        "uri": .url,
        "width": .widthHeight,
        "height": .widthHeight,
        "subtitle": .subtitle,
        "tagline": .subtitle,
        "itunes_subtitle": .subtitle,
        "rights": .rights,
        "copyright": .rights,
        "dc_rights": .rights,
        "item": .item,
        "entry": .item,
        "language": .language,
        "dc_language": .language,
        "webmaster": .webmaster,
        "dc_publisher": .webmaster,
        "published": .published,
        "issued": .published,
        "pubdate": .published,
        "dcterms_issued": .published,
        "updated": .updated,
        "modified": .updated,
        "lastbuilddate": .updated,
        "dc_date": .updated,
        "dcterms_modified": .updated,
        "created": .created,
        "dcterms_created": .created,
        "expirationdate": .expirationdate,
        "category": .category,
        "keywords": .category,
        "dc_subject": .category,
        "itunes_category": .itunesCategory,
        "media_category": .mediaCategory,
        "tags": .tags,
        "itunes_keywords": .itunesKeywords,
        "media_keywords": .mediaKeywords,
        "cloud": .noBucket,
        "media_group": .noBucket,
        "media_content": .noBucket,
        "link": .link,
        "guid": .guid,
        "id": .guid,
        "title": .title,
        "dc_title": .title,
        "media_title": .mediaTitle,
        "description": .description,
        "dc_description": .description,
        "media_description": .description,
        "abstract": .abstract,
        "info": .info,
        "feedburner_browserfriendly": .info,
        "generator": .generator,
        "summary": .summary,
        "itunes_summary": .summary,
        "enclosure": .enclosure,
        "source": .source,
        "content": .content,
        "body": .body,
        "xhtml_body": .body,
        "content_encoded": .contentEncoded,
        "fullitem": .contentEncoded,
        "newlocation": .newlocation,
        "itunes_owner": .itunesOwner,
        "itunes_image": .itunesImage,
        "itunes_link": .itunesImage,
        "media_thumbnail": .mediaThumbnail,
        "media_player": .mediaPlayer,
        "media_rating": .mediaRating,
        "media_credit": .mediaCredit,
        "media_restriction": .mediaRestriction,
        "media_license": .mediaLicense,
    ]

    /// What the handlers dispatch on: feedparser's element name ("title", "dc_creator", "xhtml_div"). Interned
    /// per document (a class: passing it around costs one reference, not two strings).
    private final class ElementName {
        let name: String
        let local: String
        let prefixed: Bool
        let handler: Handler
        /// Unprefixed names that do not end `intextinput` / `inimage` in `unknown_starttag`.
        let keepsTextInput: Bool
        let keepsImage: Bool

        init(name: String, local: String, prefixed: Bool, handler: Handler, keepsTextInput: Bool, keepsImage: Bool) {
            self.name = name
            self.local = local
            self.prefixed = prefixed
            self.handler = handler
            self.keepsTextInput = keepsTextInput
            self.keepsImage = keepsImage
        }
    }

    private struct Frame {
        var lang: String?
    }

    private let limits: ParseLimits
    private let documentURL: String?

    // Touched at every SAX event: no dynamic exclusivity checks. One thread uses a builder, and no method
    // calls out while it holds an access to one of these.
    @exclusivity(unchecked) private var frames: [Frame] = []
    @exclusivity(unchecked) private var buckets: [Bucket] = []
    @exclusivity(unchecked) private var names: [NameKey: ElementName] = [:]
    @exclusivity(unchecked) private var recentNames = [(key: NameKey, name: ElementName)?](repeating: nil, count: 64)

    // The reference's parser state (`_FeedParserMixin.__init__`). The state touched at every event skips dynamic
    // exclusivity checks, as `stack` did before: one thread uses a builder, and nothing calls out while
    // holding an access.
    private let feedRecord = Record()
    private var sourceRecord = Record()
    @exclusivity(unchecked) private var currentEntry: Record?
    @exclusivity(unchecked) private var infeed = false, inentry = false, inimage = false, intextinput = false, insource = false
    @exclusivity(unchecked) private var inauthor = false, incontributor = false, inpublisher = false
    @exclusivity(unchecked) private var incontent = 0
    private var hasContent = false
    private var guidIsLink = false
    private var summaryKey: String?
    @exclusivity(unchecked) private var titleDepth = -1
    @exclusivity(unchecked) private var depth = 0
    @exclusivity(unchecked) private var svgDepth = 0
    /// `contentparams`: the MIME type of the content-like element being read (nil once cleared) and whether
    /// its text is base64.
    @exclusivity(unchecked) private var contentType: String? {
        didSet { contentIsXHTML = contentType == "application/xhtml+xml" }
    }
    @exclusivity(unchecked) private var contentIsXHTML = false
    private var contentBase64 = false
    /// The reference's `baseuri` (rooted at the document's URL) and the same rooted at nothing, as the oracle
    /// reads a file (for ids, see `resolveID`), with their stacks (`basestack`).
    /// Both are indices into `bases` (a document has few distinct base URIs; index 0 is nil), so the stack
    /// pushed per element holds no strings.
    @exclusivity(unchecked) private var base: Int32 = 0
    @exclusivity(unchecked) private var docBase: Int32 = 0
    @exclusivity(unchecked) private var bases: [String?] = [nil]
    @exclusivity(unchecked) private var baseStack: [(base: Int32, docBase: Int32)] = []
    /// The base and document base of the element whose end is being handled (`self.baseuri` in `pop`).
    @exclusivity(unchecked) private var currentBase: String?
    @exclusivity(unchecked) private var currentDocBase: String?
    /// The reference's `version` ("rss20", "atom10", "" ...), which decides whether RSS text is sniffed for HTML.
    private var referenceVersion = ""
    private var finished = false

    private(set) var result = ParsedFeed()
    private(set) var rootName: String?
    private(set) var rootNamespace: FeedNamespace = .none
    private var sawFeedStructure = false
    private var channelAbout: String?
    private var pendingNamespaces: [String] = []
    private var isAtomDocument = false
    /// libxml2's HTML parser for the document's HTML fields, created at the first one.
    private lazy var html = HTMLTextParser()

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

    private let loose: Bool
    /// xmlns prefixes declared anywhere so far (the loose parser keeps them for the rest of the document).
    private var looseNamespaces: [String: String] = [:]
    private var rootElementName: String?
    private var rootClosed = false

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
    private func looseNamespace(_ prefix: String?) -> FeedNamespace {
        guard let prefix else { return .none }
        guard let uri = looseNamespaces[prefix] else { return .other }
        return classify(uri: uri, prefix: prefix)
    }

    private static func splitName(_ name: String) -> (prefix: String?, local: String) {
        guard let colon = name.firstIndex(of: ":") else { return (nil, name) }
        return (String(name[..<colon]), String(name[name.index(after: colon)...]))
    }

    /// `_LooseFeedParser.decode_entities`: the escapes the loose parser keeps in text, read back in content
    /// whose type is not XML; elsewhere (ids, links, names) `&amp;` and its kin stay as written.
    static func decodingLooseEntities(_ s: String, contentType: String?) -> String {
        guard s.utf8.contains(UInt8(ascii: "&")) else { return s }
        var d = s
        for (from, to) in [("&#60;", "&lt;"), ("&#x3c;", "&lt;"), ("&#x3C;", "&lt;"), ("&#62;", "&gt;"), ("&#x3e;", "&gt;"),
                           ("&#x3E;", "&gt;"), ("&#38;", "&amp;"), ("&#x26;", "&amp;"), ("&#34;", "&quot;"), ("&#x22;", "&quot;"),
                           ("&#39;", "&apos;"), ("&#x27;", "&apos;")] {
            d = Self.replacing(d, from, to)
        }
        if !(contentType ?? "xml").hasSuffix("xml") {
            for (from, to) in [("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"), ("&quot;", "\""), ("&apos;", "'"),
                               ("&#x2f;", "/"), ("&#x2F;", "/")] {
                d = Self.replacing(d, from, to)
            }
        }
        return d
    }

    /// True when the document's root is a feed vocabulary element (rss, RDF, feed, channel).
    var recognizedRoot: Bool { sawFeedStructure }

    // MARK: XMLEventSink

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

    /// `unknown_starttag`: one start tag, whatever is open.
    private func begin(_ element: ElementName, ns: FeedNamespace, local: String, attributes: [XMLAttribute]) throws(ParseError) {
        noteStructure(local: local, ns: ns, attributes: attributes, isRoot: frames.isEmpty && rootName == nil)
        depth += 1
        let attrs = normalizedAttributes(attributes)
        let parent = frames.last
        // The reference's base URI: an xml:base (or base) attribute joins the current one; it is pushed per
        // element and, at the element's end, the parent's is restored only if it is not empty. So without a
        // document URL a base leaks out of its element until a non-empty one is restored.
        if let xb = attrs["xml:base"] ?? attrs["base"] {
            base = baseIndex(joinBase(bases[Int(base)], xb))
            docBase = baseIndex(joinBase(bases[Int(docBase)], xb))
        }
        baseStack.append((base, docBase))
        let base = bases[Int(self.base)], docBase = bases[Int(self.docBase)]
        var lang = attrs["xml:lang"] ?? attrs["lang"] ?? parent?.lang
        if lang?.isEmpty == true { lang = nil }
        if let lang, element.name == "feed" || element.name == "rss" {
            feedRecord.values["language"] = Self.replacing(lang, "_", "-")
        }
        frames.append(Frame(lang: lang))
        // Inside content, child elements are markup (unknown_starttag's inline-content branch).
        if incontent > 0, !(contentType ?? "xml").hasSuffix("xml") {
            if element.name == "xhtml_div" || element.name == "div" { return }  // "typepad does this"
            contentType = "application/xhtml+xml"
        }
        if incontent > 0, contentType == "application/xhtml+xml" {
            if element.local == "svg" { svgDepth += 1 }
            var tag = "<" + element.local
            for a in attributes where a.local == "href" || a.local == "src" || a.local == "alt" {
                tag += " \(a.local)=\"\(escape(a.value, quotes: true))\""
            }
            try appendData(tag + ">", escaping: false)
            return
        }
        if !element.prefixed {
            if !element.keepsTextInput { intextinput = false }
            if !element.keepsImage { inimage = false }
        }
        currentBase = base
        currentDocBase = docBase
        try start(element.handler, element.name, attrs)
    }

    /// `unknown_endtag`: one end tag, named by itself (in the loose reading it need not match what is open).
    private func finishElement(_ element: ElementName) throws(ParseError) {
        if loose, element.name == rootElementName { rootClosed = true }
        currentBase = bases[Int(base)]
        currentDocBase = bases[Int(docBase)]
        if element.local == "svg", svgDepth > 0 { svgDepth -= 1 }
        if svgDepth > 0 {
            _ = pop(element.name)
        } else {
            // The end handler runs for markup children too, as in the reference (a stray </title> inside
            // content ends the content mode).
            end(element.handler, element.name)
        }
        if incontent > 0, !(contentType ?? "xml").hasSuffix("xml") {
            if element.name == "xhtml_div" || element.name == "div" {
                _ = frames.popLast()
                return  // the reference returns before its base and depth bookkeeping
            }
            contentType = "application/xhtml+xml"
        }
        if incontent > 0, contentType == "application/xhtml+xml" {
            try appendData("</" + element.local + ">", escaping: false)
        }
        _ = frames.popLast()
        restoreBase()
        depth -= 1
    }

    func text(_ s: String) throws(ParseError) {
        try appendData(s, escaping: true)
    }

    private func restoreBase() {
        _ = baseStack.popLast()
        if let parent = baseStack.last {
            if parent.base != 0 { base = parent.base }
            if parent.docBase != 0 { docBase = parent.docBase }
        }
    }

    /// The index of a base URI in `bases` (0 for none or empty), added when new.
    private func baseIndex(_ b: String?) -> Int32 {
        guard let b, !b.isEmpty else { return 0 }
        if let i = bases.lastIndex(where: { $0 == b }) { return Int32(i) }
        bases.append(b)
        return Int32(bases.count - 1)
    }

    // MARK: The element stack (push, pop, handle_data)

    /// Whether a bucket's text is ever read (the schema's fields and what their handlers need).
    private static func keepsText(_ n: String) -> Bool {
        switch n.utf8.count {
        case 2: return n == "id"
        case 3: return n == "url" || n == "ttl"
        case 4: return n == "link" || n == "href" || n == "name" || n == "tags"
        case 5: return n == "title" || n == "email"
        case 6: return n == "author"
        case 7: return n == "summary" || n == "content" || n == "updated"
        case 8: return n == "subtitle" || n == "language" || n == "category"
        case 9: return n == "generator" || n == "published"
        case 11: return n == "description"
        case 14: return n == "media_keywords"
        case 15: return n == "itunes_keywords" || n == "sy_updateperiod"
        case 18: return n == "sy_updatefrequency"
        default: return false
        }
    }

    private func push(_ name: String, _ expectingText: Bool) {
        buckets.append(Bucket(name: name, expectingText: expectingText, keepsText: Self.keepsText(name)))
    }

    private func appendData(_ s: String, escaping: Bool) throws(ParseError) {
        let last = buckets.count - 1
        guard last >= 0, buckets[last].keepsText else { return }
        let piece = escaping && contentIsXHTML ? escape(s, quotes: false) : s
        buckets[last].text += piece
        if buckets[last].text.utf8.count > limits.maxFieldBytes {
            throw ParseError(.limitExceeded, "text of <\(buckets[last].name)> exceeds \(limits.maxFieldBytes) bytes")
        }
    }

    // The reference's `can_be_relative_uri` also names comments, docs, icon, logo and wfw_comment(rss): their
    // buckets' text is never read here, so only link, href, id and url are resolved.

    /// The reference's `pop`: takes the bucket `name` off the stack (nil when another is on top) and stores
    /// its text where the state says.
    @discardableResult
    private func pop(_ name: String, stripWhitespace: Bool = true) -> String? {
        let n = buckets.count
        guard n > 0, buckets[n - 1].name == name else { return nil }
        let top = buckets.removeLast()
        var output = stripWhitespace ? Self.pyStrip(top.text) : top.text
        // A bucket whose text no field reads stores nothing anyone reads either (the base64 flag still ends here).
        guard top.expectingText, top.keepsText else {
            if top.expectingText { contentBase64 = false }
            return output
        }
        if contentBase64, let decoded = Self.base64Text(output) { output = decoded }
        if !output.isEmpty, name == "link" || name == "href" || name == "id" || name == "url" {
            if name != "id" { output = resolve(output, base: currentBase) }
            else if guidIsLink { output = resolveID(output) }
        }
        if loose, !contentBase64 { output = Self.decodingLooseEntities(output, contentType: contentType) }
        // Some RSS elements are nominally plain text but carry HTML: sniffed as the reference does.
        if !referenceVersion.hasPrefix("atom"), contentType == "text/plain", Self.looksLikeHTML(output) {
            contentType = "text/html"
        }
        contentBase64 = false
        output = Self.repairingMojibake(output)
        if name == "category" || name == "tags" || name == "itunes_keywords" { return output }
        if name == "title", titleDepth > -1, titleDepth <= depth { return output }
        if inentry, !insource, let entry = currentEntry {
            if name == "content" {
                entry.contents.append((output, contentType))
            } else if name == "link" {
                if !inimage {
                    output = Self.fixingQueryReferences(Self.replacing(output, "&amp;", "&"))
                    entry.values["link"] = output
                    if !output.isEmpty { entry.links?.last?.attributes["href"] = output }
                }
            } else {
                let key = name == "description" ? "summary" : name
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
            let key = name == "description" ? "subtitle" : name
            context.values[key] = output
            if key == "link" {
                output = Self.fixingQueryReferences(output)
                context.values["link"] = output
                context.links?.last?.attributes["href"] = output
            } else if incontent > 0 {
                context.details[key] = contentType
            }
        }
        return output
    }

    private func pushContent(_ name: String, _ attrs: Attrs, defaultType: String, expectingText: Bool) {
        incontent += 1
        let type = Self.mapContentType(attrs["type"] ?? defaultType)
        contentType = type
        contentBase64 = attrs["mode"] == "base64"
            || !(type.hasPrefix("text/") || type.hasSuffix("+xml") || type.hasSuffix("/xml"))
        push(name, expectingText)
    }

    @discardableResult
    private func popContent(_ name: String) -> String? {
        let value = pop(name)
        incontent -= 1
        contentType = nil
        contentBase64 = false
        return value
    }

    /// `_get_context`: where the element being read stores what it says.
    private func context() -> Record {
        if insource { return sourceRecord }
        if inimage, let image = feedRecord.image { return image }
        if intextinput { return feedRecord.textinput ?? Record() }
        if inentry, let entry = currentEntry { return entry }
        return feedRecord
    }

    /// `_save`: stores a value in the context, keeping an earlier one unless `overwrite`.
    private func save(_ key: String, _ value: String?, overwrite: Bool = false) {
        let c = context()
        if overwrite || c.values[key] == nil { c.values[key] = value ?? "" }
    }

    // MARK: Handlers

    private func start(_ handler: Handler, _ name: String, _ attrs: Attrs) throws(ParseError) {
        let readsText = infeed || inentry || insource
        switch handler {
        case .rss:
            if referenceVersion.isEmpty || !referenceVersion.hasPrefix("rss") {
                let v = attrs["version"] ?? ""
                referenceVersion = ["0.91": "rss091u", "0.92": "rss092", "0.93": "rss093", "0.94": "rss094"][v]
                    ?? (v.hasPrefix("2.") ? "rss20" : "rss")
            }
        case .channel:
            infeed = true
            cdfCommon(attrs)
        case .feed:
            infeed = true
            if referenceVersion.isEmpty {
                referenceVersion = ["0.1": "atom01", "0.2": "atom02", "0.3": "atom03"][attrs["version"] ?? ""] ?? "atom"
            }
        case .image:
            let c = context()
            if !inentry, c.image == nil { c.image = Record() }
            inimage = true
            titleDepth = -1
            push("image", false)
        case .textinput:
            let c = context()
            if c.textinput == nil { c.textinput = Record() }
            intextinput = true
            titleDepth = -1
            push("textinput", false)
        case .author:
            inauthor = true
            push("author", true)
            let c = context()
            c.authors = (c.authors ?? []) + [Person()]
        case .contributor:
            incontributor = true
            push("contributor", false)
        case .dcContributor:
            incontributor = true
            push("name", false)
        case .name: push("name", false)
        case .email: push("email", false)
        case .url: push("href", true)
        case .widthHeight: push(name, false)
        case .subtitle:
            pushContent("subtitle", attrs, defaultType: "text/plain", expectingText: true)
        case .rights:
            pushContent("rights", attrs, defaultType: "text/plain", expectingText: true)
        case .item:
            try startItem(attrs)
        case .language: push("language", true)
        case .webmaster: push("publisher", true)
        case .published: push("published", true)
        case .updated: push("updated", true)
        case .created: push("created", true)
        case .expirationdate: push("expired", true)
        case .category:
            startCategory(attrs)
        case .itunesCategory:
            addTag(attrs["text"], Self.itunesScheme, nil)
            push("category", true)
        case .mediaCategory:
            var a = attrs
            if a["scheme"] == nil { a["scheme"] = "http://search.yahoo.com/mrss/category_schema" }
            startCategory(a)
        case .tags: push("tags", true)
        case .noBucket: break
        case .link: startLink(attrs)
        case .guid:
            guidIsLink = (attrs["ispermalink"] ?? "true") == "true"
            push("id", true)
        case .title, .mediaTitle:
            pushContent("title", attrs, defaultType: "text/plain", expectingText: readsText)
        case .description:
            if context().values["summary"] != nil, !hasContent {
                summaryKey = "content"
                startContent(attrs)
            } else {
                pushContent("description", attrs, defaultType: "text/html", expectingText: readsText)
            }
        case .abstract:
            pushContent("description", attrs, defaultType: "text/plain", expectingText: readsText)
        case .info:
            pushContent("info", attrs, defaultType: "text/plain", expectingText: true)
        case .generator: push("generator", true)
        case .summary:
            if context().values["summary"] != nil, !hasContent {
                summaryKey = "content"
                startContent(attrs)
            } else {
                summaryKey = "summary"
                pushContent("summary", attrs, defaultType: "text/plain", expectingText: true)
            }
        case .enclosure:
            var a = Self.enforcingHref(attrs)
            a["rel"] = "enclosure"
            let c = context()
            c.links = (c.links ?? []) + [Link(a)]
        case .source:
            if let url = attrs["url"] { sourceRecord.values["href"] = url }
            push("source", true)
            insource = true
            titleDepth = -1
        case .content: startContent(attrs)
        case .body:
            pushContent("content", attrs, defaultType: "application/xhtml+xml", expectingText: true)
        case .contentEncoded:
            hasContent = true
            pushContent("content", attrs, defaultType: "text/html", expectingText: true)
        case .newlocation: push("newlocation", true)
        case .itunesOwner:
            inpublisher = true
            push("publisher", false)
        case .itunesImage:
            push("itunes_image", false)
            if let href = attrs["href"], !href.isEmpty {
                let image = Record()
                image.values["href"] = href
                context().image = image
            } else if let url = attrs["url"], !url.isEmpty {
                let image = Record()
                image.values["href"] = url
                context().image = image
            }
        case .mediaThumbnail: push("url", true)
        case .mediaPlayer: push("media_player", false)
        case .mediaRating: push("rating", true)
        case .mediaCredit: push("credit", true)
        case .mediaRestriction: push("restriction", true)
        case .mediaLicense: push("license", true)
        default:
            // No handler: the element's own bucket, unless it has attributes (then its text is its parent's).
            if attrs.isEmpty { push(name, true) }
        }
    }

    private func end(_ handler: Handler, _ name: String) {
        switch handler {
        case .channel, .feed: infeed = false
        case .image:
            pop("image")
            inimage = false
        case .textinput:
            pop("textinput")
            intextinput = false
        case .author:
            pop("author")
            inauthor = false
            syncAuthorDetail("author")
        case .contributor:
            pop("contributor")
            incontributor = false
        case .dcContributor:
            endName()
            incontributor = false
        case .name: endName()
        case .email: endEmail()
        case .url:
            let value = pop("href")
            if inauthor { saveAuthor("href", value) }
        case .subtitle: popContent("subtitle")
        case .rights: popContent("rights")
        case .item:
            pop("item")
            finishEntry()
            inentry = false
            hasContent = false
        case .language: pop("language")
        case .webmaster:
            pop("publisher")
            syncAuthorDetail("publisher")
        case .published:
            let value = pop("published")
            context().dates["published"] = value.flatMap(FeedDate.parse)
        case .updated:
            let value = pop("updated")
            context().dates["updated"] = value.flatMap(FeedDate.parse)
        case .created: pop("created")
        case .expirationdate: pop("expired")
        case .category, .itunesCategory, .mediaCategory: endCategory()
        case .tags:
            guard let value = pop("tags") else { pop("tags"); return }
            for term in value.split(separator: ",", omittingEmptySubsequences: false) {
                addTag(Self.pyStrip(String(term)), nil, nil)
            }
        case .itunesKeywords, .mediaKeywords:
            guard let value = pop(name) else { pop(name); return }
            for term in value.split(separator: ",", omittingEmptySubsequences: false) {
                let t = Self.pyStrip(String(term))
                if !t.isEmpty { addTag(t, name == "itunes_keywords" ? Self.itunesScheme : nil, nil) }
            }
        case .link: pop("link")
        case .guid:
            let value = pop("id")
            if guidIsLink { save("link", value) }
        case .title: endTitle()
        case .mediaTitle:
            let kept = titleDepth
            endTitle()
            titleDepth = kept
        case .description, .abstract:
            if summaryKey == "content" {
                guard endContent() else { pop(name); return }
            } else {
                popContent("description")
            }
            summaryKey = nil
        case .info: popContent("info")
        case .generator: pop("generator")
        case .summary:
            if summaryKey == "content" {
                guard endContent() else { pop(name); return }
            } else {
                popContent(summaryKey ?? "summary")
            }
            summaryKey = nil
        case .source:
            insource = false
            pop("source")
            sourceRecord = Record()
        case .content, .body, .contentEncoded:
            if !endContent() { pop(name) }
        case .newlocation: pop("newlocation")
        case .itunesOwner:
            pop("publisher")
            inpublisher = false
            syncAuthorDetail("publisher")
        case .mediaThumbnail: pop("url")
        case .mediaPlayer: pop("media_player")
        case .mediaRating: pop("rating")
        case .mediaCredit: pop("credit")
        case .mediaRestriction: pop("restriction")
        case .mediaLicense: pop("license")
        default: pop(name)
        }
    }

    /// `_cdf_common`: a CDF channel or item's `lastmod` and `href` attributes.
    private func cdfCommon(_ attrs: Attrs) {
        if let lastmod = attrs["lastmod"] {
            push("updated", true)
            buckets[buckets.count - 1].text = lastmod
            let value = pop("updated")
            context().dates["updated"] = value.flatMap(FeedDate.parse)
        }
        if let href = attrs["href"] {
            startLink([:])
            if buckets.last?.name == "link" { buckets[buckets.count - 1].text = href }
            pop("link")
        }
    }

    private func startItem(_ attrs: Attrs) throws(ParseError) {
        // An item inside an item starts a new entry: the outer one is complete, and what follows the inner
        // one's end belongs to the feed (the reference appends a new entry and leaves the old one behind).
        finishEntry()
        if result.entries.count >= limits.maxEntries {
            throw ParseError(.limitExceeded, "more than \(limits.maxEntries) entries")
        }
        currentEntry = Record()
        push("item", false)
        inentry = true
        guidIsLink = false
        titleDepth = -1
        if let about = attrs["rdf:about"], !about.isEmpty { context().values["id"] = about }
        cdfCommon(attrs)
    }

    private func startLink(_ attributes: Attrs) {
        var attrs = attributes
        if attrs["rel"] == nil { attrs["rel"] = "alternate" }
        if attrs["type"] == nil { attrs["type"] = attrs["rel"] == "self" ? "application/atom+xml" : "text/html" }
        let c = context()
        attrs = Self.enforcingHref(attrs)
        if let href = attrs["href"] { attrs["href"] = resolve(href, base: currentBase) }
        if !(inentry && inimage) { c.links = (c.links ?? []) + [Link(attrs)] }
        if let href = attrs["href"] {
            if attrs["rel"] == "alternate", Self.htmlTypes.contains(Self.mapContentType(attrs["type"] ?? "")) {
                c.values["link"] = href
            }
        } else {
            push("link", infeed || inentry || insource)
        }
    }

    private func startContent(_ attrs: Attrs) {
        hasContent = true
        pushContent("content", attrs, defaultType: "text/plain", expectingText: true)
    }

    /// `_end_content`. False where the reference raises (the content's type was cleared by a stray end tag
    /// inside it) and its caller pops the element's own bucket instead.
    private func endContent() -> Bool {
        guard let type = contentType else { return false }
        let mapped = Self.mapContentType(type)
        let copyToSummary = mapped == "text/plain" || mapped == "text/html" || mapped == "application/xhtml+xml"
        let value = popContent("content")
        if copyToSummary { save("summary", value) }
        return true
    }

    private func endTitle() {
        let value = popContent("title")
        if let value, !value.isEmpty { titleDepth = depth }
    }

    // MARK: Categories

    private static let itunesScheme = "http://www.itunes.com/"

    private func startCategory(_ attrs: Attrs) {
        addTag(attrs["term"], attrs["scheme"] ?? attrs["domain"], attrs["label"])
        push("category", true)
    }

    private func endCategory() {
        guard let value = pop("category"), !value.isEmpty else { return }
        let c = context()
        if let last = c.tags?.last, last.term?.isEmpty ?? true {
            c.tags![c.tags!.count - 1].term = value
        } else {
            addTag(value, nil, nil)
        }
    }

    private func addTag(_ term: String?, _ scheme: String?, _ label: String?) {
        let c = context()
        if c.tags == nil { c.tags = [] }
        guard !(term ?? "").isEmpty || !(scheme ?? "").isEmpty || !(label ?? "").isEmpty else { return }
        let tag = Tag(term: term, scheme: scheme, label: label)
        if !c.tags!.contains(tag) { c.tags!.append(tag) }
    }

    // MARK: Authors

    private func endName() {
        let value = pop("name")
        if inpublisher { saveAuthor("name", value, publisher: true) }
        else if inauthor { saveAuthor("name", value) }
    }

    private func endEmail() {
        let value = pop("email")
        if inpublisher { saveAuthor("email", value, publisher: true) }
        else if inauthor { saveAuthor("email", value) }
    }

    /// `_save_author`: the detail record, then the last author, whichever element it came from (an
    /// `itunes:owner`'s name lands in the feed's last author).
    private func saveAuthor(_ key: String, _ value: String?, publisher: Bool = false) {
        let c = context()
        if publisher {
            if c.publisherDetail == nil { c.publisherDetail = Person() }
            c.publisherDetail!.values[key] = value ?? ""
        } else {
            if c.authorDetail == nil { c.authorDetail = Person() }
            c.authorDetail!.values[key] = value ?? ""
        }
        syncAuthorDetail("author")
        if c.authors == nil { c.authors = [Person()] }
        c.authors?.last?.values[key] = value ?? ""
    }

    /// `_sync_author_detail`: the author string from the last author's name and e-mail, or the last author's
    /// name and e-mail from the author string ("email (Name)", "Name <email>").
    private func syncAuthorDetail(_ key: String) {
        let c = context()
        let detail = (key == "author" ? c.authors?.last : nil) ?? Person()
        if !detail.isEmpty {
            let name = detail.values["name"] ?? "", email = detail.values["email"] ?? ""
            if !name.isEmpty, !email.isEmpty { c.values[key] = "\(name) (\(email))" }
            else if !name.isEmpty { c.values[key] = name }
            else if !email.isEmpty { c.values[key] = email }
            return
        }
        guard let text = c.values[key], !text.isEmpty else { return }
        let (name, email) = Self.splitAuthor(text)
        if !name.isEmpty || email != nil {
            if key == "author" { if c.authorDetail == nil { c.authorDetail = detail } }
            else if c.publisherDetail == nil { c.publisherDetail = detail }
        }
        if !name.isEmpty { detail.values["name"] = name }
        if let email { detail.values["email"] = email }
    }

    /// An author string's name and e-mail as the reference splits it: the first e-mail address is cut out,
    /// with "()", "<>" and one pair of enclosing parentheses.
    static func splitAuthor(_ text: String) -> (name: String, email: String?) {
        guard let email = ReferenceEmail.firstMatch(in: text) else { return (pyStrip(text), nil) }
        var author = replacing(replacing(replacing(replacing(text, email, ""), "()", ""), "<>", ""), "&lt;&gt;", "")
        author = pyStrip(author)
        if author.hasPrefix("(") { author.removeFirst() }
        if author.hasSuffix(")") { author.removeLast() }
        return (pyStrip(author), email)
    }

    // MARK: Structure (format, root)

    private func noteStructure(local: String, ns: FeedNamespace, attributes: [XMLAttribute], isRoot: Bool) {
        if isRoot {
            startRoot(local: local, ns: ns, attributes: attributes)
        } else if !sawFeedStructure {
            // Not (yet) inside a feed: look for one nested in a wrapper (an XHTML page holding an Atom feed).
            if ["feed", "rss", "rdf", "channel"].contains(local.lowercased()), ns.isCore || ns == .rdf {
                startRoot(local: local, ns: ns, attributes: attributes)
            }
        }
        if ns == .rss10 && result.format == .unknown && rootName?.lowercased() == "rdf" { result.format = .rss10 }
        if ns == .rss090 && result.format == .unknown && rootName?.lowercased() == "rdf" { result.format = .rss09x }
        if local == "channel", ns.isCore, channelAbout == nil,
           let about = attributes.first(where: { $0.local == "about" })?.value.trimmingSpaces(), !about.isEmpty {
            channelAbout = about  // RSS 1.0: the channel's URI
        }
    }

    private func startRoot(local: String, ns: FeedNamespace, attributes: [XMLAttribute]) {
        rootName = local
        rootNamespace = ns
        let version = attributes.first(where: { $0.local == "version" && $0.namespace == nil })?.value.trimmingSpaces()
        switch local.lowercased() {
        case "rss":
            sawFeedStructure = true
            if let v = version {
                if v.hasPrefix("2") { result.format = .rss20 }
                else if v.hasPrefix("0.9") { result.format = .rss09x }
            }
        case "rdf":
            sawFeedStructure = true
        case "feed":
            sawFeedStructure = true
            isAtomDocument = true
            if ns == .atom10 || (ns == .none && pendingNamespaces.contains("http://www.w3.org/2005/Atom")) {
                result.format = .atom10
            }
            else if ns == .atom03 || ["0.1", "0.2", "0.3"].contains(version ?? "") { result.format = .atom03 }
        case "channel":
            sawFeedStructure = true
        default:
            break
        }
    }

    // MARK: Results

    /// Maps a finished entry record to the schema (oracle.py's reading of feedparser's entry).
    private func finishEntry() {
        guard let e = currentEntry else { return }
        currentEntry = nil
        var entry = FeedEntry()
        entry.id = e.values["id"].flatMap(nonEmptyPlain)
        entry.title = text(e, "title")
        entry.link = e.values["link"].flatMap(outputURL)
        entry.published = e.dates["published"] ?? nil
        entry.updated = e.dates["updated"] ?? nil
        entry.author = person(e)
        entry.categories = (e.tags ?? []).compactMap { tag in
            nonEmptyPlain(tag.term ?? "") ?? nonEmptyPlain(tag.label ?? "")
        }
        // The longest content (by characters, as the oracle measures); a summary copied from a content (the
        // reference's setdefault) is the same text, converted once.
        var converted: [(raw: String, plain: Bool, text: String?)] = []
        var best: String?, bestLength = -1
        for c in e.contents {
            let t = text(c.value, type: c.type)
            converted.append((c.value, Self.isPlainType(c.type), t))
            if let t {
                let length = e.contents.count == 1 ? 0 : t.unicodeScalars.count
                if length > bestLength { best = t; bestLength = length }
            }
        }
        entry.content = best
        if let raw = e.values["summary"] {
            let type = e.details["summary"] ?? nil
            let plain = Self.isPlainType(type)
            if let same = converted.first(where: { $0.plain == plain && $0.raw == raw }) {
                entry.summary = same.text
            } else {
                entry.summary = text(raw, type: type)
            }
        }
        for link in e.links ?? [] where link.attributes["rel"] == "enclosure" {
            guard let href = link.attributes["href"], let url = outputURL(href) else { continue }
            let type = link.attributes["type"].map(Self.pyStrip)
            entry.enclosures.append(Enclosure(url: url, type: type?.isEmpty == false ? type : nil,
                                              length: link.attributes["length"].flatMap { Int(Self.pyStrip($0)) }))
        }
        result.entries.append(entry)
    }

    private func finishDocument() {
        guard !finished else { return }
        finished = true
        if result.format == .unknown {
            // The version the reference read (namespaces declared, root attributes): in the loose reading an
            // RSS 1.0 item in the document's default namespace is not known as such.
            switch referenceVersion {
            case "rss090", "rss091u", "rss091n", "rss092", "rss093", "rss094": result.format = .rss09x
            case "rss10": result.format = .rss10
            case "rss20": result.format = .rss20
            case "atom01", "atom02", "atom03": result.format = .atom03
            case "atom10": result.format = .atom10
            default: break
            }
        }
        let f = feedRecord
        result.feed.title = text(f, "title")
        result.feed.link = f.values["link"].flatMap(outputURL)
        result.feed.subtitle = text(f, "subtitle")
        result.feed.id = f.values["id"].flatMap(nonEmptyPlain) ?? (result.format == .rss10 ? channelAbout : nil)
        result.feed.language = f.values["language"].flatMap(nonEmptyPlain)
        result.feed.updated = f.dates["updated"] ?? nil
        result.feed.author = person(f)
        result.feed.generator = f.values["generator"].flatMap(nonEmptyPlain)
        if let image = f.image {
            result.feed.image = (image.values["href"].flatMap(nonEmptyPlain) ?? image.values["url"].flatMap(nonEmptyPlain))
                .flatMap(outputURL)
        }
        if isAtomDocument, let author = result.feed.author {
            // RFC 4287 4.2.1: an entry without atom:author inherits the feed's.
            for i in result.entries.indices where result.entries[i].author == nil { result.entries[i].author = author }
        }
        result.pollHint.ttlMinutes = f.values["ttl"].flatMap { Int($0) }
        if let p = f.values["sy_updateperiod"]?.lowercased() {
            let seconds: Int? = ["hourly": 3600, "daily": 86_400, "weekly": 604_800, "monthly": 2_592_000,
                                 "yearly": 31_536_000][p]
            let frequency = f.values["sy_updatefrequency"].flatMap { Int($0) }
            if let seconds { result.pollHint.syndicationPeriodSeconds = seconds / max(1, frequency ?? 1) }
        }
    }

    /// Call when the parse ended, possibly early on an error libxml2 could not recover from. An entry still
    /// open then is dropped: its fields may be cut anywhere, and a partial entry archived now would shadow
    /// the whole one later (the document is reported as not well-formed).
    func finish() {
        if loose {
            // A document whose root element closed keeps an entry that merely lacks its end tag; one that
            // stops before (a truncated download) drops it.
            if currentEntry != nil, !rootClosed {
                droppedOpenEntry = true
                currentEntry = nil
            }
            finishEntry()
            finishDocument()
        } else if !frames.isEmpty {
            frames.removeAll()
            droppedOpenEntry = currentEntry != nil
            currentEntry = nil
            finishDocument()
        }
    }

    /// Whether the document ended inside an entry, which `finish` dropped.
    private(set) var droppedOpenEntry = false

    private func text(_ r: Record, _ key: String) -> String? {
        guard let value = r.values[key] else { return nil }
        return text(value, type: r.details[key] ?? nil)
    }

    /// The schema's plain text of a value: `text/plain` collapsed, anything else read as HTML (oracle.py's
    /// `text_for`).
    private static func isPlainType(_ type: String?) -> Bool {
        let t = (type ?? "").lowercased()
        return t == "text/plain" || t == "text" || t == "plain"
    }

    private func text(_ value: String, type: String?) -> String? {
        let out = Self.isPlainType(type) ? PlainText.collapse(value)
            : ReferenceSanitizer.keepingControlCharacters(value) { v in
                let sanitized = ReferenceSanitizer.separatingBlockEndTags(ReferenceSanitizer.droppingUnacceptableContent(v))
                return PlainText.fromHTML(Self.sanitizingEntityNames(sanitized), parser: html)
            }
        let trimmed = out.trimmingSpaces()
        return trimmed.isEmpty ? nil : trimmed
    }

    private func nonEmptyPlain(_ s: String) -> String? {
        let t = PlainText.collapse(s)
        return t.isEmpty ? nil : t
    }

    /// oracle.py's `_person`: the first author's name, else e-mail; else the detail record's; else the string.
    private func person(_ r: Record) -> String? {
        for p in [r.authors?.first, r.authorDetail].compactMap({ $0 }) where !p.isEmpty {
            if let n = nonEmptyPlain(p.values["name"] ?? "") ?? nonEmptyPlain(p.values["email"] ?? "") { return n }
        }
        return r.values["author"].flatMap(nonEmptyPlain)
    }

    // MARK: Names and attributes

    private struct NameKey: Hashable {
        var ns: FeedNamespace
        var prefix: String?
        var local: String
    }

    /// feedparser's name of an element: the vocabulary's standard prefix and the lower-cased local name; an
    /// unknown namespace keeps the document's prefix, and an unprefixed element of an unknown namespace is
    /// read as RSS/Atom.
    private func elementName(ns: FeedNamespace, prefix: String?, local: String) -> ElementName {
        let key = NameKey(ns: ns, prefix: ns == .other ? prefix : nil, local: local)
        // A direct-mapped cache in front of the dictionary: names repeat, and comparing the same small strings
        // is cheaper than hashing them.
        let u = local.utf8
        let slot = (u.count &* 31 &+ Int(u.first ?? 0) &* 7 &+ Int(u.last ?? 0)) & 63
        if let hit = recentNames[slot], hit.key == key { return hit.name }
        if let known = names[key] {
            recentNames[slot] = (key, known)
            return known
        }
        let lower = Self.lowercasedASCII(local)
        let p: String
        switch ns {
        case .none, .atom10, .atom03, .rss10, .rss090: p = ""
        case .other: p = prefix?.lowercased() ?? ""
        default: p = ns.prefix
        }
        let name = p.isEmpty ? lower : p + "_" + lower
        let e = ElementName(name: name, local: lower, prefixed: !p.isEmpty, handler: Self.handlers[name] ?? .unknown,
                            keepsTextInput: ["title", "link", "description", "name"].contains(lower),
                            keepsImage: ["title", "link", "description", "url", "href", "width", "height"].contains(lower))
        if names.count < 512 { names[key] = e }
        recentNames[slot] = (key, e)
        return e
    }

    /// feedparser's attribute dictionary: keys lower-cased ("prefix:local" for a known namespace), `rel` and
    /// `type` values lower-cased.
    private func normalizedAttributes(_ attributes: [XMLAttribute]) -> Attrs {
        var out: Attrs = [:]
        guard !attributes.isEmpty else { return out }
        for a in attributes {
            var key = Self.lowercasedASCII(a.local)
            if let uri = a.namespace {
                let ns = classify(uri: uri, prefix: a.prefix)
                if ns != .other, ns != .none, !ns.isCore { key = ns.prefix + ":" + key }
            } else if let p = a.prefix {
                key = Self.lowercasedASCII(p) + ":" + key
            }
            out[key] = (key == "rel" || key == "type") ? a.value.lowercased() : a.value
        }
        return out
    }

    /// `lowercased()` without building a new String for the usual name that has no upper-case letter.
    static func lowercasedASCII(_ s: String) -> String {
        s.utf8.contains(where: { $0 >= 65 && $0 <= 90 || $0 >= 0x80 }) ? s.lowercased() : s
    }

    /// Namespace URIs seen in this document and their vocabulary (a URI's class does not depend on the prefix).
    private var namespaceCache: [(uri: String, ns: FeedNamespace)] = []

    private func classify(uri: String?, prefix: String?) -> FeedNamespace {
        guard let uri, !uri.isEmpty else { return FeedNamespace.classify(uri: uri, prefix: prefix) }
        for entry in namespaceCache where entry.uri == uri { return entry.ns }
        let ns = FeedNamespace.classify(uri: uri, prefix: prefix)
        if namespaceCache.count < 16 { namespaceCache.append((uri, ns)) }
        return ns
    }

    // MARK: URLs

    /// `resolve_uri`: a reference against the base in scope.
    private func resolve(_ ref: String, base: String?) -> String {
        let r = ref.trimmingSpaces()
        guard let base, !base.isEmpty else { return r }
        if r.isEmpty { return base }
        return LibXML.resolveURI(r, base: base) ?? r
    }

    /// An id that is a permalink is resolved as the reference resolves it, but against the document's own
    /// xml:base only: resolving opaque ids ("12345") against the URL the feed was fetched from would change
    /// them with the URL.
    private func resolveID(_ ref: String) -> String {
        guard let base = currentDocBase, !base.isEmpty else { return ref }
        return resolve(ref, base: base)
    }

    /// An xml:base against its parent's: kept only if the result has a scheme the reference accepts.
    private func joinBase(_ parent: String?, _ value: String) -> String? {
        guard let parent, !parent.isEmpty else { return value }
        let joined = resolve(value, base: parent)
        let scheme = joined.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        return Self.acceptableSchemes.contains(scheme) ? joined : parent
    }

    private static let acceptableSchemes: Set<String> = [
        "file", "ftp", "gopher", "h323", "hdl", "http", "https", "imap", "magnet", "mailto", "mms", "news", "nntp",
        "prospero", "rsync", "rtsp", "rtspu", "sftp", "shttp", "sip", "sips", "snews", "svn", "svn+ssh", "telnet",
        "wais", "aim", "callto", "cvs", "facetime", "feed", "git", "gtalk", "irc", "ircs", "irc6", "itms", "msnim",
        "skype", "ssh", "smb", "ymsg",
    ]

    /// A URL field of the result: resolved against the document's URL, nil unless http(s) (`URLSafety`).
    private func outputURL(_ raw: String) -> String? {
        switch URLSafety.check(raw, base: documentURL) {
        case .safe(let url): return url
        case .unsafe:
            result.unsafeURLs += 1
            return nil
        case .empty: return nil
        }
    }

    // MARK: Helpers

    private static let htmlTypes: Set<String> = ["text/html", "application/xhtml+xml"]

    static func mapContentType(_ type: String) -> String {
        let t = type.lowercased()
        switch t {
        case "text", "plain": return "text/plain"
        case "html": return "text/html"
        case "xhtml": return "application/xhtml+xml"
        default: return t
        }
    }

    /// `_enforce_href`: `url`, else `uri`, else `href` becomes `href`.
    private static func enforcingHref(_ attributes: Attrs) -> Attrs {
        var a = attributes
        if let href = a["url"] ?? a["uri"] ?? a["href"], !href.isEmpty {
            a["url"] = nil
            a["uri"] = nil
            a["href"] = href
        }
        return a
    }

    /// "&name;" left in a link by sloppy escaping ("?a=1&b;=2") reads as "&name".
    private static func fixingQueryReferences(_ s: String) -> String {
        guard s.utf8.contains(UInt8(ascii: "&")) else { return s }
        var out = ""
        var rest = s[...]
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            let after = rest[rest.index(after: amp)...]
            let nameEnd = after.firstIndex(where: { !($0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_")) }) ?? after.endIndex
            if nameEnd > after.startIndex, nameEnd < after.endIndex, after[nameEnd] == ";" {
                out += "&" + after[after.startIndex..<nameEnd]
                rest = after[after.index(after: nameEnd)...]
            } else {
                out += "&"
                rest = after
            }
        }
        return out + rest
    }

    /// The reference's `looks_like_html`: a close tag or an entity reference, every tag an acceptable HTML
    /// element, every entity an HTML one.
    static func looksLikeHTML(_ s: String) -> Bool {
        guard s.utf8.contains(where: { $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: "&") }) else { return false }
        let u = Array(s.utf8)
        var sawCloseTag = false, sawReference = false
        var i = 0
        while i < u.count {
            if u[i] == UInt8(ascii: "<") {
                var j = i + 1
                let close = j < u.count && u[j] == UInt8(ascii: "/")
                if close { j += 1 }
                let start = j
                while j < u.count, isWordByte(u[j]) { j += 1 }
                if j > start {
                    let name = String(decoding: u[start..<j], as: UTF8.self).lowercased()
                    if !acceptableElements.contains(name) { return false }
                    if close, j < u.count, u[j] == UInt8(ascii: ">") { sawCloseTag = true }
                }
            } else if u[i] == UInt8(ascii: "&") {
                var j = i + 1
                let numeric = j < u.count && u[j] == UInt8(ascii: "#")
                if numeric { j += 1 }
                let start = j
                while j < u.count, isWordByte(u[j]) { j += 1 }
                if j > start, j < u.count, u[j] == UInt8(ascii: ";") {
                    sawReference = true
                    if !numeric, LibXML.htmlEntity(named: String(decoding: u[start..<j], as: UTF8.self)) == nil
                        && !["apos"].contains(String(decoding: u[start..<j], as: UTF8.self)) {
                        return false
                    }
                }
            }
            i += 1
        }
        return sawCloseTag || sawReference
    }

    private static func isWordByte(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 || b >= 0x80
    }

    /// The sanitizer's acceptable elements (feedparser `_HTMLSanitizer.acceptable_elements`).
    private static let acceptableElements: Set<String> = [
        "a", "abbr", "acronym", "address", "area", "article", "aside", "audio", "b", "big", "blockquote", "br",
        "button", "canvas", "caption", "center", "cite", "code", "col", "colgroup", "command", "datagrid",
        "datalist", "dd", "del", "details", "dfn", "dialog", "dir", "div", "dl", "dt", "em", "event-source",
        "fieldset", "figcaption", "figure", "footer", "font", "form", "header", "h1", "h2", "h3", "h4", "h5", "h6",
        "hr", "i", "img", "input", "ins", "keygen", "kbd", "label", "legend", "li", "m", "map", "menu", "meter",
        "multicol", "nav", "nextid", "ol", "output", "optgroup", "option", "p", "pre", "progress", "q", "s", "samp",
        "section", "select", "small", "sound", "source", "spacer", "span", "strike", "strong", "sub", "sup",
        "table", "tbody", "td", "textarea", "time", "tfoot", "th", "thead", "tr", "tt", "u", "ul", "var", "video",
        "noscript",
    ]

    /// The reference's HTML sanitizer (`_BaseHTMLProcessor.handle_entityref`) keeps an entity reference only
    /// if HTML 4 names it: `&name` (with or without `;`) of any other name is text, `&amp;name`. So an
    /// ill-formed "AT&T wins" reads "AT&T wins", not "AT&T; wins".
    static func sanitizingEntityNames(_ html: String) -> String {
        var html = html
        let suspect = html.withUTF8 { u -> Bool in
            // Any "&" followed by a letter whose name is not an HTML entity: else the text stays as it is.
            guard let base = u.baseAddress else { return false }
            var i = 0
            while i < u.count, let hit = memchr(base + i, Int32(UInt8(ascii: "&")), u.count - i) {
                i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self)) + 1
                guard i < u.count, LooseXMLParser.isLetter(u[i]) else { continue }
                var j = i
                while j < u.count, LooseXMLParser.isLetter(u[j]) || LooseXMLParser.isDigit(u[j]) || u[j] == UInt8(ascii: "-")
                        || u[j] == UInt8(ascii: ".") { j += 1 }
                guard j < u.count else { continue }
                let name = String(decoding: UnsafeBufferPointer(rebasing: u[i..<j]), as: UTF8.self)
                if name != "apos", LibXML.htmlEntity(named: name) == nil { return true }
                i = j
            }
            return false
        }
        guard suspect else { return html }
        let u = Array(html.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(u.count + 16)
        var i = 0
        var changed = false
        while i < u.count {
            guard u[i] == UInt8(ascii: "&"), i + 1 < u.count, LooseXMLParser.isLetter(u[i + 1]) else {
                out.append(u[i]); i += 1; continue
            }
            var j = i + 1
            while j < u.count, LooseXMLParser.isLetter(u[j]) || LooseXMLParser.isDigit(u[j]) || u[j] == UInt8(ascii: "-")
                    || u[j] == UInt8(ascii: ".") { j += 1 }
            // sgmllib's entityref needs a character after the name.
            guard j < u.count else { out.append(contentsOf: u[i..<j]); i = j; continue }
            let name = String(decoding: u[(i + 1)..<j], as: UTF8.self)
            if name == "apos" || LibXML.htmlEntity(named: name) != nil {
                out.append(contentsOf: u[i..<j])
            } else {
                out.append(contentsOf: "&amp;".utf8)
                out.append(contentsOf: u[(i + 1)..<j])
                if u[j] == UInt8(ascii: ";") { j += 1 }
                changed = true
            }
            i = j
        }
        return changed ? String(decoding: out, as: UTF8.self) : html
    }

    /// Python's `str.replace`: every non-overlapping occurrence of `pattern`, left to right, byte by byte.
    static func replacing(_ s: String, _ pattern: String, _ replacement: String) -> String {
        var s = s
        return s.withUTF8 { u -> String in
            let pat = Array(pattern.utf8)
            guard let first = pat.first, u.count >= pat.count, let base = u.baseAddress,
                  memchr(base, Int32(first), u.count) != nil else { return String(decoding: u, as: UTF8.self) }
            var out: [UInt8] = []
            var i = 0, copied = 0
            let n = u.count, m = pat.count
            while i + m <= n {
                guard let hit = memchr(base + i, Int32(first), n - m + 1 - i) else { break }
                i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                var k = 1
                while k < m, u[i + k] == pat[k] { k += 1 }
                if k == m {
                    if out.isEmpty { out.reserveCapacity(n) }
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: u[copied..<i]))
                    out.append(contentsOf: replacement.utf8)
                    i += m
                    copied = i
                } else {
                    i += 1
                }
            }
            if copied == 0 { return String(decoding: u, as: UTF8.self) }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: u[copied..<n]))
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// Python's `str.strip()`: Unicode whitespace at both ends.
    static func pyStrip(_ s: String) -> String {
        guard let head = s.unicodeScalars.first, let tail = s.unicodeScalars.last else { return s }
        if !ReferenceDate.isSpace(head), !ReferenceDate.isSpace(tail) { return s }
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !ReferenceDate.isSpace($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !ReferenceDate.isSpace($0) })!
        return String(scalars[first...last])
    }

    /// `base64.decodebytes(...).decode('utf8')`, nil where it raises (the text is then kept as it is).
    private static func base64Text(_ s: String) -> String? {
        let alphabet = s.unicodeScalars.filter { ($0 >= "A" && $0 <= "Z") || ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "+" || $0 == "/" || $0 == "=" }
        guard let data = Data(base64Encoded: String(String.UnicodeScalarView(alphabet))) else { return nil }
        return String(validating: data, as: UTF8.self)
    }

    /// UTF-8 that was read as Latin-1 upstream ("cafÃ©") is read back: when every character of the value is
    /// Latin-1 and its bytes are valid UTF-8 (the reference's `encode('iso-8859-1').decode('utf-8')`).
    static func repairingMojibake(_ s: String) -> String {
        // Only characters U+0080...U+00FF (UTF-8 C2/C3 lead bytes) can take part, and none above U+00FF may be
        // there: most text is ruled out by its bytes alone.
        var s = s
        let candidate = s.withUTF8 { u -> Bool in
            var sawLatin1 = false
            for b in u where b >= 0xC2 {
                if b >= 0xC4 { return false }
                sawLatin1 = true
            }
            return sawLatin1
        }
        guard candidate else { return s }
        var bytes: [UInt8] = []
        var sawHigh = false
        for scalar in s.unicodeScalars {
            guard scalar.value <= 0xFF else { return s }
            if scalar.value >= 0x80 { sawHigh = true }
            bytes.append(UInt8(scalar.value))
        }
        guard sawHigh, let fixed = String(validating: bytes, as: UTF8.self) else { return s }
        return fixed
    }

    private func escape(_ s: String, quotes: Bool) -> String {
        func plain<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> Bool {
            !bytes.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || (quotes && $0 == 0x22) })
        }
        if s.utf8.withContiguousStorageIfAvailable(plain) ?? plain(s.utf8) { return s }
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count + 16)
        for b in s.utf8 {
            switch b {
            case 0x26: out.append(contentsOf: "&amp;".utf8)
            case 0x3C: out.append(contentsOf: "&lt;".utf8)
            case 0x3E: out.append(contentsOf: "&gt;".utf8)
            case 0x22 where quotes: out.append(contentsOf: "&quot;".utf8)
            default: out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// The reference's e-mail pattern in author strings (`mixin.py`, `_sync_author_detail`):
/// `[\w.+-]+@(\[\d{1,3}\.\d{1,3}\.\d{1,3}\.|([A-Za-z0-9-]+\.)+)([A-Za-z]{2,4}|\d{1,3})\]?(\?subject=\S+)?`,
/// ASCII classes, matched leftmost as `re.search` does.
enum ReferenceEmail {
    static func firstMatch(in text: String) -> String? {
        let s = Array(text.unicodeScalars)
        guard s.contains("@") else { return nil }
        for start in s.indices {
            if let end = match(s, from: start) { return String(String.UnicodeScalarView(s[start..<end])) }
        }
        return nil
    }

    private static func isLocal(_ c: Unicode.Scalar) -> Bool {
        c.isASCII && (c.properties.isAlphabetic || (c >= "0" && c <= "9") || c == "_" || c == "-" || c == "." || c == "+")
    }
    private static func isLabel(_ c: Unicode.Scalar) -> Bool {
        c.isASCII && (c.properties.isAlphabetic || (c >= "0" && c <= "9") || c == "-")
    }
    private static func isLetter(_ c: Unicode.Scalar) -> Bool { c.isASCII && c.properties.isAlphabetic }
    private static func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }

    private static func match(_ s: [Unicode.Scalar], from start: Int) -> Int? {
        var i = start
        while i < s.count, isLocal(s[i]) { i += 1 }
        guard i > start, i < s.count, s[i] == "@" else { return nil }
        let domainStart = i + 1
        // Candidate positions where the top-level part may start, longest domain first.
        var tldStarts: [Int] = []
        if domainStart < s.count, s[domainStart] == "[" {
            var k = domainStart + 1
            var ok = true
            for _ in 0..<3 {
                let d = k
                while k < s.count, k - d < 3, isDigit(s[k]) { k += 1 }
                guard k > d, k < s.count, s[k] == "." else { ok = false; break }
                k += 1
            }
            if ok { tldStarts.append(k) }
        }
        var labels: [Int] = []
        var k = domainStart
        while true {
            let d = k
            while k < s.count, isLabel(s[k]) { k += 1 }
            guard k > d, k < s.count, s[k] == "." else { break }
            k += 1
            labels.append(k)
        }
        tldStarts += labels.reversed()
        for t in tldStarts {
            var e = t
            while e < s.count, e - t < 4, isLetter(s[e]) { e += 1 }
            if e - t < 2 {
                e = t
                while e < s.count, e - t < 3, isDigit(s[e]) { e += 1 }
                if e == t { continue }
            }
            if e < s.count, s[e] == "]" { e += 1 }
            let subject = Array("?subject=".unicodeScalars)
            if e + subject.count < s.count, Array(s[e..<(e + subject.count)]) == subject, !ReferenceDate.isSpace(s[e + subject.count]) {
                e += subject.count
                while e < s.count, !ReferenceDate.isSpace(s[e]) { e += 1 }
            }
            return e
        }
        return nil
    }
}
