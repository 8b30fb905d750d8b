import Foundation

/// Limits that bound the parser's time and memory on hostile input.
public struct ParseLimits: Sendable {
    public var maxDepth: Int = 256
    public var maxFieldBytes: Int = 1 << 20
    public var maxDocumentTextBytes: Int = 64 << 20
    public var maxEntries: Int = 100_000

    public init() {}
    public static let `default` = ParseLimits()
}

/// Turns feed bytes into a `ParsedFeed`: RSS 0.9x/1.0/2.0, Atom 0.3/1.0 (libxml2 SAX2, streaming) and
/// JSON Feed 1.x. See docs/ARCHITECTURE.md for the schema.
///
/// The stages, each in its own file:
/// 1. `DocumentDecoder`: encoding from BOM > HTTP charset > XML declaration > UTF-16/32 sniffing > UTF-8;
///    everything becomes UTF-8 before libxml2 sees it (invalid UTF-8 is re-read as windows-1252, flagged).
/// 2. `EntityRepair`: HTML entities used without a DTD and bare `&` are repaired (flagged as bozo).
/// 3. `XMLStreamParser` (LibXML.swift, the only file that imports libxml2) delivers SAX events to
///    `FeedBuilder`, which reads them with the reference parser's (feedparser's) element handlers and keeps
///    only the element stack, the open text buckets and the entry being built.
///    Limits: `maxDepth`, `maxFieldBytes` per field and per internal entity, `maxDocumentTextBytes` for all
///    text and all entity expansions, `maxEntries`; exceeding one throws `.limitExceeded`.
///    A document that is not well-formed is then read again with `LooseXMLParser` (the reference's loose
///    parser), whose reading decides the result; libxml2's verdict decides `bozo`.
/// 4. Text fields become plain text (`PlainText`, libxml2's HTML parser for markup); dates go through
///    `FeedDate`; links are resolved against xml:base, then `documentURL`.
/// A document without a feed root is checked for an HTML page (`.notAFeed` with its advertised feeds).
public enum FeedParser {
    public static func parse(_ data: Data, documentURL: String? = nil, contentType: String? = nil,
                             limits: ParseLimits = .default) throws(ParseError) -> ParsedFeed {
        guard let firstSignificant = data.first(where: { !(PlainText.isSpace(Unicode.Scalar($0))) && $0 != 0xEF && $0 != 0xBB && $0 != 0xBF })
        else { throw ParseError(.empty, "the document is empty") }
        if firstSignificant == UInt8(ascii: "{") {
            return try JSONFeedParser.parse(data, documentURL: documentURL, limits: limits)
        }
        let decoded = try DocumentDecoder.decode(data, contentType: contentType)
        let repaired = EntityRepair.repair(decoded.utf8)
        // A document known to be ill-formed before any XML parse (a declaration not at the start, an entity
        // that had to be mended) is read only the loose way; any other is parsed by libxml2, and read again the
        // loose way if libxml2 reports an error. The loose reading is the reference's for such documents: no
        // stray end tag closes an entry (LooseXMLParser).
        let knownIllFormed = repaired.firstRepair != nil || decoded.misplacedDeclaration != nil
        var builder = FeedBuilder(documentURL: documentURL, limits: limits, loose: knownIllFormed)
        var report = XMLParseReport(recovered: false, firstError: nil)
        if knownIllFormed {
            try LooseXMLParser.parse(utf8: decoded.utf8, into: builder)
        } else {
            report = try XMLStreamParser.parse(utf8: repaired.bytes, sink: builder, limits: limits)
            if report.recovered {
                builder = FeedBuilder(documentURL: documentURL, limits: limits, loose: true)
                try LooseXMLParser.parse(utf8: decoded.utf8, into: builder)
            }
        }
        builder.finish()
        var feed = builder.result

        if !builder.recognizedRoot {
            if looksLikeHTML(decoded.utf8) || builder.rootName?.lowercased() == "html" {
                let collector = HTMLAlternateCollector()
                HTMLStreamParser.parse(utf8: decoded.utf8, sink: collector)
                let base = collector.base.map { b in documentURL.flatMap { LibXML.resolveURI(b, base: $0) } ?? b } ?? documentURL
                let alternates = collector.hrefs.map { h in base.flatMap { LibXML.resolveURI(h, base: $0) } ?? h }
                throw ParseError(.notAFeed, "an HTML page, not a feed" + (alternates.isEmpty ? "" : "; it advertises \(alternates.count) feed(s)"),
                                 alternates: alternates)
            }
            guard let root = builder.rootName else {
                if !decoded.utf8.contains(UInt8(ascii: "<")) { throw ParseError(.malformed, notXML(decoded.utf8)) }
                throw ParseError(.malformed, report.firstError ?? "no XML element found")
            }
            throw ParseError(.notAFeed, "root element <\(root)> is not RSS, RDF or Atom")
        }
        if report.recovered {
            feed.bozo = true
            feed.bozoReason = report.firstError
        }
        if builder.droppedOpenEntry {
            feed.bozo = true
            feed.bozoReason = feed.bozoReason ?? "the document ends inside an entry"
        }
        if let misplaced = decoded.misplacedDeclaration {
            feed.bozo = true
            feed.bozoReason = feed.bozoReason ?? misplaced
        }
        if let repair = repaired.firstRepair {
            feed.bozo = true
            feed.bozoReason = feed.bozoReason ?? repair
        }
        if let problem = decoded.problem {
            feed.bozo = true
            feed.bozoReason = feed.bozoReason ?? problem
        }
        return feed
    }

    /// A body without a single '<' (plain text, an error message, binary): libxml2 only says "Document is empty".
    static func notXML(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes.prefix(200), as: UTF8.self)
        let preview = String(text.unicodeScalars.prefix(40).map { $0.properties.generalCategory == .control ? " " : Character($0) })
            .trimmingCharacters(in: .whitespaces)
        return "not XML or JSON: the body holds no markup" + (preview.isEmpty ? "" : "; it begins \"\(preview)\"")
    }

    private static func looksLikeHTML(_ bytes: [UInt8]) -> Bool {
        let head = String(decoding: bytes.prefix(2048), as: UTF8.self).lowercased()
        return head.contains("<html") || head.contains("<!doctype html")
    }
}
