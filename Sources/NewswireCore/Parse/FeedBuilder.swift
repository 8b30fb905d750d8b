import Foundation

/// Builds a `ParsedFeed` from the SAX events of an RSS (0.9x, 1.0, 2.0) or Atom (0.3, 1.0) document.
///
/// Streaming: it keeps the element stack, the text of the one element being read (bounded by
/// `maxFieldBytes`) and the entry being built; finished entries are appended to the result.
final class FeedBuilder: XMLEventSink {
    private struct Frame {
        var ns: FeedNamespace
        var local: String
        var attributes: [XMLAttribute]
        var base: String?
        var role: Role
    }

    private enum Role { case root, container, ignore, capture, inside, person, image }

    /// Text of the element being read. `raw` is its character data; once a child element appears (XHTML or
    /// unescaped HTML inside), `markup` holds the same with the children serialized, escaped text included.
    private struct Capture {
        var raw = ""
        var markup = ""
        var hasChildren = false
        var bytes = 0

        mutating func beginMarkup(escape: (String) -> String) {
            guard !hasChildren else { return }
            hasChildren = true
            markup = escape(raw)
        }
    }

    private struct Person {
        var name: String?
        var email: String?
        var display: String? { name ?? email }
    }

    private struct EntryState {
        var entry = FeedEntry()
        var guidIsPermalink = false
        var guid: String?
        var guidBase: String?
        var contentCandidates: [String] = []
        var itunesSummary: String?
        var aboutID: String?
        var mediaTitle: String?
        var mediaDescription: String?
        var authorSet = false
        var publishedSet = false
        var updatedSet = false
    }

    private let limits: ParseLimits
    private let documentURL: String?
    // Touched at every SAX event: no dynamic exclusivity checks. One thread uses a builder, and no method
    // calls out while it holds an access to one of these.
    @exclusivity(unchecked) private var stack: [Frame] = []
    @exclusivity(unchecked) private var capture: Capture?
    private var person: Person?
    @exclusivity(unchecked) private var entryState: EntryState?
    private var imageURL: String?

    private(set) var result = ParsedFeed()
    private(set) var rootName: String?
    private(set) var rootNamespace: FeedNamespace = .none
    private var feedLinkSet = false
    private var feedAuthorSet = false
    private var ttl: Int?
    private var syPeriod: String?
    private var syFrequency: Int?
    private var sawFeedStructure = false
    private var ownerName: String?
    private var feedIDElement: String?
    private var rootURI: String?
    private var pendingNamespaces: [String] = []
    private var isAtomDocument = false
    /// libxml2's HTML parser for the document's HTML fields, created at the first one.
    private lazy var html = HTMLTextParser()

    init(documentURL: String?, limits: ParseLimits) {
        self.documentURL = documentURL
        self.limits = limits
    }

    /// True when the document's root is a feed vocabulary element (rss, RDF, feed, channel).
    var recognizedRoot: Bool { sawFeedStructure }

    // MARK: XMLEventSink

    var wantsText: Bool { capture != nil }

    func declareNamespaces(_ uris: [String]) {
        // A feed root without a namespace that declares Atom 1.0 for a prefix is Atom 1.0 (as feedparser reads it).
        if stack.isEmpty || !sawFeedStructure { pendingNamespaces = uris }
    }

