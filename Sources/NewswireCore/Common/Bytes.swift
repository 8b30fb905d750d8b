import Foundation

/// The one module that handles bytes through pointers, for the hot paths that write or scan UTF-8 and integers
/// by the byte: JSON string escaping, decimal digits, and integer lists for SQL's `json_each`; the one loop
/// that hands a byte array to write(2) or send(2); and the parser's primitives over `Span`s (memchr, word
/// loads, copies, Strings of ASCII bytes), whose invariants are listed where they are defined, below.
///
/// Invariants each function keeps:
/// - it reads only within the buffer it is handed (`src.count`, `out.count`), and never keeps the pointer past
///   its own return;
/// - a write into `out` stays below the room the caller promised (20 bytes for a decimal, 21 a value and 2 for
///   an integer list), which the callers here size from the value count;
/// - the bytes it writes are ASCII or copied UTF-8 runs, so any String built from them is valid UTF-8;
/// - `writeAll` hands its callback a pointer into the array it was given, valid only during that call.
/// Little-endian integers (`Bytes`) need no pointer at all and are here as the other byte format we store.
extension JSONText {
    /// Appends `s` as a JSON string, as UTF-8 (its bytes read in place).
    public static func appendString(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { appendEscaped($0, to: &out) }
    }

    /// Appends UTF-8 text as a JSON string, copying the runs between escapes in bulk. Eight bytes at a time
    /// are tested for anything to escape (`wordNeedsEscape`), so the usual run of text costs a few
    /// instructions per word rather than six comparisons per byte.
    static func appendEscaped(_ src: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.reserveCapacity(out.count + src.count + 2)
        out.append(0x22)
        let n = src.count
        var run = 0, i = 0
        if let base = src.baseAddress {
            while i < n {
                if i + 8 <= n, !wordNeedsEscape(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)) {
                    i += 8
                    continue
                }
                let end = min(i + 8, n)
                while i < end {
                    let b = base[i]
                    if needsEscape(b) {
                        if run < i { out.append(contentsOf: UnsafeBufferPointer(start: base + run, count: i - run)) }
                        run = i + 1
                        appendEscape(b, to: &out)
                    }
                    i += 1
                }
            }
            if run < n { out.append(contentsOf: UnsafeBufferPointer(start: base + run, count: n - run)) }
        }
        out.append(0x22)
    }

    /// Whether any of the eight bytes of `w` is one `needsEscape` names (exact as a yes/no: the classic
    /// "has a byte less than n" and "has a zero byte" word tests of Bit Twiddling Hacks).
    @inline(__always) static func wordNeedsEscape(_ w: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func hasZeroByte(_ v: UInt64) -> UInt64 { (v &- ones) & ~v & highs }
        let control = (w &- ones &* 0x20) & ~w & highs
        return (control | hasZeroByte(w ^ (ones &* 0x22)) | hasZeroByte(w ^ (ones &* 0x5C)) | hasZeroByte(w ^ (ones &* 0x3C))
            | hasZeroByte(w ^ (ones &* 0x3E)) | hasZeroByte(w ^ (ones &* 0x26))) != 0
    }

    /// The escape of one byte for which `needsEscape` holds.
    @inline(__always) static func appendEscape(_ b: UInt8, to out: inout [UInt8]) {
        out.append(0x5C)
        switch b {
        case 0x22, 0x5C: out.append(b)
        case 0x0A: out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(UInt8(ascii: "r"))
        case 0x09: out.append(UInt8(ascii: "t"))
        default:
            let hex = { (d: UInt8) -> UInt8 in d < 10 ? 0x30 + d : 0x57 + d }
            out.append(UInt8(ascii: "u"))
            out.append(0x30)
            out.append(0x30)
            out.append(hex(b >> 4))
            out.append(hex(b & 0xF))
        }
    }

    /// Appends a non-negative integer in decimal.
    static func appendDecimal(_ v: UInt64, to out: inout [UInt8]) {
        guard v >= 10 else { return out.append(0x30 + UInt8(truncatingIfNeeded: v)) }
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: UInt64 has at most 20 digits
        withUnsafeMutableBytes(of: &scratch) { raw in
            let buf = raw.bindMemory(to: UInt8.self)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[..<writeDecimal(v, to: buf, at: 0)]))
        }
    }

    /// Writes `v` in decimal into `out` from `start` (room for 20 bytes), two digits at a time; returns the
    /// index after the last digit.
    @inline(__always) static func writeDecimal(_ v: UInt64, to out: UnsafeMutableBufferPointer<UInt8>, at start: Int) -> Int {
        var digits = 1
        var power: UInt64 = 10
        while digits < 20, v >= power {
            digits += 1
            power &*= 10
        }
        var m = v, j = start + digits
        digitPairs.withUnsafeBufferPointer { pairs in
            while m >= 100 {
                let r = Int(m % 100) * 2
                m /= 100
                j -= 2
                out[j] = pairs[r]
                out[j + 1] = pairs[r + 1]
            }
            if m >= 10 {
                out[j - 2] = pairs[Int(m) * 2]
                out[j - 1] = pairs[Int(m) * 2 + 1]
            } else {
                out[j - 1] = 0x30 + UInt8(truncatingIfNeeded: m)
            }
        }
        return start + digits
    }

    /// "00" through "99", two bytes each.
    fileprivate static let digitPairs: [UInt8] = {
        var out: [UInt8] = []
        for n in 0..<100 {
            out.append(0x30 + UInt8(n / 10))
            out.append(0x30 + UInt8(n % 10))
        }
        return out
    }()

    /// `[1,-2,3]`: a list of integers for `json_each`, written straight into the string's storage, without a
    /// `String` per number.
    static func integerArray(_ values: [Int64]) -> String {
        // At most 20 characters a value ("-9223372036854775808") and a comma; the brackets.
        String(unsafeUninitializedCapacity: values.count * 21 + 2) { out in
            var n = 0
            out[n] = 0x5B
            n += 1
            for (i, v) in values.enumerated() {
                if i > 0 {
                    out[n] = 0x2C
                    n += 1
                }
                if v < 0 {
                    out[n] = 0x2D
                    n += 1
                }
                n = writeDecimal(v.magnitude, to: out, at: n)
            }
            out[n] = 0x5D
            return n + 1
        }
    }
}

