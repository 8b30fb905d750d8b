import Foundation

/// Lower bounds of `FeedParser.parse` for the parse benchmark (`newswired-bench --floor LEVEL`): the same
/// stages up to the SAX events, with a sink that only counts what it is handed, so the time of the full
/// parse can be split into what every event costs before `FeedBuilder` looks at it and what reading the
/// feed costs on top. Not used by the daemon.
public enum ParseFloor {
    public enum Level: String, Sendable, CaseIterable {
        /// Decoding, entity repair and libxml2's push parse; element names as Strings (the sink's
        /// `startElement`/`endElement` need them), no text turned into Strings.
        case names
        /// As `names`, and every piece of character data turned into one String, as the full parse does
        /// inside every field it reads.
        case events
    }

    /// Runs one document through the stages of `level`; returns the number of events (a value the
    /// caller keeps, so nothing is optimized away), or -1 when a stage refused the document.
    public static func run(_ data: Data, level: Level) -> Int {
        do {
            let decoded = try DocumentDecoder.decode(data, contentType: nil)
            let repaired = EntityRepair.repair(decoded.utf8)
            let sink = CountingSink(wantsText: level == .events)
            _ = try XMLStreamParser.parse(utf8: repaired.bytes, sink: sink, limits: .default)
            return sink.count
        } catch {
            return -1
        }
    }
}

private final class CountingSink: XMLEventSink {
    let wantsText: Bool
    var count = 0

    init(wantsText: Bool) { self.wantsText = wantsText }

    func startElement(local: String, prefix: String?, namespace: String?, attributes: [XMLAttribute]) throws(ParseError) {
        count += 1 + attributes.count + local.utf8.count
    }

    func endElement(local: String, prefix: String?, namespace: String?) throws(ParseError) { count += 1 }

    func text(_ s: String) throws(ParseError) { count += 1 + s.utf8.count }
}
