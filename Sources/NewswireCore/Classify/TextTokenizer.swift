/// Turns text into the normalized tokens the topic model matches: Unicode-aware word splitting, case folding,
/// English stop words dropped, light English stemming, and one token per CJK ideograph or kana (text without
/// spaces is matched through the model's Chinese terms, which are tokenized the same way).
///
/// The classifier's hot path only needs a 64-bit hash of each token (`forEachToken`), so it allocates no
/// strings; building and training use `tokens(_:)`, which runs the same normalization and yields strings.
///
/// Rules (documented for the model file's README):
/// - a word is a run of letters and digits; anything else ends it (hyphens, apostrophes, punctuation), so
///   "open-source" is the two tokens "open source" and "China's" is "china" + a dropped "s";
/// - acronyms with dots ("U.S.", "U.N.") are joined ("us", "un"); the all-capital word "US"/"U.S." becomes
///   "usa" so it is not lost as the stop word "us";
/// - lower-casing uses Unicode lower-case mapping (ASCII fast path);
/// - stop words (`StopWords.english`) are dropped before stemming, so phrases match across them
///   ("governance of AI" is the phrase "governance ai");
/// - stemming (ASCII words of 4+ letters): plural "-ies"→"y", "-sses"→"ss", "-s" (not after s/u/i);
///   then "-ing" (6+ letters) or "-ed" (5+ letters, "-ied"→"y"), a doubled final consonant undoubled
///   (not "ss"), and a final "e" dropped: "controls", "controlled" → "control"; "rules", "ruled" → "rul".
public enum TextTokenizer {
    /// What the tokenizer saw, for language detection.
    public struct ScriptCounts: Sendable, Equatable {
        public var latinWords = 0
        public var englishStopWords = 0
        public var han = 0
        public var kana = 0
        public var hangul = 0
        public var cyrillic = 0
        public var arabic = 0
        public var otherLetters = 0

        public init() {}

        mutating func add(_ o: ScriptCounts) {
            latinWords += o.latinWords; englishStopWords += o.englishStopWords; han += o.han; kana += o.kana
            hangul += o.hangul; cyrillic += o.cyrillic; arabic += o.arabic; otherLetters += o.otherLetters
        }

        /// A simple script-based guess: "zh", "ja", "ko", "ru", "ar", "en", or nil when unsure.
        public var language: String? {
            let cjk = han + kana
            let scores: [(String, Int)] = [
                ("ja", kana > 0 ? cjk : 0), ("zh", kana == 0 ? han : 0), ("ko", hangul),
                ("ru", cyrillic), ("ar", arabic), ("latin", latinWords * 2),
            ]
            guard let best = scores.max(by: { $0.1 < $1.1 }), best.1 > 0 else { return nil }
            if best.0 == "latin" {
                // English when stop words make up a fair share of the words (prose ~40%, headlines ~10%).
                let words = latinWords + englishStopWords
                return englishStopWords * 10 >= words && englishStopWords > 0 ? "en" : nil
            }
            return best.0
        }
    }

    /// What a token is made of: the model builds different features from each.
    public enum Kind: UInt8, Sendable {
        /// Letters, or letters and digits ("gpt4").
        case word
        /// Digits only: years, amounts. They carry no topic and date a model, so they make no features.
        case number
        /// One CJK ideograph or kana.
        case cjk
    }

    /// The normalized tokens of `text`, in order.
    public static func tokens(_ text: String) -> [String] {
        var out: [String] = []
        var sink = ClosureSink { bytes, _, _ in out.append(String(decoding: bytes, as: UTF8.self)) }
        _ = scan(text, surface: false, into: &sink)
        return out
    }

    /// The normalized tokens with the lower-case word each came from before stemming ("controls" → "control").
    public static func tokensWithSurface(_ text: String) -> [(token: String, surface: String, kind: Kind)] {
        var out: [(token: String, surface: String, kind: Kind)] = []
        var sink = ClosureSink { bytes, surface, kind in
            out.append((String(decoding: bytes, as: UTF8.self), String(decoding: surface, as: UTF8.self), kind))
        }
        _ = scan(text, surface: true, into: &sink)
        return out
    }

    /// Calls `body` with the hash and kind of each normalized token, in order; returns the script counts.
    @inline(__always)
    public static func forEachToken(_ text: String, _ body: (UInt64, Kind) -> Void) -> ScriptCounts {
        withoutActuallyEscaping(body) { body in
            var sink = ClosureSink { bytes, _, kind in body(hash(bytes), kind) }
            return scan(text, surface: false, into: &sink)
        }
    }

    /// FNV-1a over the token's UTF-8 bytes, finished with a mixer. Stable across runs and machines.
    @inline(__always)
    public static func hash(_ bytes: [UInt8]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        h ^= h >> 33; h &*= 0xff51_afd7_ed55_8ccd; h ^= h >> 33
        return h
    }

