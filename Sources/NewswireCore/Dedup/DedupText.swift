/// Words and stable hashes for the similarity fingerprints.
///
/// Words are taken from `TextNormalizer` output (NFKC, case folded, quotes folded): runs of letters and digits,
/// joined across one inner `'`, `.` or `,` between two of them (`nvidia's`, `$14.3` → `14.3`, `2,048`).
/// Hashes are FNV-1a 64 with a SplitMix64 finalizer: stable across processes and machines (Swift's `Hasher`
/// is seeded per process, so it cannot be stored).
///
/// Both users read a lead (the first words of a body), so text is normalized a line at a time, only as far as
/// they read, and words are found in the normalized UTF-8 as byte ranges, without a String per line or word.
/// Line by line gives the words of the whole text normalized at once: NFKC neither changes a line separator
/// nor composes across one, lower-casing maps each scalar on its own, the normalizer's fast path gives what
/// its general path gives, and a separator is whitespace, which ends a word either way.
enum DedupText {
    /// Calls `line` with each non-empty line of `text` normalized by `TextNormalizer` (as UTF-8), in order,
    /// until it returns false. Lines end where `Character.isNewline` says, at scalar level (LF, VT, FF, CR, NEL,
    /// LS, PS: CR LF is two ends around an empty line). A line the normalizer's fast path covers is normalized
    /// into one buffer, as long as the text, that every line reuses; another goes through a String.
    static func forEachNormalizedLine(_ text: String, _ line: (Span<UInt8>) -> Bool) {
        var text = text
        text.makeContiguousUTF8()  // `utf8.span` needs the bytes in one piece (always so for native strings)
        let bytes = text.utf8.span
        let count = bytes.count
        var scratch = [UInt8](repeating: 0, count: count)
        var start = 0, i = 0
        while i < count {
            let length = separatorLength(bytes, at: i)
            guard length > 0 else {
                i += 1
                continue
            }
            if start < i, !normalizedLine(start..<i, of: text, bytes, into: &scratch, line) { return }
            i += length
            start = i
        }
        if start < count { _ = normalizedLine(start..<count, of: text, bytes, into: &scratch, line) }
    }

    /// The length of the line separator at `i`, or 0. The separators' UTF-8: 0A–0D, C2 85, E2 80 A8,
    /// E2 80 A9 (never part of another scalar).
    @inline(__always)
    private static func separatorLength(_ bytes: Span<UInt8>, at i: Int) -> Int {
        let b = bytes[i], count = bytes.count
        return b >= 0x0A && b <= 0x0D ? 1
            : b == 0xC2 && i + 1 < count && bytes[i + 1] == 0x85 ? 2
            : b == 0xE2 && i + 2 < count && bytes[i + 1] == 0x80 && (bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9) ? 3
            : 0
    }

    /// Calls `line` with the line at `range` of `text` (whose UTF-8 is `bytes`) normalized, in `scratch` (as
    /// long as `text`) when the fast path covers it.
    @inline(__always)
    private static func normalizedLine(_ range: Range<Int>, of text: String, _ bytes: Span<UInt8>,
                                       into scratch: inout [UInt8], _ line: (Span<UInt8>) -> Bool) -> Bool {
        var written: Int?
        do {
            var target = scratch.mutableSpan
            written = TextNormalizer.fast(bytes.extracting(range), into: &target)
        }
        if let written { return line(scratch.span.extracting(0..<written)) }
        let utf8 = text.utf8
        let lower = utf8.index(utf8.startIndex, offsetBy: range.lowerBound)
        let upper = utf8.index(lower, offsetBy: range.count)
        let general = TextNormalizer.generalUTF8(String(decoding: utf8[lower..<upper], as: UTF8.self))
        return line(general.span)
    }

    /// Calls `word` with the byte range of each word of normalized UTF-8 `text`, at most `limit` of them, and
    /// whether the word is all ASCII (then each byte is a Character, and rules can look at bytes); returns how
    /// many. Only a byte from 0x80 up is decoded to a scalar, for its Unicode properties.
    @inline(__always)
    static func forEachWord(in text: Span<UInt8>, limit: Int, _ word: (Range<Int>, Bool) -> Void) -> Int {
        let end = text.count
        var count = 0, i = 0
        var start: Int?, ascii = true
        while i < end, count < limit {
            let (isWord, length) = scalar(in: text, at: i)
            if isWord {
                if start == nil {
                    start = i
                    ascii = true
                }
                if length > 1 { ascii = false }
            } else if let s = start {
                let b = text[i]
                let joiner = b == UInt8(ascii: "'") || b == UInt8(ascii: ".") || b == UInt8(ascii: ",")
                if !(joiner && i + 1 < end && scalar(in: text, at: i + 1).isWord) {
                    word(s..<i, ascii)
                    count += 1
                    start = nil
                }
            }
            i += length
        }
        if let s = start, count < limit {
            word(s..<end, ascii)
            count += 1
        }
        return count
    }

    /// Whether the scalar at `i` is a letter or digit, and its length in bytes.
    @inline(__always)
    private static func scalar(in text: Span<UInt8>, at i: Int) -> (isWord: Bool, length: Int) {
        let b = text[i]
        guard b >= 0x80 else {
            let v = b | 0x20
            return ((v >= 0x61 && v <= 0x7A) || (b >= 0x30 && b <= 0x39), 1)
        }
        return multiByteScalar(in: text, at: i)
    }

    /// `forEachWord`'s test for a scalar of two to four bytes, out of its ASCII loop.
    static func multiByteScalar(in text: Span<UInt8>, at i: Int) -> (isWord: Bool, length: Int) {
        let b = text[i]
        let length = b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4
        var v = UInt32(b & (0x7F >> length))
        for k in 1..<length { v = v << 6 | UInt32(text[i + k] & 0x3F) }
        guard let u = Unicode.Scalar(v) else { return (false, length) }
        return (u.properties.isAlphabetic || u.properties.numericType != nil, length)
    }

    /// `bytes` (UTF-8) as a String.
    static func string(_ bytes: Span<UInt8>) -> String {
        String(decoding: [UInt8](capacity: bytes.count) { out in
            for i in bytes.indices { out.append(bytes[i]) }
        }, as: UTF8.self)
    }

    static func fnv1a(_ s: String) -> UInt64 {
        var s = s
        s.makeContiguousUTF8()
        return fnv1a(bytes: s.utf8.span)
    }

    static func fnv1a(bytes: Span<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in bytes.indices {
            h ^= UInt64(bytes[i])
            h &*= 0x0000_0100_0000_01B3
        }
        return h
    }

    /// SplitMix64's first output from `x`: spreads every input bit over the output (for sampling by `hash % n`).
    static func mix(_ x: UInt64) -> UInt64 {
        SplitMix64.mix(x &+ SplitMix64.increment)
    }
}
