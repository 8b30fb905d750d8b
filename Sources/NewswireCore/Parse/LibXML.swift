internal import CLibXML2
import Foundation

// The only file of the parser that touches libxml2. Everything it hands out is a Swift value:
// SAX events as Strings, errors as `ParseError`, transcoded bytes as `[UInt8]`.

/// One attribute of an XML start tag, namespace-resolved by libxml2.
struct XMLAttribute: Sendable, Equatable {
    var local: String
    var prefix: String?
    var namespace: String?
    var value: String
}

/// libxml2's numbers for an element's local name, prefix and namespace URI (0 for none): one number per
/// distinct string of the parser's dictionary, so within one parse equal numbers are equal names. A sink may
/// key what it derives from a name by them instead of comparing the Strings.
struct XMLNameID: Equatable {
    var local: UInt64 = 0
    var prefix: UInt64 = 0
    var namespace: UInt64 = 0
}

/// An element's name as Strings.
struct XMLName {
    var local: String
    var prefix: String?
    var namespace: String?
}

/// Receives the events of `XMLStreamParser`. Throwing stops the parse; the error is rethrown to the caller.
protocol XMLEventSink: AnyObject {
    /// Whether `text` would be used now; text arriving while it is false is not turned into a String.
    /// Read at each text event; it may only change in `startElement` and `endElement`.
    var wantsText: Bool { get }
    func startElement(local: String, prefix: String?, namespace: String?, attributes: [XMLAttribute]) throws(ParseError)
    func endElement(local: String, prefix: String?, namespace: String?) throws(ParseError)
    func text(_ s: String) throws(ParseError)
    /// Character data as the UTF-8 bytes libxml2 hands out (a sink validates them when it makes a String);
    /// by default `text` of their String.
    func text(utf8 bytes: Span<UInt8>) throws(ParseError)
    /// Namespace URIs declared on the element whose `startElement` follows.
    func declareNamespaces(_ uris: [String])
    /// False when the sink's reading is thrown away once libxml2 reports an error (`FeedBuilder`: the
    /// document is then read again the loose way): from the first error on, no more events are delivered,
    /// while the parse goes on to the end for its report and for the limits this parser enforces (depth,
    /// text, entity expansion). By default true: every event is delivered.
    var readsPastErrors: Bool { get }
    /// The events by the name's numbers; `name` builds its Strings when the sink needs them. By default the
    /// String forms above.
    func startElement(_ id: XMLNameID, name: () -> XMLName, attributes: [XMLAttribute]) throws(ParseError)
    func endElement(_ id: XMLNameID, name: () -> XMLName) throws(ParseError)
}

extension XMLEventSink {
    func text(utf8 bytes: Span<UInt8>) throws(ParseError) { try text(Bytes.string(bytes)) }
    func declareNamespaces(_ uris: [String]) {}
    var wantsText: Bool { true }
    var readsPastErrors: Bool { true }
    func startElement(_ id: XMLNameID, name: () -> XMLName, attributes: [XMLAttribute]) throws(ParseError) {
        let n = name()
        try startElement(local: n.local, prefix: n.prefix, namespace: n.namespace, attributes: attributes)
    }
    func endElement(_ id: XMLNameID, name: () -> XMLName) throws(ParseError) {
        let n = name()
        try endElement(local: n.local, prefix: n.prefix, namespace: n.namespace)
    }
}

/// Receives the events of `HTMLStreamParser` (element names lower-cased by libxml2's HTML parser).
protocol HTMLEventSink: AnyObject {
    func startElement(_ name: String, attributes: [(name: String, value: String)])
    func endElement(_ name: String)
    func text(_ s: String)
}

/// The well-formedness verdict of one XML parse.
struct XMLParseReport: Sendable {
    /// libxml2 reported a well-formedness (or namespace) error and recovered.
    var recovered: Bool
    /// The first such error, "line L, column C: message".
    var firstError: String?
}