    /// The hash of an already normalized token string (as `tokens(_:)` yields).
    public static func hash(_ token: String) -> UInt64 { hash(Array(token.utf8)) }

    // MARK: - The scanner

    /// Appends each token's hash and kind to `sink`: the classifier's path, with no closure per token.
    @inline(__always)
    static func appendTokens(_ text: String, to sink: inout TokenBuffer) -> ScriptCounts {
        scan(text, surface: false, into: &sink)
    }

    @inline(__always)
    static func scan<S: TokenSink>(_ text: String, surface: Bool, into sink: inout S) -> ScriptCounts {
        var text = text
        text.makeContiguousUTF8()  // `utf8.span` needs the bytes in one piece (always so for native strings)
        return scan(text.utf8.span, surface: surface, into: &sink)
    }

    /// The word being built and the counts so far. A struct with mutating methods (not a nested function
    /// capturing local variables) so the compiler checks exclusive access statically, not at run time.
    private struct WordState {
        var counts = ScriptCounts()
        var word: [UInt8] = []
        var unstemmed: [UInt8] = []
        var upper = 0          // upper-case letters in the current word
        var letters = 0        // letters in the current word
        var asciiOnly = true
        var digits = false
        let surface: Bool
        let stopWords = StopWords.table

        init(surface: Bool) {
            self.surface = surface
            word.reserveCapacity(32)
        }

        /// Not inlined into `scan`, whose loop stays small enough for the compiler to inline the array appends.
        @inline(never)
        mutating func flush<S: TokenSink>(_ sink: inout S) {
            guard !word.isEmpty else { return }
            defer { word.removeAll(keepingCapacity: true); upper = 0; letters = 0; asciiOnly = true; digits = false }
            if asciiOnly {
                if upper == 2 && word.count == 2 && word[0] == 0x75 && word[1] == 0x73 {   // "US"
                    sink.token(TextTokenizer.usaBytes, TextTokenizer.usaBytes, .word); counts.latinWords += 1; return
                }
                if word.count <= 10 && stopWords[TextTokenizer.hash(word)] != nil { counts.englishStopWords += 1; return }
                counts.latinWords += 1
                if surface { unstemmed = word }
                if !digits && letters >= 4 { Stemmer.stem(&word) }
                sink.token(word, surface ? unstemmed : [], digits && letters == 0 ? .number : .word)
                return
            }
            sink.token(word, word, .word)
        }
    }

    /// Not inlined into its callers: inlined, it made one function too large for the array appends of
    /// `WordState` to be inlined in turn.
    @inline(never)
    static func scan<S: TokenSink>(_ utf8: Span<UInt8>, surface: Bool, into sink: inout S) -> ScriptCounts {
        var st = WordState(surface: surface)
        var i = 0
        let end = utf8.count

        while i < end {
            let b = utf8[i]
            if b < 0x80 {
                if b >= 0x61 && b <= 0x7A { st.word.append(b); st.letters += 1 }
                else if b >= 0x41 && b <= 0x5A { st.word.append(b | 0x20); st.letters += 1; st.upper += 1 }
                else if b >= 0x30 && b <= 0x39 { st.word.append(b); st.digits = true }
                else if b == 0x2E, st.letters == st.word.count, st.upper == st.letters, st.letters >= 1 {
                    // "U.S." / "U.N.": a dot after capital letters followed by a capital letter continues the acronym.
                    let n = i + 1
                    if n < end, utf8[n] >= 0x41 && utf8[n] <= 0x5A, st.word.count == 1 || (i >= 2 && utf8[i - 2] == 0x2E) {
                        i = n
                        continue
                    }
                    st.flush(&sink)
                } else { st.flush(&sink) }
                i += 1
                continue
            }
            // Decode one multi-byte scalar.
            var v: UInt32
            var len: Int
            if b & 0xE0 == 0xC0 { v = UInt32(b & 0x1F); len = 2 }
            else if b & 0xF0 == 0xE0 { v = UInt32(b & 0x0F); len = 3 }
            else if b & 0xF8 == 0xF0 { v = UInt32(b & 0x07); len = 4 }
            else { st.flush(&sink); i += 1; continue }
            var j = i + 1
            var k = 1
            while k < len, j < end { v = (v << 6) | UInt32(utf8[j] & 0x3F); j += 1; k += 1 }
            let start = i
            i = j
            guard let scalar = Unicode.Scalar(v) else { st.flush(&sink); continue }
            if isHan(v) || (v >= 0x3040 && v <= 0x30FF) {
                st.flush(&sink)
                if isHan(v) { st.counts.han += 1 } else { st.counts.kana += 1 }
                var ideograph: [UInt8] = []
                append(utf8, start..<j, to: &ideograph)
                sink.token(ideograph, ideograph, .cjk)
                continue
            }
            let props = scalar.properties
            if props.isAlphabetic || props.numericType != nil {
                st.asciiOnly = false
                if v >= 0xAC00 && v <= 0xD7AF || v >= 0x1100 && v <= 0x11FF { st.counts.hangul += 1 }
                else if v >= 0x0400 && v <= 0x04FF { st.counts.cyrillic += 1 }
                else if v >= 0x0600 && v <= 0x06FF { st.counts.arabic += 1 }
                else if v < 0x0250 || (v >= 0x1E00 && v <= 0x1EFF) { st.letters += 1 } // Latin with diacritics
                else { st.counts.otherLetters += 1 }
                if props.isLowercase || !props.changesWhenLowercased {
                    append(utf8, start..<j, to: &st.word)
                } else {
                    st.word.append(contentsOf: props.lowercaseMapping.utf8)
                }
            } else {
                st.flush(&sink)
            }
        }
        st.flush(&sink)
        return st.counts
    }

