import Foundation
import Testing
@testable import NewswireCore

/// The general path gives exactly what its first implementation (kept below as the reference) gave: for every
/// Unicode scalar, for every text field of the real-world corpus, and for text that mixes cases, marks and
/// spaces. Content hashes of stored items depend on it.
@Suite struct NormalizerGeneralPathTests {
    static func reference(_ text: String) -> String {
        let folded = text.precomposedStringWithCompatibilityMapping.lowercased()
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for u in folded.unicodeScalars {
            let mapped: Unicode.Scalar?
            switch u.value {
            case 0x2018, 0x2019, 0x201A, 0x201B, 0x2032, 0x0060: mapped = "'"
            case 0x201C, 0x201D, 0x201E, 0x201F, 0x2033, 0x00AB, 0x00BB: mapped = "\""
            case 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212: mapped = "-"
            case 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD: mapped = nil
            default: mapped = u
            }
            guard let m = mapped else { continue }
            if m.properties.isWhitespace {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace {
                out.append(" ")
                pendingSpace = false
            }
            out.append(m)
        }
        return String(out)
    }

    /// Every scalar, 256 at a time, alone and between letters and spaces.
    @Test(arguments: Array(stride(from: 0, to: 0x110000, by: 0x8000)))
    func everyScalarIsUnchanged(from block: Int) {
        for start in stride(from: block, to: block + 0x8000, by: 256) {
            let scalars = (start..<(start + 256)).compactMap { Unicode.Scalar(UInt32($0)) }
            guard !scalars.isEmpty else { continue }
            var run = String.UnicodeScalarView(), spaced = String.UnicodeScalarView()
            for u in scalars {
                run.append(u)
                spaced.append(contentsOf: "A".unicodeScalars)
                spaced.append(u)
                spaced.append(contentsOf: " Σ\t".unicodeScalars)
            }
            for text in [String(run), String(spaced)] where TextNormalizer.general(text) != Self.reference(text) {
                Issue.record("scalars from \(String(start, radix: 16))")
            }
        }
    }

    @Test(arguments: ParseRealWorldCorpusTests.files())
    func realWorldTextIsUnchanged(file: String) throws {
        let data = try Data(contentsOf: ParseRealWorldCorpusTests.corpus.appendingPathComponent(file))
        let feed = try FeedParser.parse(data, documentURL: "https://feeds.example.com/\(file)")
        var texts = [feed.feed.title, feed.feed.subtitle, feed.feed.author].compactMap { $0 }
        for e in feed.entries {
            texts += [e.id, e.title, e.link, e.author, e.summary, e.content].compactMap { $0 } + e.categories
        }
        for text in texts where TextNormalizer.general(text) != Self.reference(text) {
            Issue.record("\(file): \(text.prefix(200))")
        }
    }

    @Test(arguments: [
        "", " ", "\n\n", "  ÉTÉ à Paris  ", "İstanbul IŞIK", "ΟΔΟΣ Σ", "STRASSE ẞ ß", "ﬁnance Ⅻ ½ ①", "Ｆｕｌｌ １２",
        "e\u{0301} A\u{030A} \u{0301}x", "a\u{200D}\u{0345}", "ǅ ǈ ǋ Ǳ", "Ꭰ ꭰ", "𐐀𐐨 𞤀", "\u{0130}\u{0307}",
        "“quoted” ‘single’ ″prime″ ′ `tick` — – − \u{00AD}\u{200B}\u{FEFF}", "tab\tnbsp\u{00A0}em\u{2003}ideo\u{3000}end",
        "\u{85}line\u{2028}sep\u{2029}para\r\n", "🎉 👨‍👩‍👧 🇺🇸", "東京 한국 العربية Русский",
    ])
    func mixedTextIsUnchanged(_ text: String) {
        #expect(TextNormalizer.general(text) == Self.reference(text))
    }
}
