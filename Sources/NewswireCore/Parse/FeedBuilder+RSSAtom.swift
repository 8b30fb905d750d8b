import Foundation

/// The RSS and Atom elements as the reference handles them (`_start_*` and `_end_*` of feedparser's
/// `namespaces/_base.py`, which serves both formats: Atom's `<link href>` and RSS's `<link>` text are one handler,
/// `startLink` below, as are `<item>`/`<entry>`, `<guid>`/`<id>`, `<pubDate>`/`<published>`…). What each element
/// starts and ends, then the shared pieces: entries, links, content, categories, authors, and the document's
/// structure (its format and root). The extension modules (Dublin Core, iTunes, Media RSS, content) are in
/// `FeedBuilder+Modules.swift`; elements without a handler get their own bucket there.
extension FeedBuilder {
    /// The RSS and Atom names and their handlers (Dublin Core and the other modules: `moduleHandlers`).
    static let coreHandlers: [String: Handler] = [
        "rss": .rss,
        "channel": .channel,
        "feed": .feed,
        "image": .image,
        "textinput": .textinput,
        "author": .author,
        "managingeditor": .author,
        "contributor": .contributor,
        "name": .name,
        "email": .email,
        "url": .url,
        "homepage": .url,
        "uri": .url,
        "width": .widthHeight,
        "height": .widthHeight,
        "subtitle": .subtitle,
        "tagline": .subtitle,
        "rights": .rights,
        "copyright": .rights,
        "item": .item,
        "entry": .item,
        "language": .language,
        "webmaster": .webmaster,
        "published": .published,
        "issued": .published,
        "pubdate": .published,
        "updated": .updated,
        "modified": .updated,
        "lastbuilddate": .updated,
        "created": .created,
        "expirationdate": .expirationdate,
        "category": .category,
        "keywords": .category,
        "tags": .tags,
        "cloud": .noBucket,
        "link": .link,
        "guid": .guid,
        "id": .guid,
        "title": .title,
        "description": .description,
        "abstract": .abstract,
        "info": .info,
        "generator": .generator,
        "summary": .summary,
        "enclosure": .enclosure,
        "source": .source,
        "content": .content,
        "body": .body,
        "newlocation": .newlocation,
    ]

    // MARK: Start and end

