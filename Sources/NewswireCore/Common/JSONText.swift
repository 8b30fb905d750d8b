import Foundation

/// Builds one JSON object as text, keys in the order written.
///
/// Strings escape `<`, `>` and `&` as `\u003c`, `\u003e`, `\u0026` (as Go's encoding/json does), so no text
/// taken from a feed can become active markup in any page that embeds an archive line; `jq` reads them
/// back as the original characters.
public struct JSONObjectWriter {
    /// The object so far, as UTF-8 (without its closing brace).
    public private(set) var bytes: [UInt8] = [0x7B]
    private var first = true

    public init() {}

    public var text: String { String(decoding: bytes, as: UTF8.self) }

    private mutating func key(_ k: String) {
        if !first { bytes.append(0x2C) }
        first = false
        bytes.append(0x22)
        bytes.append(contentsOf: k.utf8)
        bytes.append(0x22)
        bytes.append(0x3A)
    }

    public mutating func field(_ k: String, _ v: String?) {
        key(k)
        if let v { JSONText.appendString(v, to: &bytes) } else { bytes.append(contentsOf: JSONText.null) }
    }

    /// A date as the string `ISOTime.format` writes (it needs no escaping), or null.
    public mutating func field(_ k: String, date v: Date?) {
        key(k)
        guard let v else { return bytes.append(contentsOf: JSONText.null) }
        bytes.append(0x22)
        ISOTime.append(v, to: &bytes)
        bytes.append(0x22)
    }

    public mutating func field(_ k: String, _ v: Int?) {
        key(k)
        if let v { bytes.append(contentsOf: String(v).utf8) } else { bytes.append(contentsOf: JSONText.null) }
    }

    public mutating func field(_ k: String, _ v: Bool) {
        key(k)
        bytes.append(contentsOf: v ? JSONText.true : JSONText.false)
    }

    public mutating func field(_ k: String, number v: Double) {
        key(k)
        JSONText.appendNumber(v, to: &bytes)
    }

    public mutating func field(_ k: String, strings: [String]) {
        key(k)
        JSONText.appendStrings(strings, to: &bytes)
    }

    /// A value already rendered as JSON.
    public mutating func field(_ k: String, raw: String) {
        key(k)
        bytes.append(contentsOf: raw.utf8)
    }

    /// A value already rendered as JSON, as UTF-8.
    public mutating func field(_ k: String, raw: [UInt8]) {
        key(k)
        bytes.append(contentsOf: raw)
    }

    /// The object, closed.
    public func finishBytes() -> [UInt8] { bytes + [0x7D] }
    /// The object, closed, without a copy: the writer is left empty.
    public mutating func takeBytes() -> [UInt8] {
        bytes.append(0x7D)
        defer { bytes = [0x7B]; first = true }
        return bytes
    }
    public func finish() -> String { String(decoding: finishBytes(), as: UTF8.self) }
}

public enum JSONText {
    static let null = Array("null".utf8), `true` = Array("true".utf8), `false` = Array("false".utf8)

    /// Appends `s` as a JSON string.
    public static func appendString(_ s: String, to out: inout String) {
        var clean = true
        for u in s.utf8 where needsEscape(u) {
            clean = false
            break
        }
        if clean {
            out += "\""
            out += s
            out += "\""
            return
        }
        var bytes: [UInt8] = []
        appendString(s, to: &bytes)
        out += String(decoding: bytes, as: UTF8.self)
    }

    /// Appends a JSON array of strings.
    static func appendStrings(_ strings: [String], to out: inout [UInt8]) {
        out.append(0x5B)
        for (i, s) in strings.enumerated() {
            if i > 0 { out.append(0x2C) }
            appendString(s, to: &out)
        }
        out.append(0x5D)
    }

    /// The bytes escaped in a JSON string: control characters, `"` and `\\`, and `<`, `>`, `&` (see
    /// `JSONObjectWriter`). Only ASCII bytes are ever escaped, so UTF-8 text is copied through untouched.
    @inline(__always) static func needsEscape(_ b: UInt8) -> Bool {
        b < 0x20 || b == 0x22 || b == 0x5C || b == 0x3C || b == 0x3E || b == 0x26
    }

    public static func string(_ s: String) -> String {
        var out = ""
        appendString(s, to: &out)
        return out
    }

    /// A finite number with at most 4 decimals ("0.8125", "1", "0").
    public static func number(_ v: Double) -> String {
        var out: [UInt8] = []
        appendNumber(v, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `number(v)` as UTF-8, digit by digit, without building a String per number (an archive line and
    /// a log line carry one per topic). Non-finite: "0"; |v| ≥ 1e11: Swift's shortest form.
    public static func appendNumber(_ v: Double, to out: inout [UInt8]) {
        guard v.isFinite else { return out.append(0x30) }
        let scaled = (v * 10_000).rounded()
        guard abs(scaled) < 1e15 else { return out.append(contentsOf: String(v).utf8) }
        let i = Int64(scaled)
        if i < 0 { out.append(0x2D) }
        let m = i.magnitude
        appendDecimal(m / 10_000, to: &out)
        var frac = m % 10_000
        guard frac != 0 else { return }
        out.append(0x2E)
        var digits = 4
        while frac % 10 == 0 {
            frac /= 10
            digits -= 1
        }
        var divisor: UInt64 = 1
        for _ in 1..<digits { divisor *= 10 }
        while divisor > 0 {
            out.append(0x30 + UInt8(truncatingIfNeeded: frac / divisor % 10))
            divisor /= 10
        }
    }

}