    func startElement(local: String, prefix: String?, namespace: String?, attributes: [XMLAttribute]) throws(ParseError) {
        var ns = classify(uri: namespace, prefix: prefix)
        if stack.isEmpty { rootURI = namespace }
        if ns == .other, prefix == nil, namespace != nil, namespace == rootURI { ns = .none }
        let parentBase = stack.last?.base ?? documentURL
        var base = parentBase
        if let xb = attributes.first(where: { $0.local == "base" && ($0.prefix == "xml" || $0.namespace?.hasSuffix("XML/1998/namespace") == true) })?.value {
            base = resolve(xb, base: parentBase) ?? xb
        }
        if stack.isEmpty {
            try startRoot(local: local, ns: ns, attributes: attributes)
            stack.append(Frame(ns: ns, local: local, attributes: attributes, base: base, role: .root))
            return
        }
        let parentRole = stack.last!.role
        if !sawFeedStructure {
            // Not (yet) inside a feed: look for one nested in a wrapper (an XHTML page holding an Atom feed).
            if ["feed", "rss", "rdf", "channel"].contains(local.lowercased()), ns.isCore || ns == .rdf {
                try startRoot(local: local, ns: ns, attributes: attributes)
            }
            stack.append(Frame(ns: ns, local: local, attributes: attributes, base: base, role: .root))
            return
        }
        switch parentRole {
        case .ignore:
            stack.append(Frame(ns: ns, local: local, attributes: [], base: base, role: .ignore))
            return
        case .capture, .inside:
            if capture != nil {
                capture!.beginMarkup(escape: { self.escape($0, quotes: false) })
                var tag = "<" + local
                for a in attributes where a.local == "href" || a.local == "src" || a.local == "alt" {
                    tag += " \(a.local)=\"\(escape(a.value, quotes: true))\""
                }
                tag += ">"
                try appendCapture(markup: tag, raw: "")
            }
            stack.append(Frame(ns: ns, local: local, attributes: [], base: base, role: .inside))
            return
        default: break
        }
        let role = try classifyStart(local: local, ns: ns, attributes: attributes, base: base, parentRole: parentRole)
        if role == .capture { capture = Capture() }
        stack.append(Frame(ns: ns, local: local, attributes: attributes, base: base, role: role))
    }

    func endElement(local: String, prefix: String?, namespace: String?) throws(ParseError) {
        guard let frame = stack.popLast() else { return }
        switch frame.role {
        case .inside:
            if capture != nil { try appendCapture(markup: "</\(frame.local)>", raw: "") }
        case .capture:
            let c = capture ?? Capture()
            capture = nil
            try finishLeaf(frame, c)
        case .person:
            if let p = person?.display {
                if entryState != nil {
                    if !entryState!.authorSet { entryState!.entry.author = p; entryState!.authorSet = true }
                } else if frame.local.lowercased() == "owner" {
                    ownerName = ownerName ?? p
                } else if !feedAuthorSet, frame.local == "author" {
                    result.feed.author = p; feedAuthorSet = true
                }
            }
            person = nil
        case .image:
            if let imageURL, result.feed.image == nil { result.feed.image = imageURL }
            imageURL = nil
        case .container:
            if frame.ns.isCore, frame.local == "item" || frame.local == "entry", entryState != nil {
                finishEntry()
            }
        case .root, .ignore:
            break
        }
        if stack.isEmpty { finishDocument() }
    }

    func text(_ s: String) throws(ParseError) {
        guard capture != nil else { return }
        try appendCapture(markup: capture!.hasChildren ? escape(s, quotes: false) : "", raw: s)
    }

    // MARK: Structure

    private func startRoot(local: String, ns: FeedNamespace, attributes: [XMLAttribute]) throws(ParseError) {
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
        if let lang = attributes.first(where: { $0.local == "lang" && ($0.prefix == "xml" || $0.namespace?.hasSuffix("XML/1998/namespace") == true) })?.value,
           !lang.trimmingSpaces().isEmpty {
            result.feed.language = lang.trimmingSpaces()
        }
    }