/// Streaming SAX2 parse of an XML document with libxml2's push parser.
///
/// Owns one `xmlParserCtxtPtr` and the (DTD-only) `xmlDocPtr` libxml2 builds to hold entity
/// declarations; `deinit` frees both. Not shared between threads: created, used and dropped by one call
/// of `parse`. Options: always `XML_PARSE_NONET`, `XML_PARSE_RECOVER`, `XML_PARSE_IGNORE_ENC` (the bytes
/// were transcoded to UTF-8 before); never NOENT, DTDLOAD, DTDVALID or HUGE. Internal entities are
/// budgeted when declared (expanded size ≤ `maxFieldBytes`) and when referenced (total expansion ≤
/// `maxDocumentTextBytes`); external entities are never resolved.
final class XMLStreamParser {
    private var ctxt: xmlParserCtxtPtr?
    // A strong `let` (the sink never refers back to the parser): calling it through an unowned reference
    // would cost an atomic increment and decrement at every event.
    private let sink: XMLEventSink
    private let limits: ParseLimits
    // The stored properties touched by every SAX event skip Swift's dynamic exclusivity checks: this object
    // is used by one thread, and libxml2 calls back into it only from inside xmlParseChunk, never while
    // one of its own methods holds an access to them.
    @exclusivity(unchecked) private var depth = 0
    @exclusivity(unchecked) private var textBytes = 0
    private var entityExpansionBytes = 0
    private var entitySizes: [String: Int] = [:]
    @exclusivity(unchecked) private var parked: ParseError?
    private var firstError: String?
    private var sawError = false
    /// Character data since the last other event, handed to the sink as one String (libxml2 delivers
    /// text in pieces of at most 300 bytes and every reference separately).
    @exclusivity(unchecked) private var pendingText: [UInt8] = []
    /// The sink's `wantsText`, read again after each start and end tag (the only events that may change it).
    @exclusivity(unchecked) private var sinkWantsText = true
    @exclusivity(unchecked) private var names = NameCache()
    /// Events go to the sink: false after the first error when the sink does not read past errors.
    @exclusivity(unchecked) private var delivering = true

    private init(sink: XMLEventSink, limits: ParseLimits) {
        self.sink = sink
        self.limits = limits
        sinkWantsText = sink.wantsText
    }

    deinit {
        if let ctxt {
            if let doc = ctxt.pointee.myDoc { xmlFreeDoc(doc) }
            ctxt.pointee.myDoc = nil
            xmlFreeParserCtxt(ctxt)
        }
    }

    /// Parses UTF-8 bytes, delivering events to `sink`. Throws the first error a sink or a limit raised.
    static func parse(utf8 bytes: [UInt8], sink: XMLEventSink, limits: ParseLimits) throws(ParseError) -> XMLParseReport {
        LibXML.initializeOnce()
        let p = XMLStreamParser(sink: sink, limits: limits)
        return try p.run(bytes)
    }

    private func run(_ bytes: [UInt8]) throws(ParseError) -> XMLParseReport {
        var handler = xmlSAXHandler()
        xmlSAXVersion(&handler, 2)
        handler.startElementNs = { ctx, local, prefix, uri, nbNamespaces, namespaces, nbAttributes, _, attributes in
            XMLStreamParser.with(ctx) { me in
                me.flushText()
                if nbNamespaces > 0, let namespaces { me.onNamespaces(Int(nbNamespaces), namespaces) }
                me.onStart(local, prefix, uri, Int(nbAttributes), attributes)
            }
        }
        handler.endElementNs = { ctx, local, prefix, uri in
            XMLStreamParser.with(ctx) { $0.onEnd(local, prefix, uri) }
        }
        handler.characters = { ctx, ch, len in XMLStreamParser.with(ctx) { $0.onText(ch, Int(len)) } }
        handler.ignorableWhitespace = { ctx, ch, len in XMLStreamParser.with(ctx) { $0.onText(ch, Int(len)) } }
        handler.cdataBlock = { ctx, ch, len in XMLStreamParser.with(ctx) { $0.onText(ch, Int(len)) } }
        handler.reference = { ctx, name in XMLStreamParser.with(ctx) { $0.onReference(name) } }
        handler.entityDecl = { ctx, name, type, publicId, systemId, content in
            guard let ctx, let me = XMLStreamParser.from(ctx) else { return }
            if me.onEntityDecl(name, Int(type), content) {
                xmlSAX2EntityDecl(ctx, name, type, publicId, systemId, content)
            }
        }
        handler.getEntity = { ctx, name in
            guard let ctx, let me = XMLStreamParser.from(ctx) else { return nil }
            guard let ent = xmlSAX2GetEntity(ctx, name) else { return nil }
            // Only internal general entities are ever expanded; external ones are never loaded.
            guard ent.pointee.etype == XML_INTERNAL_GENERAL_ENTITY else { return nil }
            return me.onEntityUse(name) ? ent : nil
        }
        handler.resolveEntity = { _, _, _ in nil }
        handler.externalSubset = nil
        handler.comment = nil
        handler.processingInstruction = nil
        handler.startElement = nil
        handler.endElement = nil
        handler.warning = nil
        handler.error = nil
        handler.fatalError = nil
        handler.serror = { ctx, err in
            guard let err else { return }
            XMLStreamParser.from(ctx)?.onError(err)
        }

        guard let ctxt = xmlCreatePushParserCtxt(&handler, nil, nil, 0, nil) else {
            throw ParseError(.malformed, "libxml2 could not create a parser context")
        }
        self.ctxt = ctxt
        ctxt.pointee._private = Unmanaged.passUnretained(self).toOpaque()
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_RECOVER.rawValue | XML_PARSE_IGNORE_ENC.rawValue
            | XML_PARSE_NOCDATA.rawValue)
        xmlCtxtUseOptions(ctxt, options)

