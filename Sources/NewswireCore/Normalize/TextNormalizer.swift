import Foundation

/// The normalized form of item text that feeds the content hash.
///
/// What is ignored (so two copies that differ only in these hash alike): markup (the parser already yields
/// plain text), Unicode compatibility forms (NFKC: full-width letters, ligatures, NBSP → space), letter case
/// (full Unicode lower-casing), quote styles (‘ ’ ‚ ‛ ′ ` → ', “ ” „ ‟ ″ « » → "), dash styles (– — ‒ ― − → -),
/// zero-width characters and soft hyphens, and whitespace (any run, paragraph breaks included, becomes one
/// space; leading and trailing space dropped).
///
/// Text made only of ASCII and the typographic punctuation and spaces most news text uses (curly quotes,
/// dashes, NBSP and other spaces, the ellipsis, zero-width characters) takes a fast path that gives exactly
/// what the general path (NFKC, then lower case, then the folds) gives; any other character takes the
/// general path.
public enum TextNormalizer {
    public static func normalize(_ text: String) -> String {
        String(decoding: normalizedUTF8(text), as: UTF8.self)
    }

    /// `normalize(text)` as UTF-8 bytes: what the content hash takes, with no String built for it.
    static func normalizedUTF8(_ text: String) -> [UInt8] {
        fastUTF8(text) ?? generalUTF8(text)
    }

    /// NFKC, then lower case, then the folds. `String.lowercased()` is each scalar's lower-case mapping in turn,
    /// so lower-casing is done here scalar by scalar on the way into the folds (ASCII directly), and the result
    /// is built as UTF-8 bytes: no intermediate String and no `UnicodeScalarView` appends, which were most of
    /// this path's time.
    static func general(_ text: String) -> String {
        String(decoding: generalUTF8(text), as: UTF8.self)
    }

    /// `general(text)` as UTF-8 bytes.
    static func generalUTF8(_ text: String) -> [UInt8] {
        let nfkc = text.precomposedStringWithCompatibilityMapping
        var out: [UInt8] = []
        out.reserveCapacity(nfkc.utf8.count)
        var pendingSpace = false
        func fold(_ u: Unicode.Scalar) {
            let mapped: Unicode.Scalar?
            switch u.value {
            case 0x2018, 0x2019, 0x201A, 0x201B, 0x2032, 0x0060: mapped = "'"
            case 0x201C, 0x201D, 0x201E, 0x201F, 0x2033, 0x00AB, 0x00BB: mapped = "\""
            case 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212: mapped = "-"
            case 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD: mapped = nil
            default: mapped = u
            }
            guard let m = mapped else { return }
            // White_Space in ASCII: tab, LF, VT, FF, CR and space.
            if m.isASCII ? m.value == 0x20 || (m.value >= 0x09 && m.value <= 0x0D) : m.properties.isWhitespace {
                pendingSpace = !out.isEmpty
                return
            }
            if pendingSpace {
                out.append(0x20)
                pendingSpace = false
            }
            if m.isASCII { out.append(UInt8(m.value)) } else { out.append(contentsOf: m.utf8) }
        }
        for u in nfkc.unicodeScalars {
            if u.isASCII {
                fold(u.value >= 0x41 && u.value <= 0x5A ? Unicode.Scalar(UInt8(u.value) | 0x20) : u)
            } else {
                for l in u.properties.lowercaseMapping.unicodeScalars { fold(l) }
            }
        }
        return out
    }

    /// The fast path, or nil when the text has a character it does not cover. Works on UTF-8 bytes.
    static func fast(_ text: String) -> String? {
        fastUTF8(text).map { String(decoding: $0, as: UTF8.self) }
    }

    /// `fast(text)` as UTF-8 bytes.
    static func fastUTF8(_ text: String) -> [UInt8]? {
        var text = text
        text.makeContiguousUTF8()  // `utf8.span` needs the bytes in one piece (always so for native strings)
        let bytes = text.utf8.span
        var out = [UInt8](repeating: 0, count: bytes.count)
        var written: Int?
        do {
            var target = out.mutableSpan
            written = fast(bytes, into: &target)
        }
        guard let written else { return nil }
        out.removeLast(out.count - written)
        return out
    }

    /// The fast path from UTF-8 `bytes` into `out` from its start; `out` must hold `bytes.count` bytes: the
    /// output is never longer than the input (every character maps to as many bytes or fewer, "…" is 3 bytes
    /// and "..." too, and a space is written only for a run of whitespace bytes). Returns the bytes written,
    /// or nil when the text has a character the fast path does not cover. For callers that only read the
    /// result (the deduper's words, line by line) and need no String.
    /// Inlined into its two callers, so that the span it writes stays in registers.
    @inline(__always)
    static func fast(_ bytes: Span<UInt8>, into out: inout MutableSpan<UInt8>) -> Int? {
        var n = 0
        var pendingSpace = false
        var i = 0
        let count = bytes.count
        while i < count {
            let b = bytes[i]
            var emitted: UInt8 = 0
            var extra = 0  // bytes of "..." after the first
            if b < 0x80 {
                i += 1
                if b > 0x60 || (b > 0x20 && b < 0x41) {
                    emitted = b  // lower-case letters, digits, most punctuation: as they are
                } else if b >= 0x41 && b <= 0x5A {
                    emitted = b | 0x20
                } else if b == 0x20 || (b >= 0x09 && b <= 0x0D) {
                    pendingSpace = n > 0
                    continue
                } else {
                    emitted = b == 0x60 ? 0x27 : b  // ` → '
                }
            } else {
                // Decode one multi-byte scalar (the string is valid UTF-8).
                let v: UInt32
                if b < 0xE0, i + 1 < count {
                    v = (UInt32(b & 0x1F) << 6) | UInt32(bytes[i + 1] & 0x3F)
                    i += 2
                } else if b < 0xF0, i + 2 < count {
                    v = (UInt32(b & 0x0F) << 12) | (UInt32(bytes[i + 1] & 0x3F) << 6) | UInt32(bytes[i + 2] & 0x3F)
                    i += 3
                } else {
                    return nil
                }
                switch v {
                case 0x00A0, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0x0085, 0x1680:
                    pendingSpace = n > 0  // NFKC: a space, or whitespace already
                    continue
                case 0x2018, 0x2019, 0x201A, 0x201B: emitted = 0x27
                case 0x201C, 0x201D, 0x201E, 0x201F, 0x00AB, 0x00BB: emitted = 0x22
                case 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212: emitted = 0x2D
                case 0x2026: emitted = 0x2E; extra = 2  // NFKC: "..."
                case 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD: continue
                default:
                    return nil
                }
            }
            if pendingSpace {
                out[n] = 0x20
                n += 1
                pendingSpace = false
            }
            out[n] = emitted
            n += 1
            while extra > 0 {
                out[n] = emitted
                n += 1
                extra -= 1
            }
        }
        return n
    }
}