    private func classifyStart(local: String, ns: FeedNamespace, attributes: [XMLAttribute], base: String?,
                               parentRole: Role) throws(ParseError) -> Role {
        if parentRole == .person { return .capture }
        if parentRole == .image { return .capture }
        if ns == .rss10 && result.format == .unknown && rootName?.lowercased() == "rdf" { result.format = .rss10 }
        if ns == .rss090 && result.format == .unknown && rootName?.lowercased() == "rdf" { result.format = .rss09x }
        if ns.isCore {
            switch local.lowercased() {
            case "channel", "feed":
                if entryState == nil, result.feed.id == nil,
                   let about = attributes.first(where: { $0.local == "about" })?.value.trimmingSpaces(), !about.isEmpty {
                    result.feed.id = about  // RSS 1.0: the channel's URI
                }
                return entryState == nil ? .container : .ignore
            case "item", "entry":
                if entryState != nil { return .ignore }
                if result.entries.count >= limits.maxEntries {
                    throw ParseError(.limitExceeded, "more than \(limits.maxEntries) entries")
                }
                entryState = EntryState()
                if let about = attributes.first(where: { $0.local == "about" })?.value.trimmingSpaces(), !about.isEmpty {
                    entryState!.aboutID = about
                }
                return .container
            case "author", "contributor":
                if ns.isAtom || isAtomDocument {
                    if local == "contributor" { return .ignore }
                    person = Person()
                    return .person
                }
                return .capture
            case "image":
                if entryState == nil {
                    if let href = attributes.first(where: { $0.local == "href" })?.value { imageURL = resolve(href, base: base) }
                    return .image
                }
                return .ignore
            case "textinput", "skiphours", "skipdays", "cloud", "items":
                return .ignore
            case "source":
                return ns.isAtom || isAtomDocument ? .ignore : .capture
            case "link":
                if attributes.contains(where: { $0.local == "href" }) {
                    atomLink(attributes, base: base)
                    return .ignore
                }
                return .capture
            case "enclosure":
                enclosure(attributes, base: base)
                return .ignore
            case "category":
                if let term = attributes.first(where: { $0.local == "term" })?.value.trimmingSpaces(), !term.isEmpty {
                    addCategory(term)
                    return .ignore
                }
                if let label = attributes.first(where: { $0.local == "label" })?.value.trimmingSpaces(), !label.isEmpty {
                    addCategory(label)
                    return .ignore
                }
                return .capture
            default:
                return .capture
            }
        }
        switch ns.key(local) {
        case "itunes:image":
            if entryState == nil, let href = attributes.first(where: { $0.local == "href" || $0.local == "url" })?.value {
                imageURL = nil
                if result.feed.image == nil { result.feed.image = resolve(href, base: base) }
            }
            return .ignore
        case "itunes:category":
            if let t = attributes.first(where: { $0.local == "text" })?.value.trimmingSpaces(), !t.isEmpty {
                addCategory(t)
            }
            return .container
        case "itunes:owner":
            if entryState == nil { person = Person(); return .person }
            return .ignore
        case "media:group":
            return .container
        case "media:content", "media:thumbnail", "media:player":
            return .container
        case "itunes:link":
            if entryState == nil, attributes.first(where: { $0.local == "rel" })?.value.lowercased() == "image",
               let href = attributes.first(where: { $0.local == "href" })?.value, result.feed.image == nil {
                result.feed.image = resolve(href, base: base)
            }
            return .ignore
        case "admin:generatoragent":
            if entryState == nil, result.feed.generator == nil,
               let r = attributes.first(where: { $0.local == "resource" })?.value.trimmingSpaces(), !r.isEmpty {
                result.feed.generator = r
            }
            return .ignore
        case "xhtml:body", "xhtml:div":
            return .capture
        default:
            return .capture
        }
    }

    private func appendCapture(markup: String, raw: String) throws(ParseError) {
        if capture!.hasChildren { capture!.markup += markup }
        capture!.raw += raw
        capture!.bytes += max(markup.utf8.count, raw.utf8.count)
        if capture!.bytes > limits.maxFieldBytes {
            let name = stack.last(where: { $0.role == .capture })?.local ?? "?"
            throw ParseError(.limitExceeded, "text of <\(name)> exceeds \(limits.maxFieldBytes) bytes")
        }
    }

    // MARK: Leaves

    private func attr(_ frame: Frame, _ name: String) -> String? {
        frame.attributes.first(where: { $0.local == name })?.value
    }

