import Foundation
import Testing
@testable import NewswireCore

@Suite struct LogFormatTests {
    @Test(arguments: [
        ("plain", "plain"),
        ("", "\"\""),
        ("two words", "\"two words\""),
        ("a=b", "\"a=b\""),
        ("say \"hi\"", "\"say \\\"hi\\\"\""),
        ("line\nlevel=error event=forged", "\"line\\nlevel=error event=forged\""),
        ("tab\there", "\"tab\\there\""),
        ("bell\u{07}", "\"bell\\u{7}\""),
        ("中文标题", "中文标题"),
    ])
    func quotesValuesSoTheyCannotForgeLines(raw: String, expected: String) {
        #expect(KeyValueLogHandler.quote(raw) == expected)
        #expect(!KeyValueLogHandler.quote(raw).contains("\n"))
    }

    @Test func jsonNumbers() {
        #expect(JSONText.number(0.8125) == "0.8125")
        #expect(JSONText.number(1) == "1")
        #expect(JSONText.number(0.123456) == "0.1235")
        #expect(JSONText.number(.nan) == "0")
    }

    /// The String-based `JSONText.number` these formatters replaced, kept as the reference.
    static func referenceNumber(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        let scaled = (v * 10_000).rounded()
        if scaled == scaled.rounded(.towardZero), abs(scaled) < 1e15 {
            let i = Int64(scaled)
            let whole = i / 10_000, frac = abs(i % 10_000)
            if frac == 0 { return (i < 0 && whole == 0 ? "-" : "") + String(whole) }
            var f = String(frac)
            f = String(repeating: "0", count: 4 - f.count) + f
            while f.hasSuffix("0") { f.removeLast() }
            return (i < 0 && whole == 0 ? "-" : "") + "\(whole).\(f)"
        }
        return String(v)
    }

    @Test func jsonNumbersAgreeWithTheStringFormatter() {
        var rng = SplitMix64(seed: 3)
        var values: [Double] = [0, -0.0, 1, -1, 0.5, -0.5, 0.00004, -0.00004, 0.00005, -0.00005, 0.99995, 9.99999, 1e10,
                                -1e10, 99_999_999_999.9999, 1e11, 1e12, -1e12, 1e300, .infinity, -.infinity, .nan,
                                .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        for _ in 0..<20_000 {
            let unit = Double(rng.next() % 1_000_000_000) / 1_000_000_000
            let sign: Double = rng.next() % 2 == 0 ? 1 : -1
            values.append(sign * unit)                                            // scores and relevances
            values.append(sign * unit * pow(10, Double(rng.next() % 14)))         // any magnitude up to 1e13
            values.append(sign * Double(rng.next() % 100_000) / 10_000)           // exact 4-decimal values
        }
        for v in values {
            #expect(JSONText.number(v) == Self.referenceNumber(v), "v = \(v)")
        }
    }

    /// The String-based `KeyValueLogHandler.quote` the byte-level one replaced, kept as the reference.
    static func referenceQuote(_ s: String) -> String {
        func control(_ u: Unicode.Scalar) -> Bool {
            u.value < 0x20 || u.value == 0x7F || (0x80...0x9F).contains(u.value) || u == "\u{2028}" || u == "\u{2029}"
        }
        var needsQuotes = s.isEmpty, plain = true
        for u in s.unicodeScalars {
            switch u {
            case " ", "=": needsQuotes = true
            case "\"", "\\": needsQuotes = true; plain = false
            default: if control(u) { needsQuotes = true; plain = false }
            }
        }
        if !needsQuotes { return s }
        if plain { return "\"\(s)\"" }
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default: if control(u) { out += "\\u{\(String(u.value, radix: 16))}" } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    @Test func quotingAgreesWithTheScalarByScalarReference() {
        let alphabet: [String] = ["a", "Z", "0", " ", "=", "\"", "\\", "\n", "\r", "\t", "\u{7}", "\u{7F}", "\u{80}",
                                  "\u{85}", "\u{9F}", "\u{A0}", "é", "中", "\u{2027}", "\u{2028}", "\u{2029}", "\u{202A}",
                                  "😀", "e\u{301}", ":", ","]
        var rng = SplitMix64(seed: 5)
        for _ in 0..<20_000 {
            let s = (0..<Int(rng.next() % 8)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }.joined()
            #expect(KeyValueLogHandler.quote(s) == Self.referenceQuote(s), "\(Array(s.unicodeScalars))")
        }
    }

    /// The per-byte escaper the word-at-a-time one replaced, kept as the reference.
    static func referenceEscaped(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x22]
        for b in bytes {
            switch b {
            case 0x22: out += Array(#"\""#.utf8)
            case 0x5C: out += Array(#"\\"#.utf8)
            case 0x0A: out += Array(#"\n"#.utf8)
            case 0x0D: out += Array(#"\r"#.utf8)
            case 0x09: out += Array(#"\t"#.utf8)
            case 0..<0x20, 0x3C, 0x3E, 0x26: out += Array(String(format: "\\u%04x", Int(b)).utf8)
            default: out.append(b)
            }
        }
        return out + [0x22]
    }

    @Test func jsonEscapingAgreesWithTheByteByByteReference() {
        // Every byte value, each alone and at every offset of a 17-byte window of plain text, then random mixes.
        var cases: [[UInt8]] = (0...255).map { [UInt8($0)] }
        for b in 0...255 {
            for offset in 0..<17 {
                var bytes = Array("abcdefghijklmnopq".utf8)
                bytes[offset] = UInt8(b)
                cases.append(bytes)
            }
        }
        var rng = SplitMix64(seed: 9)
        let pool: [UInt8] = Array("ab é中<>&\"\\\n\t".utf8) + [0x00, 0x1F, 0x20, 0x7F, 0x80, 0xFF, 0x21, 0x3D, 0x3F, 0x5B, 0x5D]
        for _ in 0..<5_000 {
            cases.append((0..<Int(rng.next() % 40)).map { _ in
                rng.next() % 4 == 0 ? pool[Int(rng.next() % UInt64(pool.count))] : UInt8(0x61 + rng.next() % 26)
            })
        }
        for bytes in cases {
            var out: [UInt8] = []
            bytes.withUnsafeBufferPointer { JSONText.appendEscaped($0, to: &out) }
            #expect(out == Self.referenceEscaped(bytes), "\(bytes)")
        }
    }
}
