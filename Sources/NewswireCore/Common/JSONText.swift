/// Builds one JSON object as text, keys in the order written.
///
/// Strings escape `<`, `>` and `&` as `\u003c`, `\u003e`, `\u0026` (as Go's encoding/json does), so no text
/// taken from a feed can become active markup in any page that embeds an archive line; `jq` reads them
/// back as the original characters.
public struct JSONObjectWriter {
    public private(set) var text = "{"
    private var first = true

    public init() {}

    private mutating func key(_ k: String) {
        if !first { text += "," }
        first = false
        text += "\""
        text += k
        text += "\":"
    }

    public mutating func field(_ k: String, _ v: String?) {
        key(k)
        if let v { JSONText.appendString(v, to: &text) } else { text += "null" }
    }

    public mutating func field(_ k: String, _ v: Int?) {
        key(k)
        text += v.map(String.init) ?? "null"
    }

    public mutating func field(_ k: String, _ v: Bool) {
        key(k)
        text += v ? "true" : "false"
    }

    public mutating func field(_ k: String, number v: Double) {
        key(k)
        text += JSONText.number(v)
    }

    public mutating func field(_ k: String, strings: [String]) {
        key(k)
        text += "["
        for (i, s) in strings.enumerated() {
            if i > 0 { text += "," }
            JSONText.appendString(s, to: &text)
        }
        text += "]"
    }

    /// A value already rendered as JSON.
    public mutating func field(_ k: String, raw: String) {
        key(k)
        text += raw
    }

    public func finish() -> String { text + "}" }
}

public enum JSONText {
    public static func appendString(_ s: String, to out: inout String) {
        var needsEscape = false
        for u in s.utf8 where u < 0x20 || u == 0x22 || u == 0x5C || u == 0x3C || u == 0x3E || u == 0x26 {
            needsEscape = true
            break
        }
        if !needsEscape {
            out += "\""
            out += s
            out += "\""
            return
        }
        // Only ASCII bytes are ever escaped, so work on UTF-8 bytes and copy the rest through.
        var bytes = [UInt8]()
        bytes.reserveCapacity(s.utf8.count + 16)
        bytes.append(0x22)
        let hex = Array("0123456789abcdef".utf8)
        for b in s.utf8 {
            switch b {
            case 0x22: bytes += [0x5C, 0x22]
            case 0x5C: bytes += [0x5C, 0x5C]
            case 0x0A: bytes += [0x5C, UInt8(ascii: "n")]
            case 0x0D: bytes += [0x5C, UInt8(ascii: "r")]
            case 0x09: bytes += [0x5C, UInt8(ascii: "t")]
            case 0x3C, 0x3E, 0x26, 0x00..<0x20:
                bytes += [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]]
            default: bytes.append(b)
            }
        }
        bytes.append(0x22)
        out += String(decoding: bytes, as: UTF8.self)
    }

    public static func string(_ s: String) -> String {
        var out = ""
        appendString(s, to: &out)
        return out
    }

    /// A finite number with at most 4 decimals ("0.8125", "1", "0").
    public static func number(_ v: Double) -> String {
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
}