    /// The plain text of a captured element, honouring Atom's type/mode and guessing for RSS.
    private func textValue(_ frame: Frame, _ c: Capture, atomish: Bool) -> String? {
        let type = (attr(frame, "type") ?? "").lowercased().trimmingSpaces()
        let mode = (attr(frame, "mode") ?? "").lowercased()
        var out: String
        let binaryType = !type.isEmpty && !["text", "html", "xhtml"].contains(type) && !type.hasPrefix("text/")
            && !type.hasSuffix("+xml") && !type.hasSuffix("/xml") && frame.ns == .atom10
        if mode == "base64" || binaryType {
            let decoded = Data(base64Encoded: c.raw.filter { !$0.isWhitespace }).map { String(decoding: $0, as: UTF8.self) } ?? ""
            out = type.contains("html") ? PlainText.fromHTML(decoded, parser: html) : PlainText.guess(decoded, parser: html)
        } else if c.hasChildren {
            out = PlainText.fromHTML(c.markup, parser: html)
        } else if type == "text" || type == "text/plain" {
            out = PlainText.collapse(c.raw)
        } else if type == "html" || type == "text/html" || type == "xhtml" || type == "application/xhtml+xml" || mode == "escaped" {
            out = PlainText.fromHTML(c.raw, parser: html)
        } else {
            // No type (RSS), or Atom's default: markup-looking text is read as HTML, like feedparser does.
            out = PlainText.guess(c.raw, parser: html)
        }
        out = PlainText.repairingMojibake(out.trimmingSpaces())
        return out.isEmpty ? nil : out
    }

    private func plain(_ c: Capture) -> String? {
        let s = PlainText.collapse(c.raw)
        return s.isEmpty ? nil : s
    }

    private func finishLeaf(_ frame: Frame, _ c: Capture) throws(ParseError) {
        let parentRole = stack.last?.role
        if parentRole == .person {
            switch frame.local.lowercased() {
            case "name": if person?.name == nil { person?.name = plain(c) }
            case "email": if person?.email == nil { person?.email = plain(c) }
            default: break
            }
            return
        }
        if parentRole == .image {
            if frame.local == "url", let u = plain(c) { imageURL = resolve(u, base: frame.base) }
            return
        }
        if entryState != nil {
            entryLeaf(frame, c)
        } else {
            feedLeaf(frame, c)
        }
    }

    private func feedLeaf(_ f: Frame, _ c: Capture) {
        let atomish = f.ns.isAtom || isAtomDocument
        switch f.ns.key(f.local) {
        case "title", "dc:title":
            if result.feed.title == nil { result.feed.title = textValue(f, c, atomish: atomish) }
        case "link":
            if !feedLinkSet, let u = plain(c) { result.feed.link = resolve(u, base: f.base); feedLinkSet = true }
        case "description", "subtitle", "tagline",
             "dc:description", "itunes:subtitle":
            if result.feed.subtitle == nil { result.feed.subtitle = textValue(f, c, atomish: atomish) }
        case "id":
            if feedIDElement == nil, let v = plain(c) { result.feed.id = v; feedIDElement = v }
        case "language", "dc:language":
            if let l = plain(c) { result.feed.language = l }
        case "updated", "modified",
             "lastbuilddate", "dc:date", "dcterms:modified":
            if let s = plain(c), let d = FeedDate.parse(s) { result.feed.updated = d }
        case "author", "managingeditor", "dc:creator",
             "dc:author", "itunes:author":
            if !feedAuthorSet, let s = plain(c) { result.feed.author = personName(s); feedAuthorSet = true }
        case "generator":
            if result.feed.generator == nil {
                result.feed.generator = plain(c) ?? attr(f, "uri") ?? attr(f, "url")
            }
        case "logo":
            if let u = plain(c) { result.feed.image = resolve(u, base: f.base) }
        case "ttl":
            ttl = plain(c).flatMap { Int($0) }
        case "sy:updateperiod":
            syPeriod = plain(c)?.lowercased()
        case "sy:updatefrequency":
            syFrequency = plain(c).flatMap { Int($0) }
        default:
            break
        }
    }

