import Foundation
import Testing
@testable import NewswireCore

/// Mutated real-world feeds (truncated, bytes flipped, markup characters injected) must give a
/// result or a `ParseError`, never a crash. Deterministic: a fixed-seed generator.
@Suite struct ParseMutationTests {
    @Test(arguments: ["feedjira__FeedjiraBlog.xml", "node-feedparser__rss2sample.xml", "rsparser__allthis.atom",
                      "miniflux__rdf_UTF8.xml", "feedjira__json_feed.json"])
    func mutationsNeverCrash(file: String) throws {
        let original = try [UInt8](Data(contentsOf: ParseRealWorldCorpusTests.corpus.appendingPathComponent(file)))
        var rng = SplitMix64(seed: UInt64(truncatingIfNeeded: file.utf8.count &* 7919))
        let injections: [[UInt8]] = [Array("<".utf8), Array("&".utf8), Array("]]>".utf8), Array("<![CDATA[".utf8),
                                     Array("&#0;".utf8), Array("<!ENTITY".utf8), [0xFF, 0xFE], [0xC3], [0x00]]
        // PARSE_FUZZ_ROUNDS=5000 for a longer run by hand.
        let rounds = ProcessInfo.processInfo.environment["PARSE_FUZZ_ROUNDS"].flatMap { Int($0) } ?? 60
        var outcomes = (parsed: 0, refused: 0)
        let entriesOfOriginal = try FeedParser.parse(Data(original)).entries.count
        for round in 0..<rounds {
            var bytes = original
            switch round % 3 {
            case 0:
                bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng)))
            case 1:
                for _ in 0..<8 where !bytes.isEmpty {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            default:
                for _ in 0..<4 {
                    let at = Int.random(in: 0...bytes.count, using: &rng)
                    bytes.insert(contentsOf: injections.randomElement(using: &rng)!, at: at)
                }
            }
            do {
                let feed = try FeedParser.parse(Data(bytes))
                outcomes.parsed += 1
                // What a mutated document still yields keeps the parser's promises: only http(s) URLs, and
                // no more entries than the whole document has.
                let urls: [String?] = [feed.feed.link, feed.feed.image] + feed.entries.flatMap { [$0.link] + $0.enclosures.map { Optional($0.url) } }
                for case let url? in urls {
                    #expect(Self.schemeAsABrowserReadsIt(url).map { $0 == "http" || $0 == "https" } ?? true,
                            "round \(round): \(url)")
                }
                #expect(feed.entries.count <= entriesOfOriginal + 4, "round \(round)")
            } catch {
                outcomes.refused += 1
            }
        }
        // Cutting at random keeps a prefix, which parses (recovered) more often than not.
        #expect(outcomes.parsed > 0)
    }

    /// The scheme a browser would see (WHATWG URL: leading C0 controls and spaces dropped, tabs and newlines
    /// removed, then ALPHA *(ALPHA / DIGIT / "+" / "-" / ".") before ':'), lower-cased; nil for a relative
    /// reference.
    static func schemeAsABrowserReadsIt(_ url: String) -> String? {
        let scalars = url.unicodeScalars.drop { $0.value <= 0x20 }.filter { $0 != "\t" && $0 != "\n" && $0 != "\r" }
        guard let colon = scalars.firstIndex(of: ":"), colon > scalars.startIndex else { return nil }
        let scheme = scalars[scalars.startIndex..<colon]
        guard scheme.first!.isASCII, CharacterSet.letters.contains(scheme.first!),
              scheme.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "+-.".unicodeScalars.contains($0)) })
        else { return nil }
        return String(String.UnicodeScalarView(scheme)).lowercased()
    }
}