    @inline(__always)
    private static func append(_ utf8: Span<UInt8>, _ range: Range<Int>, to out: inout [UInt8]) {
        for k in range { out.append(utf8[k]) }
    }

    @inline(__always)
    static func isHan(_ v: UInt32) -> Bool {
        (v >= 0x4E00 && v <= 0x9FFF) || (v >= 0x3400 && v <= 0x4DBF) || (v >= 0xF900 && v <= 0xFAFF)
            || (v >= 0x20000 && v <= 0x2FFFF)
    }

    fileprivate static let usaBytes: [UInt8] = Array("usa".utf8)
}

/// The light English stemmer described on `TextTokenizer`. Works in place on lower-case ASCII letters.
enum Stemmer {
    static func stem(_ w: inout [UInt8]) {
        let s = UInt8(ascii: "s"), e = UInt8(ascii: "e"), i = UInt8(ascii: "i"), n = UInt8(ascii: "n"),
            g = UInt8(ascii: "g"), d = UInt8(ascii: "d")
        // Plurals.
        if ends(w, [i, e, s]), w.count > 4 { w.removeLast(3); w.append(UInt8(ascii: "y")) }
        else if ends(w, [s, s, e, s]) { w.removeLast(2) }
        else if w.last == s, w.count > 3 {
            let p = w[w.count - 2]
            if p != s && p != UInt8(ascii: "u") && p != UInt8(ascii: "i") { w.removeLast() }
        }
        // -ing / -ed.
        var stripped = false
        if w.count >= 6, ends(w, [i, n, g]) { w.removeLast(3); stripped = true }
        else if w.count >= 5, ends(w, [i, e, d]) { w.removeLast(3); w.append(UInt8(ascii: "y")); return }
        else if w.count >= 5, ends(w, [e, d]), !ends(w, [e, e, d]) { w.removeLast(2); stripped = true }
        if stripped, w.count >= 3 {
            let a = w[w.count - 1], b = w[w.count - 2]
            if a == b, a != s, !isVowel(a) { w.removeLast() }
        }
        if w.count >= 4, w.last == e { w.removeLast() }
    }

    @inline(__always) static func isVowel(_ c: UInt8) -> Bool {
        c == 0x61 || c == 0x65 || c == 0x69 || c == 0x6F || c == 0x75
    }

    /// Whether `w` ends in `suffix`.
    @inline(__always) static func ends<let count: Int>(_ w: [UInt8], _ suffix: InlineArray<count, UInt8>) -> Bool {
        guard w.count >= count else { return false }
        let base = w.count - count
        for k in 0..<count where w[base + k] != suffix[k] { return false }
        return true
    }
}

/// Receives the scanner's tokens: the token's bytes, the surface word before stemming (only when asked for),
/// and its kind.
protocol TokenSink {
    mutating func token(_ bytes: [UInt8], _ surface: [UInt8], _ kind: TextTokenizer.Kind)
}

/// A sink that calls a closure: for the string-producing entry points, which are not hot.
struct ClosureSink: TokenSink {
    let body: ([UInt8], [UInt8], TextTokenizer.Kind) -> Void
    init(_ body: @escaping ([UInt8], [UInt8], TextTokenizer.Kind) -> Void) { self.body = body }
    func token(_ bytes: [UInt8], _ surface: [UInt8], _ kind: TextTokenizer.Kind) { body(bytes, surface, kind) }
}

/// Token hashes and kinds in order: what the classifier reads of a text.
struct TokenBuffer: TokenSink {
    var hashes: [UInt64] = []
    var kinds: [TextTokenizer.Kind] = []

    init(capacity: Int) {
        hashes.reserveCapacity(capacity)
        kinds.reserveCapacity(capacity)
    }

    var count: Int { hashes.count }

    @inline(__always)
    mutating func token(_ bytes: [UInt8], _ surface: [UInt8], _ kind: TextTokenizer.Kind) {
        hashes.append(TextTokenizer.hash(bytes))
        kinds.append(kind)
    }
}