    private func entryLeaf(_ f: Frame, _ c: Capture) {
        let atomish = f.ns.isAtom || isAtomDocument
        switch f.ns.key(f.local) {
        case "title", "dc:title":
            if entryState!.entry.title == nil { entryState!.entry.title = textValue(f, c, atomish: atomish) }
        case "link":
            if entryState!.entry.link == nil, let u = plain(c) { entryState!.entry.link = resolve(u, base: f.base) }
        case "guid":
            if let g = plain(c) {
                entryState!.guid = g
                entryState!.guidBase = f.base
                entryState!.guidIsPermalink = (attr(f, "isPermaLink")?.lowercased().trimmingSpaces() ?? "true") == "true"
                if entryState!.entry.id == nil { entryState!.entry.id = g }
            }
        case "id":
            if entryState!.entry.id == nil, let v = plain(c) {
                entryState!.entry.id = v
                if entryState!.guid == nil { entryState!.guid = v; entryState!.guidIsPermalink = true }
            }
        case "media:title":
            entryState!.mediaTitle = entryState!.mediaTitle ?? textValue(f, c, atomish: false)
        case "media:description":
            entryState!.mediaDescription = entryState!.mediaDescription ?? textValue(f, c, atomish: false)
        case "description", "summary", "dc:description":
            if entryState!.entry.summary == nil { entryState!.entry.summary = textValue(f, c, atomish: atomish) }
        case "itunes:summary":
            entryState!.itunesSummary = entryState!.itunesSummary ?? textValue(f, c, atomish: false)
        case "content:encoded", "content", "xhtml:body", "body", "fullitem", "other:fullitem":
            if f.local == "content", (attr(f, "src") != nil) { break }
            if let t = textValue(f, c, atomish: atomish || f.local == "content") { entryState!.contentCandidates.append(t) }
        case "pubdate", "published", "issued",
             "dcterms:issued":
            if let s = plain(c), let d = FeedDate.parse(s) { entryState!.entry.published = d }
        case "updated", "modified", "dc:date", "dcterms:modified":
            if let s = plain(c), let d = FeedDate.parse(s) { entryState!.entry.updated = d }
        case "author", "dc:creator", "dc:author", "itunes:author":
            if !entryState!.authorSet, let s = plain(c) {
                entryState!.entry.author = personName(s); entryState!.authorSet = true
            }
        case "tags":
            // <tags>one, two</tags>, a comma-separated list some feeds use
            for t in (plain(c) ?? "").split(separator: ",") { addCategory(String(t)) }
        case "category", "dc:subject", "media:category":
            if let t = plain(c) ?? attr(f, "label") { addCategory(t) }
        default:
            break
        }
    }

    private func atomLink(_ attributes: [XMLAttribute], base: String?) {
        func a(_ n: String) -> String? { attributes.first(where: { $0.local == n && $0.namespace == nil })?.value }
        guard let rawHref = a("href")?.trimmingSpaces() else { return }
        let rel = (a("rel") ?? "alternate").trimmingSpaces().lowercased()
        let type = a("type")?.trimmingSpaces().lowercased()
        let href = resolve(rawHref, base: base) ?? rawHref
        if rel == "enclosure" {
            guard entryState != nil, !rawHref.isEmpty else { return }
            entryState!.entry.enclosures.append(Enclosure(url: href, type: type?.isEmpty == false ? type : nil,
                                                          length: a("length").flatMap { Int($0.trimmingSpaces()) }))
            return
        }
        guard rel == "alternate" else { return }
        if let type, !type.isEmpty, type != "text/html", type != "application/xhtml+xml" { return }
        if entryState != nil {
            if entryState!.entry.link == nil { entryState!.entry.link = href }
        } else if !feedLinkSet {
            result.feed.link = href
            feedLinkSet = true
        }
    }

    private func enclosure(_ attributes: [XMLAttribute], base: String?) {
        guard entryState != nil else { return }
        func a(_ n: String) -> String? { attributes.first(where: { $0.local == n })?.value }
        guard let raw = a("url")?.trimmingSpaces(), !raw.isEmpty else { return }
        let type = a("type")?.trimmingSpaces()
        entryState!.entry.enclosures.append(Enclosure(url: resolve(raw, base: base) ?? raw,
                                                      type: type?.isEmpty == false ? type : nil,
                                                      length: a("length").flatMap { Int($0.trimmingSpaces()) }))
    }