        let chunk = 64 * 1024
        bytes.withUnsafeBufferPointer { buf in
            buf.withMemoryRebound(to: CChar.self) { cbuf in
                var offset = 0
                while offset < cbuf.count, parked == nil {
                    let n = min(chunk, cbuf.count - offset)
                    xmlParseChunk(ctxt, cbuf.baseAddress! + offset, Int32(n), 0)
                    offset += n
                }
                if parked == nil { xmlParseChunk(ctxt, nil, 0, 1) }
            }
        }
        if parked == nil { flushText() }
        if let parked { throw parked }
        let recovered = sawError || ctxt.pointee.wellFormed == 0
        return XMLParseReport(recovered: recovered, firstError: recovered ? (firstError ?? "not well-formed") : nil)
    }

    private static func from(_ ctx: UnsafeMutableRawPointer?) -> XMLStreamParser? {
        guard let ctx else { return nil }
        let c = ctx.assumingMemoryBound(to: xmlParserCtxt.self)
        guard let priv = c.pointee._private else { return nil }
        return Unmanaged<XMLStreamParser>.fromOpaque(priv).takeUnretainedValue()
    }

    /// Runs `body` on the parser behind a callback's context without retaining it: `run` keeps the parser
    /// alive for as long as libxml2 can call back (the callbacks only come from inside `xmlParseChunk`).
    @inline(__always)
    private static func with(_ ctx: UnsafeMutableRawPointer?, _ body: (XMLStreamParser) -> Void) {
        guard let ctx, let priv = ctx.assumingMemoryBound(to: xmlParserCtxt.self).pointee._private else { return }
        Unmanaged<XMLStreamParser>.fromOpaque(priv)._withUnsafeGuaranteedRef(body)
    }

    /// Delivers the pending character data, if any, in one piece.
    private func flushText() {
        guard !pendingText.isEmpty else { return }
        if parked == nil, delivering {
            var failure: ParseError?
            pendingText.withUnsafeBufferPointer { text in
                do throws(ParseError) { try sink.text(utf8: text.span) } catch { failure = error }
            }
            if let failure { park(failure) }
        }
        pendingText.removeAll(keepingCapacity: true)
    }

    private func park(_ error: ParseError) {
        if parked == nil { parked = error }
        if let ctxt { xmlStopParser(ctxt) }
    }

    private func onStart(_ local: UnsafePointer<xmlChar>?, _ prefix: UnsafePointer<xmlChar>?, _ uri: UnsafePointer<xmlChar>?,
                         _ nbAttributes: Int, _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) {
        guard parked == nil, let local else { return }
        depth += 1
        if depth > limits.maxDepth {
            park(ParseError(.limitExceeded, "element nesting deeper than \(limits.maxDepth) levels"))
            return
        }
        guard delivering else { return }
        var attrs: [XMLAttribute] = []
        if let attributes, nbAttributes > 0 {
            attrs.reserveCapacity(nbAttributes)
            for i in 0..<nbAttributes {
                guard let aLocal = attributes[i * 5], let start = attributes[i * 5 + 3], let end = attributes[i * 5 + 4] else { continue }
                let raw = UnsafeBufferPointer(start: start, count: max(0, end - start))
                // Without entity substitution libxml2 hands `&amp;` (and `&#38;`) in attribute values over as
                // "&#38;", and nothing else that way: undo it, or links and OPML xmlUrls keep a literal "&#38;".
                let value = Self.undoingAmpersandReferences(raw)
                attrs.append(XMLAttribute(local: names.string(aLocal), prefix: attributes[i * 5 + 1].map { names.string($0) },
                                          namespace: attributes[i * 5 + 2].map { names.string($0) }, value: value))
            }
        }
        do {
            try sink.startElement(nameID(local, prefix, uri), name: { name(local, prefix, uri) }, attributes: attrs)
        } catch { park(error) }
        sinkWantsText = sink.wantsText
    }

    private func nameID(_ local: UnsafePointer<xmlChar>, _ prefix: UnsafePointer<xmlChar>?,
                        _ uri: UnsafePointer<xmlChar>?) -> XMLNameID {
        XMLNameID(local: names.id(local), prefix: prefix.map { names.id($0) } ?? 0, namespace: uri.map { names.id($0) } ?? 0)
    }

    private func name(_ local: UnsafePointer<xmlChar>, _ prefix: UnsafePointer<xmlChar>?,
                      _ uri: UnsafePointer<xmlChar>?) -> XMLName {
        XMLName(local: names.string(local), prefix: prefix.map { names.string($0) }, namespace: uri.map { names.string($0) })
    }

    /// The attribute value with every "&#38;" read back as "&".
    private static func undoingAmpersandReferences(_ raw: UnsafeBufferPointer<xmlChar>) -> String {
        guard let base = raw.baseAddress, raw.count > 0 else { return "" }
        guard memchr(base, Int32(UInt8(ascii: "&")), raw.count) != nil else { return Bytes.string(raw.span) }
        let reference: [UInt8] = Array("&#38;".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = 0
        while i < raw.count {
            if raw[i] == UInt8(ascii: "&"), i + 5 <= raw.count, raw[i..<(i + 5)].elementsEqual(reference) {
                out.append(UInt8(ascii: "&"))
                i += 5
            } else {
                out.append(raw[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private func onNamespaces(_ count: Int, _ pairs: UnsafeMutablePointer<UnsafePointer<xmlChar>?>) {
        guard parked == nil, delivering else { return }
        // (prefix, URI) pairs
        let uris = (0..<count).compactMap { pairs[$0 * 2 + 1].map { names.string($0) } }
        sink.declareNamespaces(uris)
    }

    private func onEnd(_ local: UnsafePointer<xmlChar>?, _ prefix: UnsafePointer<xmlChar>?, _ uri: UnsafePointer<xmlChar>?) {
        flushText()
        guard parked == nil, let local else { return }
        depth -= 1
        guard delivering else { return }
        do {
            try sink.endElement(nameID(local, prefix, uri), name: { name(local, prefix, uri) })
        } catch { park(error) }
        sinkWantsText = sink.wantsText
    }

    private func onText(_ ch: UnsafePointer<xmlChar>?, _ len: Int) {
        guard parked == nil, let ch, len > 0 else { return }
        textBytes += len
        if textBytes > limits.maxDocumentTextBytes {
            park(ParseError(.limitExceeded, "document text exceeds \(limits.maxDocumentTextBytes) bytes"))
            return
        }
        guard sinkWantsText else { return }
        pendingText.append(contentsOf: UnsafeBufferPointer(start: ch, count: len))
        if pendingText.count >= 1 << 16 { flushText() }  // bounded, and a field's limit is still seen early
    }

    /// An entity reference handed to the application. A declared internal entity's text was already
    /// delivered as characters; an undeclared HTML entity name (`&nbsp;`, normally repaired before parsing)
    /// is decoded; anything else is kept literally.
    private func onReference(_ name: UnsafePointer<xmlChar>?) {
        guard parked == nil, let name else { return }
        let text: String
        if let ctxt, xmlSAX2GetEntity(ctxt, name) != nil {
            return
        } else if let desc = htmlEntityLookup(name), let scalar = Unicode.Scalar(desc.pointee.value) {
            text = String(Character(scalar))
        } else {
            text = "&" + String(cString: name) + ";"
        }
        if sinkWantsText { pendingText.append(contentsOf: text.utf8) }
    }

    /// Records an entity declaration; refuses the document when an internal entity expands past the budget.
    private func onEntityDecl(_ name: UnsafePointer<xmlChar>?, _ type: Int, _ content: UnsafeMutablePointer<xmlChar>?) -> Bool {
        guard parked == nil, let name else { return false }
        guard type == Int(XML_INTERNAL_GENERAL_ENTITY.rawValue) else { return true }
        let n = String(cString: name)
        let body = content.map { String(cString: $0) } ?? ""
        var size = 0
        var refs = 0
        // Expanded size: literal bytes plus the expanded size of every entity referenced.
        var scanner = body.utf8[...]
        while let amp = scanner.firstIndex(of: UInt8(ascii: "&")) {
            size += scanner.distance(from: scanner.startIndex, to: amp)
            let rest = scanner[scanner.index(after: amp)...]
            if let semi = rest.firstIndex(of: UInt8(ascii: ";")), rest.distance(from: rest.startIndex, to: semi) < 100 {
                let ref = String(decoding: rest[rest.startIndex..<semi], as: UTF8.self)
                size += entitySizes[ref] ?? 1
                refs += 1
                scanner = rest[rest.index(after: semi)...]
            } else {
                size += 1
                scanner = rest
            }
            if size > limits.maxFieldBytes { break }
        }
        size += scanner.count
        if size > limits.maxFieldBytes {
            park(ParseError(.limitExceeded, "internal entity '\(n)' expands to more than \(limits.maxFieldBytes) bytes (\(refs) nested references)"))
            return false
        }
        entitySizes[n] = size
        return true
    }

    /// Budgets every expansion of an internal entity against the document's text budget.
    private func onEntityUse(_ name: UnsafePointer<xmlChar>?) -> Bool {
        guard parked == nil, let name else { return false }
        entityExpansionBytes += entitySizes[String(cString: name)] ?? 0
        if entityExpansionBytes > limits.maxDocumentTextBytes {
            park(ParseError(.limitExceeded, "internal entity expansion exceeds \(limits.maxDocumentTextBytes) bytes"))
            return false
        }
        return true
    }

    private func onError(_ err: UnsafeMutablePointer<xmlError>) {
        let e = err.pointee
        let message = e.message.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? "error \(e.code)"
        if message.contains("Excessive depth") {
            park(ParseError(.limitExceeded, "element nesting deeper than libxml2's limit: \(message)"))
            return
        }
        if e.code == Int32(XML_ERR_ENTITY_LOOP.rawValue) {
            park(ParseError(.limitExceeded, "entity expansion refused: \(message)"))
            return
        }
        guard e.level == XML_ERR_FATAL || e.level == XML_ERR_ERROR else { return }
        sawError = true
        if firstError == nil { firstError = "line \(e.line), column \(e.int2): \(message)" }
        if delivering, !sink.readsPastErrors {
            delivering = false
            sinkWantsText = false
        }
    }
}

/// Strings of libxml2's names by pointer. Element and attribute names, prefixes and namespace URIs of a SAX2
/// parse come from the parser's dictionary (or are its static strings), which lives as long as the parser,
/// so a pointer seen again is the same name: a small direct-mapped cache saves building the String again.
/// Each pointer entered is numbered (`XMLNameID`) from 1 up: a number is never given to a second pointer, so
/// equal numbers are the same dictionary string (a pointer entered again after eviction gets a new number).
private struct NameCache {
    private var keys = [UnsafeRawPointer?](repeating: nil, count: 512)
    private var values = [String](repeating: "", count: 512)
    private var ids = [UInt64](repeating: 0, count: 512)
    private var lastID: UInt64 = 0

    mutating func string(_ name: UnsafePointer<xmlChar>) -> String { entry(name).string }

    /// The name's number, without copying its String when it is known.
    @inline(__always)
    mutating func id(_ name: UnsafePointer<xmlChar>) -> UInt64 {
        let slot = Self.slot(name)
        if keys[slot] == UnsafeRawPointer(name) { return ids[slot] }
        return entry(name).id
    }

    /// Fibonacci hashing of the whole pointer: the dictionary packs names next to each other, byte
    /// aligned, so dropping low bits (as a shift-and-mask did) put neighbouring names in the same slot.
    @inline(__always)
    private static func slot(_ name: UnsafePointer<xmlChar>) -> Int {
        Int(truncatingIfNeeded: (UInt64(UInt(bitPattern: UnsafeRawPointer(name))) &* 0x9E37_79B9_7F4A_7C15) >> 55)
    }

    @inline(__always)
    mutating func entry(_ name: UnsafePointer<xmlChar>) -> (string: String, id: UInt64) {
        let key = UnsafeRawPointer(name)
        let slot = Self.slot(name)
        if keys[slot] == key { return (values[slot], ids[slot]) }
        let s = String(cString: name)
        lastID += 1
        keys[slot] = key
        values[slot] = s
        ids[slot] = lastID
        return (s, lastID)
    }
}

/// Streaming SAX parse of an HTML fragment or page with libxml2's HTML push parser
/// (HTML_PARSE_NONET | NOERROR | NOWARNING | RECOVER). Owns its `htmlParserCtxtPtr`; `deinit` frees it.
final class HTMLStreamParser {
    private var ctxt: htmlParserCtxtPtr?
    private unowned let sink: HTMLEventSink

    private init(sink: HTMLEventSink) { self.sink = sink }

    deinit {
        if let ctxt {
            if let doc = ctxt.pointee.myDoc { xmlFreeDoc(doc) }
            ctxt.pointee.myDoc = nil
            htmlFreeParserCtxt(ctxt)
        }
    }

    static func parse(utf8 bytes: [UInt8], sink: HTMLEventSink) {
        LibXML.initializeOnce()
        let p = HTMLStreamParser(sink: sink)
        p.run(bytes)
    }

    private func run(_ bytes: [UInt8]) {
        var handler = htmlSAXHandler()
        handler.initialized = XML_SAX2_MAGIC
        handler.serror = { _, _ in }
        handler.startElement = { ctx, name, atts in HTMLStreamParser.from(ctx)?.onStart(name, atts) }
        handler.endElement = { ctx, name in
            guard let name else { return }
            HTMLStreamParser.from(ctx)?.sink.endElement(String(cString: name))
        }
        handler.characters = { ctx, ch, len in HTMLStreamParser.from(ctx)?.onText(ch, Int(len)) }
        handler.ignorableWhitespace = { ctx, ch, len in HTMLStreamParser.from(ctx)?.onText(ch, Int(len)) }
        handler.cdataBlock = { ctx, ch, len in HTMLStreamParser.from(ctx)?.onText(ch, Int(len)) }
        let user = Unmanaged.passUnretained(self).toOpaque()
        guard let ctxt = htmlCreatePushParserCtxt(&handler, user, nil, 0, nil, XML_CHAR_ENCODING_UTF8) else { return }
        self.ctxt = ctxt
        let options = Int32(HTML_PARSE_NONET.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
            | HTML_PARSE_RECOVER.rawValue)
        htmlCtxtUseOptions(ctxt, options)
        bytes.withUnsafeBufferPointer { buf in
            buf.withMemoryRebound(to: CChar.self) { cbuf in
                var offset = 0
                let chunk = 64 * 1024
                while offset < cbuf.count {
                    let n = min(chunk, cbuf.count - offset)
                    htmlParseChunk(ctxt, cbuf.baseAddress! + offset, Int32(n), 0)
                    offset += n
                }
                htmlParseChunk(ctxt, nil, 0, 1)
            }
        }
    }

    private static func from(_ ctx: UnsafeMutableRawPointer?) -> HTMLStreamParser? {
        guard let ctx else { return nil }
        return Unmanaged<HTMLStreamParser>.fromOpaque(ctx).takeUnretainedValue()
    }

    private func onStart(_ name: UnsafePointer<xmlChar>?, _ atts: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) {
        guard let name else { return }
        var attrs: [(name: String, value: String)] = []
        if let atts {
            var i = 0
            while let n = atts[i] {
                attrs.append((String(cString: n), atts[i + 1].map { String(cString: $0) } ?? ""))
                i += 2
            }
        }
        sink.startElement(String(cString: name), attributes: attrs)
    }

    private func onText(_ ch: UnsafePointer<xmlChar>?, _ len: Int) {
        guard let ch, len > 0 else { return }
        sink.text(String(decoding: UnsafeBufferPointer(start: ch, count: len), as: UTF8.self))
    }
}

/// Plain text of HTML fields through libxml2's HTML parser (HTML_PARSE_NONET | NOERROR | NOWARNING | RECOVER),
/// with one parser context reused for every field of a document: `htmlCtxtReset` keeps its dictionary and SAX
/// handler, and no tree is built (the handler has no tree callbacks). Element names come from
/// that dictionary (or are libxml2's static strings for implied elements), so their kind is looked up once per
/// name and then by pointer. Text is collapsed byte by byte in the callbacks, one String per field.
/// Owns its `htmlParserCtxtPtr`; `deinit` frees it. Used by one thread at a time (one per document parse).
final class HTMLTextParser {
    private var ctxt: htmlParserCtxtPtr?
    @exclusivity(unchecked) private var kinds: [UnsafeRawPointer: HTMLTextExtractor.Kind] = [:]
    // Only ever touched by this object's own calls and libxml2's callbacks into it, on one thread.
    @exclusivity(unchecked) private var extractor = HTMLTextExtractor(capacity: 0)

    init() {}

    deinit {
        if let ctxt {
            if let doc = ctxt.pointee.myDoc { xmlFreeDoc(doc) }
            ctxt.pointee.myDoc = nil
            htmlFreeParserCtxt(ctxt)
        }
    }

    private func context() -> htmlParserCtxtPtr? {
        if let ctxt { return ctxt }
        LibXML.initializeOnce()
        let empty: StaticString = " "
        guard let c = empty.withUTF8Buffer({ buf in
            buf.withMemoryRebound(to: CChar.self) { htmlCreateMemoryParserCtxt($0.baseAddress, 1) }
        }), let sax = c.pointee.sax else { return nil }
        var handler = htmlSAXHandler()
        handler.initialized = XML_SAX2_MAGIC
        handler.serror = { _, _ in }
        handler.startElement = { ctx, name, _ in HTMLTextParser.from(ctx)?.onStart(name) }
        handler.endElement = { ctx, name in HTMLTextParser.from(ctx)?.onEnd(name) }
        handler.characters = { ctx, ch, len in HTMLTextParser.from(ctx)?.onText(ch, Int(len)) }
        handler.ignorableWhitespace = { ctx, ch, len in HTMLTextParser.from(ctx)?.onText(ch, Int(len)) }
        handler.cdataBlock = { ctx, ch, len in HTMLTextParser.from(ctx)?.onText(ch, Int(len)) }
        sax.pointee = handler
        c.pointee._private = Unmanaged.passUnretained(self).toOpaque()
        ctxt = c
        return c
    }

    /// The visible text of `html`: lines of collapsed text, block elements breaking lines.
    func plainText(_ html: String) -> String {
        guard !html.isEmpty, let ctxt = context() else { return "" }
        extractor = HTMLTextExtractor(capacity: html.utf8.count)
        let options = Int32(HTML_PARSE_NONET.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
            | HTML_PARSE_RECOVER.rawValue)
        var bytes = html
        bytes.withUTF8 { buf in
            buf.withMemoryRebound(to: CChar.self) { cbuf in
                // What `htmlCtxtReadMemory` does, except that the input is declared UTF-8 without a converter,
                // as the push parser was told before (`htmlCtxtReset` forgets the charset; a converter would
                // change how a <meta charset> inside the field is read).
                htmlCtxtReset(ctxt)
                guard let input = xmlParserInputBufferCreateMem(cbuf.baseAddress, Int32(cbuf.count), XML_CHAR_ENCODING_NONE)
                else { return }
                guard let stream = xmlNewIOInputStream(ctxt, input, XML_CHAR_ENCODING_UTF8) else {
                    xmlFreeParserInputBuffer(input)
                    return
                }
                inputPush(ctxt, stream)
                htmlCtxtUseOptions(ctxt, options)
                htmlParseDocument(ctxt)
                if let doc = ctxt.pointee.myDoc { xmlFreeDoc(doc) }
                ctxt.pointee.myDoc = nil
            }
        }
        return extractor.result()
    }

    private static func from(_ ctx: UnsafeMutableRawPointer?) -> HTMLTextParser? {
        guard let ctx else { return nil }
        let c = ctx.assumingMemoryBound(to: htmlParserCtxt.self)
        guard let priv = c.pointee._private else { return nil }
        return Unmanaged<HTMLTextParser>.fromOpaque(priv).takeUnretainedValue()
    }

    private func kind(_ name: UnsafePointer<xmlChar>) -> HTMLTextExtractor.Kind {
        let key = UnsafeRawPointer(name)
        if let k = kinds[key] { return k }
        let k = HTMLTextExtractor.kind(of: String(cString: name))
        kinds[key] = k
        return k
    }

    private func onStart(_ name: UnsafePointer<xmlChar>?) {
        guard let name else { return }
        extractor.startElement(kind(name))
    }

    private func onEnd(_ name: UnsafePointer<xmlChar>?) {
        guard let name else { return }
        extractor.endElement(kind(name))
    }

    private func onText(_ ch: UnsafePointer<xmlChar>?, _ len: Int) {
        guard let ch, len > 0, extractor.keepsText else { return }
        extractor.append(contentsOf: UnsafeBufferPointer(start: ch, count: len).span)
    }
}

/// Small libxml2 utilities: URI resolution and charset conversion (iconv behind libxml2's handlers).
enum LibXML {
    /// libxml2's global tables must be set up once before threads use it (Swift runs this exactly once).
    private static let initialized: Bool = {
        xmlInitParser()
        return true
    }()

    static func initializeOnce() { _ = initialized }

    /// Resolves `reference` against `base` (RFC 3986). nil when libxml2 cannot build a URI.
    static func resolveURI(_ reference: String, base: String) -> String? {
        guard let out = xmlBuildURI(reference, base) else { return nil }
        defer { cxml_free(out) }
        return String(cString: out)
    }

    /// True when libxml2 (iconv) knows a converter for this charset name.
    static func knowsEncoding(_ name: String) -> Bool {
        CharsetConverter(name, capacity: 0) != nil
    }

    /// Converts `bytes` in charset `name` to UTF-8. Undecodable bytes become U+FFFD and are counted.
    /// nil when the charset is unknown.
    static func transcodeToUTF8(_ bytes: [UInt8], from name: String) -> (bytes: [UInt8], invalid: Int)? {
        CharsetConverter(name, capacity: bytes.count)?.convert(bytes)
    }
}

/// Owns a libxml2 charset converter (`xmlCharEncodingHandler*`, iconv behind it) and its two
/// `xmlBufferPtr`s; `deinit` closes and frees them. Used by one call, on one thread.
private final class CharsetConverter {
    private let handler: UnsafeMutablePointer<xmlCharEncodingHandler>
    private let input: xmlBufferPtr
    private let output: xmlBufferPtr

    init?(_ name: String, capacity: Int) {
        guard let h = xmlFindCharEncodingHandler(name) else { return nil }
        guard let i = xmlBufferCreateSize(capacity + 1), let o = xmlBufferCreateSize(capacity * 2 + 64) else {
            xmlCharEncCloseFunc(h)
            return nil
        }
        handler = h; input = i; output = o
    }

    deinit {
        xmlBufferFree(input)
        xmlBufferFree(output)
        xmlCharEncCloseFunc(handler)
    }

    func convert(_ bytes: [UInt8]) -> (bytes: [UInt8], invalid: Int) {
        // libxml2 reports conversion errors on its generic channel (stderr); we count them instead.
        xmlSetStructuredErrorFunc(nil, { _, _ in })
        defer { xmlSetStructuredErrorFunc(nil, nil) }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count + bytes.count / 4)
        var invalid = 0
        bytes.withUnsafeBufferPointer { buf in
            _ = xmlBufferAdd(input, buf.baseAddress, Int32(buf.count))
        }
        var rounds = 0
        while input.pointee.use > 0, rounds < bytes.count * 4 + 16 {
            rounds += 1
            let before = input.pointee.use
            _ = xmlCharEncInFunc(handler, output, input)
            if output.pointee.use > 0, let content = output.pointee.content {
                result.append(contentsOf: UnsafeBufferPointer(start: content, count: Int(output.pointee.use)))
                xmlBufferEmpty(output)
            }
            if input.pointee.use == before {
                // Stuck on a byte the charset does not define: replace it and go on.
                xmlBufferShrink(input, 1)
                result.append(contentsOf: [0xEF, 0xBF, 0xBD])
                invalid += 1
            }
        }
        return (result, invalid)
    }
}

extension LibXML {
    /// The character an HTML 4 named entity stands for (`nbsp` → U+00A0), from libxml2's HTML table.
    static func htmlEntity(named name: String) -> Unicode.Scalar? {
        guard let desc = htmlEntityLookup(name) else { return nil }
        return Unicode.Scalar(desc.pointee.value)
    }

    /// Every named entity of libxml2's HTML table (names and values), read back through
    /// `htmlEntityValueLookup` over the values the HTML 4 entities use (U+0001...U+27FF).
    static func htmlEntities() -> [(name: String, value: UInt32)] {
        var entities: [(name: String, value: UInt32)] = []
        for value in UInt32(1)..<0x2800 {
            guard let desc = htmlEntityValueLookup(value), let name = desc.pointee.name else { continue }
            entities.append((String(cString: name), desc.pointee.value))
        }
        return entities
    }
}