    func start(_ handler: Handler, _ element: ElementName, _ attrs: Attrs) throws(ParseError) {
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
            push(.image, false)
        case .textinput:
            let c = context()
            if c.textinput == nil { c.textinput = Record() }
            intextinput = true
            titleDepth = -1
            push(.textinput, false)
        case .author:
            inauthor = true
            push(.author, true)
            let c = context()
            c.authors = c.authors ?? []
            c.authors!.append(Person())
        case .contributor:
            incontributor = true
            push(.contributor, false)
        case .name: push(.name, false)
        case .email: push(.email, false)
        case .url: push(.href, true)
        case .widthHeight: push(element, false)
        case .subtitle:
            pushContent(.subtitle, attrs, defaultType: "text/plain", expectingText: true)
        case .rights:
            pushContent(.rights, attrs, defaultType: "text/plain", expectingText: true)
        case .item:
            try startItem(attrs)
        case .language: push(.language, true)
        case .webmaster: push(.publisher, true)
        case .published: push(.published, true)
        case .updated: push(.updated, true)
        case .created: push(.created, true)
        case .expirationdate: push(.expired, true)
        case .category:
            startCategory(attrs)
        case .tags: push(.tags, true)
        case .noBucket: break
        case .link: startLink(attrs)
        case .guid:
            guidIsLink = (attrs["ispermalink"] ?? "true") == "true"
            push(.id, true)
        case .title:
            pushContent(.title, attrs, defaultType: "text/plain", expectingText: readsText)
        case .description:
            if context().values[.summary] != nil, !hasContent {
                summaryKey = .content
                startContent(attrs)
            } else {
                pushContent(.description, attrs, defaultType: "text/html", expectingText: readsText)
            }
        case .abstract:
            pushContent(.description, attrs, defaultType: "text/plain", expectingText: readsText)
        case .info:
            pushContent(.info, attrs, defaultType: "text/plain", expectingText: true)
        case .generator: push(.generator, true)
        case .summary:
            if context().values[.summary] != nil, !hasContent {
                summaryKey = .content
                startContent(attrs)
            } else {
                summaryKey = .summary
                pushContent(.summary, attrs, defaultType: "text/plain", expectingText: true)
            }
        case .enclosure:
            var a = Self.enforcingHref(attrs)
            a["rel"] = "enclosure"
            let c = context()
            c.links = c.links ?? []
            c.links!.append(Link(a))
        case .source:
            if let url = attrs["url"] { sourceRecord.values[.href] = url }
            push(.source, true)
            insource = true
            titleDepth = -1
        case .content: startContent(attrs)
        case .body:
            pushContent(.content, attrs, defaultType: "application/xhtml+xml", expectingText: true)
        case .newlocation: push(.newlocation, true)
        default:
            try startModule(handler, element, attrs)
        }
    }

    func end(_ handler: Handler, _ element: ElementName) {
        switch handler {
        case .channel, .feed: infeed = false
        case .image:
            pop(.image)
            inimage = false
        case .textinput:
            pop(.textinput)
            intextinput = false
        case .author:
            pop(.author)
            inauthor = false
            syncAuthorDetail(.author)
        case .contributor:
            pop(.contributor)
            incontributor = false
        case .name: endName()
        case .email: endEmail()
        case .url:
            let value = pop(.href)
            if inauthor { saveAuthor(.href, value) }
        case .subtitle: popContent(.subtitle)
        case .rights: popContent(.rights)
        case .item:
            pop(.item)
            finishEntry()
            inentry = false
            hasContent = false
        case .language: pop(.language)
        case .webmaster:
            pop(.publisher)
            syncAuthorDetail(.publisher)
        case .published:
            let value = pop(.published)
            context().dates[.published] = value.flatMap(FeedDate.parse)
        case .updated:
            let value = pop(.updated)
            context().dates[.updated] = value.flatMap(FeedDate.parse)
        case .created: pop(.created)
        case .expirationdate: pop(.expired)
        case .category: endCategory()
        case .tags:
            guard let value = pop(.tags) else { pop(.tags); return }
            for term in value.split(separator: ",", omittingEmptySubsequences: false) {
                addTag(Self.pyStrip(String(term)), nil, nil)
            }
        case .link: pop(.link)
        case .guid:
            let value = pop(.id)
            if guidIsLink { save(.link, value) }
        case .title: endTitle()
        case .description, .abstract:
            if summaryKey == .content {
                guard endContent() else { pop(element); return }
            } else {
                popContent(.description)
            }
            summaryKey = nil
        case .info: popContent(.info)
        case .generator: pop(.generator)
        case .summary:
            if summaryKey == .content {
                guard endContent() else { pop(element); return }
            } else {
                popContent(summaryKey ?? .summary)
            }
            summaryKey = nil
        case .source:
            insource = false
            pop(.source)
            sourceRecord = Record()
        case .content, .body:
            if !endContent() { pop(element) }
        case .newlocation: pop(.newlocation)
        default: endModule(handler, element)
        }
    }

    /// `_cdf_common`: a CDF channel or item's `lastmod` and `href` attributes.
    func cdfCommon(_ attrs: Attrs) {
        if let lastmod = attrs["lastmod"] {
            push(.updated, true)
            setText(lastmod)
            let value = pop(.updated)
            context().dates[.updated] = value.flatMap(FeedDate.parse)
        }
        if let href = attrs["href"] {
            startLink([:])
            if buckets.last?.key == .link { setText(href) }
            pop(.link)
        }
    }

    func startItem(_ attrs: Attrs) throws(ParseError) {
        // An item inside an item starts a new entry: the outer one is complete, and what follows the inner
        // one's end belongs to the feed (the reference appends a new entry and leaves the old one behind).
        finishEntry()
        if result.entries.count >= limits.maxEntries {
            throw ParseError(.limitExceeded, "more than \(limits.maxEntries) entries")
        }
        currentEntry = spareRecord ?? Record()
        spareRecord = nil
        push(.item, false)
        inentry = true
        guidIsLink = false
        titleDepth = -1
        if let about = attrs["rdf:about"], !about.isEmpty { context().values[.id] = about }
        cdfCommon(attrs)
    }

    func startLink(_ attributes: Attrs) {
        var attrs = attributes
        if attrs["rel"] == nil { attrs["rel"] = "alternate" }
        if attrs["type"] == nil { attrs["type"] = attrs["rel"] == "self" ? "application/atom+xml" : "text/html" }
        let c = context()
        attrs = Self.enforcingHref(attrs)
        if let href = attrs["href"] { attrs["href"] = resolve(href, base: currentBase) }
        if !(inentry && inimage) {
            c.links = c.links ?? []
            c.links!.append(Link(attrs))
        }
        if let href = attrs["href"] {
            if attrs["rel"] == "alternate", Self.htmlTypes.contains(Self.mapContentType(attrs["type"] ?? "")) {
                c.values[.link] = href
            }
        } else {
            push(.link, infeed || inentry || insource)
        }
    }

    func startContent(_ attrs: Attrs) {
        hasContent = true
        pushContent(.content, attrs, defaultType: "text/plain", expectingText: true)
    }

    /// `_end_content`. False where the reference raises (the content's type was cleared by a stray end tag
    /// inside it) and its caller pops the element's own bucket instead.
    func endContent() -> Bool {
        guard let type = contentType else { return false }
        let mapped = Self.mapContentType(type)
        let copyToSummary = mapped == "text/plain" || mapped == "text/html" || mapped == "application/xhtml+xml"
        let value = popContent(.content)
        if copyToSummary { save(.summary, value) }
        return true
    }

    func endTitle() {
        let value = popContent(.title)
        if let value, !value.isEmpty { titleDepth = depth }
    }

    // MARK: Categories

    func startCategory(_ attrs: Attrs) {
        addTag(attrs["term"], attrs["scheme"] ?? attrs["domain"], attrs["label"])
        push(.category, true)
    }

    func endCategory() {
        guard let value = pop(.category), !value.isEmpty else { return }
        let c = context()
        if let last = c.tags?.last, last.term?.isEmpty ?? true {
            c.tags![c.tags!.count - 1].term = value
        } else {
            addTag(value, nil, nil)
        }
    }

    func addTag(_ term: String?, _ scheme: String?, _ label: String?) {
        let c = context()
        if c.tags == nil { c.tags = [] }
        guard !(term ?? "").isEmpty || !(scheme ?? "").isEmpty || !(label ?? "").isEmpty else { return }
        let tag = Tag(term: term, scheme: scheme, label: label)
        if !c.tags!.contains(tag) { c.tags!.append(tag) }
    }

    // MARK: Authors

    func endName() {
        let value = pop(.name)
        if inpublisher { saveAuthor(.name, value, publisher: true) }
        else if inauthor { saveAuthor(.name, value) }
    }

    func endEmail() {
        let value = pop(.email)
        if inpublisher { saveAuthor(.email, value, publisher: true) }
        else if inauthor { saveAuthor(.email, value) }
    }

    /// `_save_author`: the detail record, then the last author, whichever element it came from (an
    /// `itunes:owner`'s name lands in the feed's last author).
    func saveAuthor(_ key: Key, _ value: String?, publisher: Bool = false) {
        let c = context()
        if publisher {
            if c.publisherDetail == nil { c.publisherDetail = Person() }
            c.publisherDetail!.values[key] = value ?? ""
        } else {
            if c.authorDetail == nil { c.authorDetail = Person() }
            c.authorDetail!.values[key] = value ?? ""
        }
        syncAuthorDetail(.author)
        if c.authors == nil { c.authors = [Person()] }
        c.authors?.last?.values[key] = value ?? ""
    }

    /// `_sync_author_detail`: the author string from the last author's name and e-mail, or the last author's
    /// name and e-mail from the author string ("email (Name)", "Name <email>").
    func syncAuthorDetail(_ key: Key) {
        let c = context()
        let detail = (key == .author ? c.authors?.last : nil) ?? Person()
        if !detail.isEmpty {
            let name = detail.values[.name] ?? "", email = detail.values[.email] ?? ""
            if !name.isEmpty, !email.isEmpty { c.values[key] = "\(name) (\(email))" }
            else if !name.isEmpty { c.values[key] = name }
            else if !email.isEmpty { c.values[key] = email }
            return
        }
        guard let text = c.values[key], !text.isEmpty else { return }
        let (name, email) = Self.splitAuthor(text)
        if !name.isEmpty || email != nil {
            if key == .author { if c.authorDetail == nil { c.authorDetail = detail } }
            else if c.publisherDetail == nil { c.publisherDetail = detail }
        }
        if !name.isEmpty { detail.values[.name] = name }
        if let email { detail.values[.email] = email }
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

    func noteStructure(local: String, ns: FeedNamespace, attributes: [XMLAttribute], isRoot: Bool, isChannel: Bool) {
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
        if isChannel, ns.isCore, channelAbout == nil,
           let about = attributes.first(where: { $0.local == "about" })?.value.trimmingSpaces(), !about.isEmpty {
            channelAbout = about  // RSS 1.0: the channel's URI
        }
    }

    func startRoot(local: String, ns: FeedNamespace, attributes: [XMLAttribute]) {
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
}
