import Foundation
import Testing
@testable import NewswireCore

/// The parser's fast paths give what the general code gives, or step aside (nil) for it.
@Suite struct ParseFastPathTests {
    @Test(arguments: [
        "a &amp; b", "&eacute;&#233;&#xE9;&#XE9;", "&#150; dash &#x93;quoted&#x94;", "AT&T", "&nbsp;x&nbsp;",
        "&unknown; entity", "&#0; nul", "&#x110000; too large", "&#xD800; surrogate", "&amp no semicolon",
        "  spaced \t\n  out  ", "x&#13;y", "&Eacute;&eacute;", "&#65;&#x41;&#0000065;", "&sup2;&frac12;", "& alone",
        "\u{FEFF}bom &amp;", "caf\u{C3}\u{A9} &lt;tag&gt;", "中国 &#8217;25 — “quoted”", "\u{85}ellipsis &amp;",
    ])
    func referencesDecodeAsLibXML2sHTMLParserDoes(_ text: String) {
        let parsed = HTMLTextParser().plainText(text)
        if let fast = HTMLTextScanner.plainText(text) { #expect(fast == parsed) }
        #expect(PlainText.fromHTML(text) == parsed)
    }

    @Test func commonReferencesTakeTheFastPath() {
        #expect(HTMLTextScanner.plainText("R&amp;D &#8217;25 &lt;tag&gt; &eacute;") == "R&D ’25 <tag> é")
        #expect(HTMLTextScanner.plainText("AT&T") == "AT&T")
    }

    @Test(arguments: [
        "Mon, 23 Nov 2026 10:00:00 +0000", "Sun, 1 Jan 2006 15:04:05 -0700", "Tue, 02 Jan 2006 15:04:05 GMT",
        "02 Jan 2006 15:04:05 UT", "Wed, 31 Feb 2024 10:00:00 Z", "Thu, 01 Jan 0099 00:00:00 +0000",
        "Fri, 01 Jan 2010 23:59:60 +0530", "Sat, 01 Jan 2010 24:00:00 UTC", "Sat, 01 Jan 2010 10:00:00 +2400",
        "Sat, 01 Jan 2010 10:00:00 EST", "Sat, 32 Jan 2010 10:00:00 +0000", "Sat,01 Jan 2010 10:00:00 +0000",
    ])
    func canonicalRFC822AgreesWithTheReference(_ input: String) {
        let fast = FeedDate.canonicalRFC822(Array(input.utf8))
        if fast != nil { #expect(fast == ReferenceDate.parse(input, now: Date())) }
    }

    @Test func canonicalRFC822ReadsTheUsualShape() {
        #expect(FeedDate.canonicalRFC822(Array("Mon, 23 Nov 2026 10:00:00 +0130".utf8)).map(ISOTime.format) == "2026-11-23T08:30:00Z")
    }

    @Test func bareAuthorNamesAreKept() {
        #expect(FeedBuilder.splitAuthor("Anna \t Müller ") == ("Anna \t Müller", nil))
        #expect(FeedBuilder.splitAuthor("jd@example.com (John Doe)") == ("John Doe", "jd@example.com"))
    }

    @Test func entityRepairLeavesCleanReferencesAlone() {
        let clean = Array("<a>R&amp;D &#8217;25 &#x2019; &lt;&gt;&quot;&apos;</a>".utf8)
        let r = EntityRepair.repair(clean)
        #expect(r.bytes == clean && r.firstRepair == nil)
        let c1 = EntityRepair.repair(Array("<a>&#150;</a>".utf8))
        #expect(c1.bytes == Array("<a>&#150;</a>".utf8) && c1.firstRepair == nil)
        let bare = EntityRepair.repair(Array("<a>AT&T &eacute;</a>".utf8))
        #expect(bare.bytes == Array("<a>AT&amp;T &#233;</a>".utf8) && bare.firstRepair == "unescaped '&'")
    }
}

@Suite struct ParseFastPathValidationTests {
    @Test func utf8ValidationAgreesWithTheStandardLibrary() {
        var rng = SystemRandomNumberGenerator()
        let interesting: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0,
                                    0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF]
        for _ in 0..<20_000 {
            let count = Int.random(in: 0...24, using: &rng)
            let bytes = (0..<count).map { _ in Bool.random(using: &rng) ? interesting.randomElement(using: &rng)! : UInt8.random(in: 0...0x7F, using: &rng) }
            #expect(DocumentDecoder.isValidUTF8(bytes) == (String(validating: bytes, as: UTF8.self) != nil), "\(bytes)")
        }
        #expect(DocumentDecoder.isValidUTF8(Array("plain ASCII text, longer than eight bytes; café 中国 😀".utf8)))
    }

    @Test(arguments: ["Z", "z", "+05:30", "-0800", "+23:59", "+24:00", "-12:60", "+5:30", "+0530x", "GMT", "+05"])
    func numericZonesAgreeWithZoneOffset(_ zone: String) {
        if let fast = FeedDate.numericZone(ArraySlice(zone.utf8)) { #expect(fast == FeedDate.zoneOffset(zone)) }
    }

    @Test(arguments: ["caf\u{C3}\u{A9}", "\u{E2}\u{20AC}\u{A6}", "café", "naïve – ok", "Ã", "Ã©Ã", "\u{C3}\u{A9} ok \u{C3}",
                      "Ã¼berblick â€” done", "\u{F0}\u{9F}\u{98}\u{80}", "\u{E0}\u{80}\u{80}"])
    func mojibakeRepairIsUnchangedByTheEarlyExits(_ s: String) {
        // The reference: the repair without its early exits.
        var bytes: [UInt8] = []
        var sawHigh = false
        var reference: String? = nil
        for ch in s.unicodeScalars {
            let v = ch.value
            if v < 0x80 { bytes.append(UInt8(v)); continue }
            sawHigh = true
            if v <= 0xFF { bytes.append(UInt8(v)); continue }
            guard let b = DocumentDecoder.cp1252Byte(for: v) else { reference = s; break }
            bytes.append(b)
        }
        if reference == nil { reference = sawHigh ? (String(validating: bytes, as: UTF8.self) ?? s) : s }
        #expect(PlainText.repairingMojibake(s) == reference)
    }
}

@Suite struct ParseW3CDTFFastPathTests {
    @Test(arguments: [
        "2025-07-26T10:00:00Z", "2025-07-26t10:00:00z", "2025-07-26T10:00:00.123+05:30", "2025-07-26T10:00-08:00",
        "2025-07-26T23:59:59-00:00", "2024-02-29T12:00:00Z", "2025-02-29T12:00:00Z", "2025-07-26T24:00:00Z",
        "2025-07-26T10:60:00Z", "2025-07-26T10:00:60Z", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00",
        "2025-13-01T00:00:00Z", "2025-07-26T10:00:00+0530", "2025-07-26T10:00:00.Z",
    ])
    func agreesWithTheReference(_ input: String) {
        let fast = FeedDate.canonicalW3CDTF(Array(input.utf8))
        if fast != nil { #expect(fast == ReferenceDate.parse(input, now: Date()), "\(input)") }
    }
}
