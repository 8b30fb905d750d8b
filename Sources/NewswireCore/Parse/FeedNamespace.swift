/// The XML vocabularies the feed parser understands, recognised by namespace URI (or, for feeds that use a
/// prefix without declaring it, by the conventional prefix).
enum FeedNamespace: Sendable, Equatable {
    /// No namespace (RSS 0.9x/2.0, Atom without xmlns) or the RSS 2.0 namespace variants.
    case none
    case atom10, atom03, rss10, rss090, rdf, dc, dcterms, content, media, itunes, sy, xhtml, admin, xml
    case other

    /// RSS/Atom core elements (matched by local name in context).
    var isCore: Bool {
        switch self {
        case .none, .atom10, .atom03, .rss10, .rss090: return true
        default: return false
        }
    }

    var isAtom: Bool { self == .atom10 || self == .atom03 }

    /// The reference's standard prefix for the vocabulary ("" for RSS/Atom core and unknown namespaces).
    var prefix: String {
        switch self {
        case .none, .atom10, .atom03, .rss10, .rss090, .other: return ""
        case .rdf: return "rdf"
        case .dc: return "dc"
        case .dcterms: return "dcterms"
        case .content: return "content"
        case .media: return "media"
        case .itunes: return "itunes"
        case .sy: return "sy"
        case .xhtml: return "xhtml"
        case .admin: return "admin"
        case .xml: return "xml"
        }
    }

    static func classify(uri: String?, prefix: String?) -> FeedNamespace {
        guard let uri, !uri.isEmpty else {
            guard let prefix else { return .none }
            return byPrefix[prefix.lowercased()] ?? .other
        }
        if let ns = byURI[uri] { return ns }
        let u = uri.lowercased()
        if let ns = byURI[u] { return ns }
        if u.hasPrefix("http://purl.org/dc/elements/") { return .dc }
        if u.hasPrefix("http://purl.org/dc/terms") { return .dcterms }
        if u.contains("itunes.com/dtds/podcast") { return .itunes }
        if u.hasPrefix("http://search.yahoo.com/mrss") { return .media }
        if u.hasPrefix("http://www.w3.org/2005/atom") { return .atom10 }
        if u.hasPrefix("http://purl.org/atom/ns") || u.hasPrefix("http://example.com/newformat#") { return .atom03 }
        if u.hasPrefix("http://backend.userland.com/rss") || u.hasPrefix("http://blogs.law.harvard.edu/tech/rss") {
            return .none
        }
        return .other
    }

    private static let byURI: [String: FeedNamespace] = [
        "http://www.w3.org/2005/Atom": .atom10,
        "http://purl.org/atom/ns#": .atom03,
        "http://purl.org/rss/1.0/": .rss10,
        "http://my.netscape.com/rdf/simple/0.9/": .rss090,
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#": .rdf,
        "http://purl.org/dc/elements/1.1/": .dc,
        "http://purl.org/dc/elements/1.0/": .dc,
        "http://purl.org/dc/terms/": .dcterms,
        "http://purl.org/rss/1.0/modules/content/": .content,
        "http://search.yahoo.com/mrss/": .media,
        "http://search.yahoo.com/mrss": .media,
        "http://www.itunes.com/dtds/podcast-1.0.dtd": .itunes,
        "http://purl.org/rss/1.0/modules/syndication/": .sy,
        "http://www.w3.org/1999/xhtml": .xhtml,
        "http://webns.net/mvcb/": .admin,
        "http://www.w3.org/XML/1998/namespace": .xml,
    ]

    private static let byPrefix: [String: FeedNamespace] = [
        "dc": .dc, "dcterms": .dcterms, "content": .content, "media": .media, "itunes": .itunes,
        "sy": .sy, "atom": .atom10, "xhtml": .xhtml, "admin": .admin, "rdf": .rdf, "xml": .xml,
    ]
}

extension FeedNamespace {
    /// A matching key: the bare local name for RSS/Atom core elements, "prefix:local" for the others.
    func key(_ mixedCase: String) -> String {
        let local = mixedCase.lowercased()
        switch self {
        case .none, .atom10, .atom03, .rss10, .rss090: return local
        case .rdf: return "rdf:" + local
        case .dc: return "dc:" + local
        case .dcterms: return "dcterms:" + local
        case .content: return "content:" + local
        case .media: return "media:" + local
        case .itunes: return "itunes:" + local
        case .sy: return "sy:" + local
        case .xhtml: return "xhtml:" + local
        case .admin: return "admin:" + local
        case .xml: return "xml:" + local
        case .other: return "other:" + local
        }
    }
}
