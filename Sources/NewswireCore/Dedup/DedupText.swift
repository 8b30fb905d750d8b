/// Words and stable hashes for the similarity fingerprints.
///
/// Words are taken from `TextNormalizer` output (NFKC, case folded, quotes folded): runs of letters and digits,
/// joined across one inner `'`, `.` or `,` between two of them (`nvidia's`, `$14.3` → `14.3`, `2,048`).
/// Hashes are FNV-1a 64 with a SplitMix64 finalizer: stable across processes and machines (Swift's `Hasher`
/// is seeded per process, so it cannot be stored).
enum DedupText {
    /// The words of already-normalized text, at most `limit` of them.
    static func words(normalized text: String, limit: Int = .max) -> [Substring] {
        var out: [Substring] = []
        let scalars = text.unicodeScalars
        var i = scalars.startIndex
        var start: String.UnicodeScalarView.Index?
        func isWord(_ u: Unicode.Scalar) -> Bool {
            if u.value < 0x80 {
                let v = u.value | 0x20
                return (v >= 0x61 && v <= 0x7A) || (u.value >= 0x30 && u.value <= 0x39)
            }
            return u.properties.isAlphabetic || u.properties.numericType != nil
        }
        while i < scalars.endIndex, out.count < limit {
            let u = scalars[i]
            if isWord(u) {
                if start == nil { start = i }
            } else if start != nil {
                let next = scalars.index(after: i)
                let joiner = u == "'" || u == "." || u == ","
                if !(joiner && next < scalars.endIndex && isWord(scalars[next])) {
                    out.append(Substring(scalars[start!..<i]))
                    start = nil
                }
            }
            i = scalars.index(after: i)
        }
        if let s = start, out.count < limit { out.append(Substring(scalars[s..<scalars.endIndex])) }
        return out
    }

    static func fnv1a<S: StringProtocol>(_ s: S) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 {
            h ^= UInt64(b)
            h &*= 0x0000_0100_0000_01B3
        }
        return h
    }

    /// SplitMix64's finalizer: spreads every input bit over the output (for sampling by `hash % n`).
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