/// Little-endian values: fingerprints, story vectors and background frequencies as stored; and writing bytes out.
public enum Bytes {
    static func appendLittleEndian(_ v: UInt64, to out: inout [UInt8]) {
        for shift in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
    }

    static func appendLittleEndian(_ v: UInt32, to out: inout [UInt8]) {
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: v >> UInt32(shift))) }
    }

    /// The value at byte `offset` of `bytes` (which holds 4 bytes from there).
    @inline(__always)
    static func littleEndianUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        var v: UInt32 = 0
        for i in (0..<4).reversed() { v = v << 8 | UInt32(bytes[offset + i]) }
        return v
    }

    /// The value at byte `offset` of `bytes` (which holds 8 bytes from there).
    @inline(__always)
    static func littleEndianUInt64(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in (0..<8).reversed() { v = v << 8 | UInt64(bytes[offset + i]) }
        return v
    }
}

extension Bytes {
    /// Hands `bytes` to `write` (a write(2) or send(2) on the caller's descriptor: a start and a count, the
    /// bytes taken back) until every byte is taken, again after EINTR. False when a call fails or takes none:
    /// the caller decides whether that is an error (the archive) or the reader having gone (a log, a pipe).
    @discardableResult
    public static func writeAll(_ bytes: [UInt8], _ write: (UnsafeRawPointer, Int) -> Int) -> Bool {
        bytes.withUnsafeBytes { buf in
            var off = 0
            while off < buf.count {
                let n = write(buf.baseAddress! + off, buf.count - off)
                if n < 0, errno == EINTR { continue }
                if n <= 0 { return false }
                off += n
            }
            return true
        }
    }
}