    private func addCategory(_ term: String) {
        let t = PlainText.collapse(term)
        guard !t.isEmpty else { return }
        if entryState != nil, !entryState!.entry.categories.contains(t) { entryState!.entry.categories.append(t) }
    }

    private func finishEntry() {
        guard var st = entryState else { return }
        entryState = nil
        if st.entry.link == nil, st.guidIsPermalink, let g = st.guid {
            st.entry.link = resolve(g, base: st.guidBase) ?? g
        }
        if st.entry.summary == nil { st.entry.summary = st.itunesSummary }
        if st.entry.id == nil { st.entry.id = st.aboutID }
        if st.entry.title == nil { st.entry.title = st.mediaTitle }
        if st.entry.summary == nil { st.entry.summary = st.mediaDescription }
        st.entry.content = st.contentCandidates.max(by: { $0.count < $1.count })
        result.entries.append(st.entry)
    }

    private func finishDocument() {
        if entryState != nil { finishEntry() }  // a truncated document: keep the entry that was open
        if !feedLinkSet, let id = feedIDElement { result.feed.link = id }  // feedparser: an id is a permalink
        if result.feed.author == nil { result.feed.author = ownerName }
        if isAtomDocument, let author = result.feed.author {
            // RFC 4287 4.2.1: an entry without atom:author inherits the feed's.
            for i in result.entries.indices where result.entries[i].author == nil { result.entries[i].author = author }
        }
        result.pollHint.ttlMinutes = ttl
        if let p = syPeriod {
            let seconds: Int? = ["hourly": 3600, "daily": 86_400, "weekly": 604_800, "monthly": 2_592_000,
                                 "yearly": 31_536_000][p]
            if let seconds { result.pollHint.syndicationPeriodSeconds = seconds / max(1, syFrequency ?? 1) }
        }
    }

    /// Call when the parse ended (possibly early, on a recovered error) to flush the open entry.
    func finish() {
        if !stack.isEmpty {
            stack.removeAll()
            finishDocument()
        }
    }

    // MARK: Helpers

    /// Namespace URIs seen in this document and their vocabulary (a URI's class does not depend on the prefix).
    private var namespaceCache: [(uri: String, ns: FeedNamespace)] = []

    private func classify(uri: String?, prefix: String?) -> FeedNamespace {
        guard let uri, !uri.isEmpty else { return FeedNamespace.classify(uri: uri, prefix: prefix) }
        for entry in namespaceCache where entry.uri == uri { return entry.ns }
        let ns = FeedNamespace.classify(uri: uri, prefix: prefix)
        if namespaceCache.count < 16 { namespaceCache.append((uri, ns)) }
        return ns
    }

    private func resolve(_ ref: String, base: String?) -> String? {
        let r = ref.trimmingSpaces()
        guard let base, !base.isEmpty else { return r }
        if r.isEmpty { return base }
        return LibXML.resolveURI(r, base: base) ?? r
    }

    /// "email (Name)", "Name <email>", "Name (email)" or a bare name/e-mail → the name, else the e-mail.
    func personName(_ s: String) -> String? {
        var text = PlainText.collapse(s)
        guard !text.isEmpty else { return nil }
        // A bare name (no e-mail, no brackets) is the name: what the rest would return.
        if !text.utf8.contains(where: { $0 == 0x40 || $0 == 0x28 || $0 == 0x29 || $0 == 0x3C || $0 == 0x3E }) { return text }
        var email: String?
        let words = text.split(separator: " ")
        if let w = words.first(where: { $0.contains("@") }) {
            email = w.trimmingCharacters(in: CharacterSet(charactersIn: "()<>[],;\"'"))
            text = text.replacingOccurrences(of: String(w), with: " ")
        }
        text = text.replacingOccurrences(of: "()", with: " ").replacingOccurrences(of: "<>", with: " ")
        var name = PlainText.collapse(text)
        if name.hasPrefix("("), name.hasSuffix(")") { name = String(name.dropFirst().dropLast()) }
        name = name.trimmingCharacters(in: CharacterSet(charactersIn: " ()<>"))
        return name.isEmpty ? email : name
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
