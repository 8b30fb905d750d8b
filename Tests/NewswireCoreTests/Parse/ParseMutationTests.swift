import Foundation
import Testing
@testable import NewswireCore

/// Mutated real-world feeds (truncated, bytes flipped, markup characters injected) must give a
/// result or a `ParseError`, never a crash. Deterministic: a fixed-seed generator.
@Suite struct ParseMutationTests {
    private struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test(arguments: ["feedjira__FeedjiraBlog.xml", "node-feedparser__rss2sample.xml", "rsparser__allthis.atom",
                      "miniflux__rdf_UTF8.xml", "feedjira__json_feed.json"])
    func mutationsNeverCrash(file: String) throws {
        let original = try [UInt8](Data(contentsOf: ParseRealWorldCorpusTests.corpus.appendingPathComponent(file)))
        var rng = SplitMix(state: UInt64(truncatingIfNeeded: file.utf8.count &* 7919))
        let injections: [[UInt8]] = [Array("<".utf8), Array("&".utf8), Array("]]>".utf8), Array("<![CDATA[".utf8),
                                     Array("&#0;".utf8), Array("<!ENTITY".utf8), [0xFF, 0xFE], [0xC3], [0x00]]
        // PARSE_FUZZ_ROUNDS=5000 for a longer run by hand.
        let rounds = ProcessInfo.processInfo.environment["PARSE_FUZZ_ROUNDS"].flatMap { Int($0) } ?? 60
        var outcomes = (parsed: 0, refused: 0)
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
                _ = try FeedParser.parse(Data(bytes))
                outcomes.parsed += 1
            } catch {
                outcomes.refused += 1
            }
        }
        #expect(outcomes.parsed + outcomes.refused == rounds)
        #expect(outcomes.parsed > 0)
    }
}