/// The parser's byte primitives over `Span`s (a `String`'s `utf8.span`, an array's `span`). The scanners of
/// `Parse/` read bytes through spans, bounds-checked; what a span cannot do safely and fast is here:
/// - `firstIndex(of:in:from:)` runs memchr inside the span it is handed (it reads `s[from..<s.count]` only);
/// - `append(_:_:to:)` and `string(_:_:)` copy `s[range]`, whose bounds the span checks first;
/// - `string(_:)` builds a String without validating it only from bytes it has just checked are all ASCII
///   (and so valid UTF-8); `string(validUTF8:)` only from bytes its caller built from a String's UTF-8 by a
///   rule that keeps it valid: cut and joined next to ASCII bytes (`TextCollapser`, the sanitizer's passes)
///   or at the matches of a valid pattern (`FeedBuilder.replacing`); debug builds check every such String;
/// - `word(_:at:)` loads eight bytes at `k` through the span's bounds-checked raw load (every bit pattern is
///   a valid UInt64); `asciiEnd(_:from:)` loads words only below `s.count - 7`, then bytes below `s.count`.
extension Bytes {
    /// The index of the first `b` at or after `from` in `s`, or nil.
    @inline(__always)
    static func firstIndex(of b: UInt8, in s: Span<UInt8>, from: Int) -> Int? {
        guard from < s.count else { return nil }
        precondition(from >= 0)
        return s.withUnsafeBufferPointer { u -> Int? in
            guard let base = u.baseAddress, let hit = memchr(base + from, Int32(b), u.count - from) else { return nil }
            return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
    }

    /// Whether `s` holds the byte `b`.
    @inline(__always)
    static func contains(_ b: UInt8, in s: Span<UInt8>) -> Bool { firstIndex(of: b, in: s, from: 0) != nil }

    /// The eight bytes at `k` (`k + 8 <= s.count`) as a little-endian word.
    @inline(__always)
    static func word(_ s: Span<UInt8>, at k: Int) -> UInt64 {
        UInt64(littleEndian: s.bytes.unsafeLoadUnaligned(fromByteOffset: k, as: UInt64.self))
    }

    /// The index of the first byte at or after `from` that is not ASCII, or `s.count`; eight bytes at a time,
    /// without a bounds check per word (the loop that validates a document's UTF-8 runs through all of it).
    @inline(__always)
    static func asciiEnd(_ s: Span<UInt8>, from: Int) -> Int {
        guard from < s.count else { return s.count }
        precondition(from >= 0)
        return s.withUnsafeBufferPointer { u -> Int in
            let base = u.baseAddress!
            let n = u.count
            var i = from
            while i + 8 <= n, UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
            }
            while i < n, base[i] < 0x80 { i += 1 }
            return i
        }
    }

    /// Appends `s[range]` to `out`.
    @inline(__always)
    static func append(_ s: Span<UInt8>, _ range: Range<Int>, to out: inout [UInt8]) {
        let part = s.extracting(range)
        part.withUnsafeBufferPointer { out.append(contentsOf: $0) }
    }

    /// `String(decoding: s[range], as: UTF8.self)`.
    @inline(__always)
    static func string(_ s: Span<UInt8>, _ range: Range<Int>) -> String {
        s.extracting(range).withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
    }

    /// `String(decoding: bytes, as: UTF8.self)`, without the validation when every byte is ASCII.
    static func string(_ bytes: [UInt8]) -> String { string(bytes.span) }

    /// A String of bytes the caller knows to be valid UTF-8, without validating them (see above).
    static func string(validUTF8 bytes: [UInt8]) -> String {
        assert(String(validating: bytes, as: UTF8.self) != nil, "invalid UTF-8 handed to Bytes.string(validUTF8:)")
        return String(copying: UTF8Span(unchecked: bytes.span))
    }

    /// `String(decoding: s, as: UTF8.self)`, without the validation when every byte is ASCII.
    static func string(_ s: Span<UInt8>) -> String {
        guard asciiEnd(s, from: 0) == s.count else { return s.withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) } }
        return String(copying: UTF8Span(unchecked: s, isKnownASCII: true))
    }
}
