import Foundation
import Testing
@testable import NewswireCore

/// The word extraction behind `NearDuplicateIndex.fingerprint` and `StoryClusterer.termCounts` gives exactly
/// what the first, String-based implementation gave (kept below as the reference): the same keys in the same
/// order, the same terms with the same counts, over every text field of the real-world corpus, edge cases and
/// generated text, with the default settings and with small leads that run out in the middle of a line.
@Suite struct DedupWordsTests {
    /// The first implementation, as it was.
    enum Reference {
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

        static func mix(_ x: UInt64) -> UInt64 {
            var z = x &+ 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        static func fingerprint(_ index: NearDuplicateIndex, body: String?) -> [NearDuplicateKey] {
            let leadWords = index.leadWords, minParagraphWords = index.minParagraphWords
            let shingleWords = index.shingleWords, sampleModulus = index.sampleModulus
            var words: [Substring] = []
            let scalars = (body ?? "").unicodeScalars
            var lineStart = scalars.startIndex, i = scalars.startIndex
            func take(_ end: String.UnicodeScalarView.Index) {
                guard lineStart < end else { return }
                let w = Reference.words(normalized: TextNormalizer.normalize(String(scalars[lineStart..<end])), limit: leadWords - words.count)
                if w.count >= minParagraphWords || w.count == leadWords - words.count { words += w }
            }
            while i < scalars.endIndex, words.count < leadWords {
                switch scalars[i].value {
                case 0x0A...0x0D, 0x85, 0x2028, 0x2029:
                    take(i)
                    lineStart = scalars.index(after: i)
                default:
                    break
                }
                i = scalars.index(after: i)
            }
            if words.count < leadWords { take(scalars.endIndex) }
            guard words.count >= shingleWords else { return [] }
            let wordHashes = words.map(fnv1a)
            var seen = Set<Int64>()
            var keys: [NearDuplicateKey] = []
            for i in 0...(wordHashes.count - shingleWords) {
                var h: UInt64 = 0
                for j in i..<(i + shingleWords) { h = (h &* 0x0000_0100_0000_01B3) ^ wordHashes[j] }
                let m = mix(h)
                if m % sampleModulus == 0, seen.insert(Int64(bitPattern: m)).inserted {
                    keys.append(NearDuplicateKey(hash: Int64(bitPattern: m), position: keys.count))
                }
            }
            return keys
        }

        static func termCounts(_ clusterer: StoryClusterer, title: String?, body: String?) -> [String: Double] {
            var tf: [String: Double] = [:]
            func add(_ text: String?, limit: Int, weight: Double) {
                for w in words(normalized: TextNormalizer.normalize(text ?? ""), limit: limit) {
                    var t = String(w)
                    if t.hasSuffix("'s") { t.removeLast(2) }
                    let numeric = t.unicodeScalars.allSatisfy { $0.properties.numericType != nil || $0 == "." || $0 == "," }
                    guard numeric || t.count >= 3, !StoryClusterer.stopWords.contains(t) else { continue }
                    tf[t, default: 0] += weight
                }
            }
            add(title, limit: .max, weight: 2)
            add(body, limit: clusterer.leadWords, weight: 1)
            return tf
        }

        /// As `StoryClusterer.vector` keys them: by hash.
        static func hashedTermCounts(_ clusterer: StoryClusterer, title: String?, body: String?) -> [Int64: Double] {
            Dictionary(termCounts(clusterer, title: title, body: body).map { (Int64(bitPattern: fnv1a($0.key)), $0.value) },
                       uniquingKeysWith: +)
        }
    }

    /// The daemon's settings, and small leads that often end in the middle of a line.
    static let indexes: [NearDuplicateIndex] = {
        var small = NearDuplicateIndex()
        small.leadWords = 13
        small.minParagraphWords = 3
        small.shingleWords = 2
        small.sampleModulus = 1
        return [NearDuplicateIndex(), small]
    }()

    static let clusterers: [StoryClusterer] = {
        var small = StoryClusterer()
        small.leadWords = 5
        return [StoryClusterer(), small]
    }()

    /// Compares old and new on `text` as a body, as a headline and as both; returns the first difference.
    static func difference(_ text: String?, title: String? = nil) -> String? {
        for index in indexes {
            let old = Reference.fingerprint(index, body: text), new = index.fingerprint(body: text)
            if old != new { return "fingerprint (lead \(index.leadWords)): \(old.count) keys before, \(new.count) now" }
        }
        for clusterer in clusterers {
            for (t, b) in [(title, text), (text, nil), (nil, text)] {
                let old = Reference.hashedTermCounts(clusterer, title: t, body: b)
                let new = clusterer.termCounts(title: t, body: b)
                if old != new {
                    return "term counts (lead \(clusterer.leadWords)): \(old.count) terms before, \(new.count) now; before only: "
                        + "\(Reference.termCounts(clusterer, title: t, body: b).filter { new[Int64(bitPattern: Reference.fnv1a($0.key))] != $0.value })"
                }
            }
        }
        return nil
    }

    static let corpus = ParseRealWorldCorpusTests.corpus

    @Test func corpusIsPresent() {
        #expect(ParseRealWorldCorpusTests.files().count >= 80)
    }

    @Test(arguments: ParseRealWorldCorpusTests.files())
    func realWorldTextIsUnchanged(file: String) throws {
        let data = try Data(contentsOf: Self.corpus.appendingPathComponent(file))
        let feed = try FeedParser.parse(data, documentURL: "https://feeds.example.com/\(file)")
        let info = feed.feed
        for text in [info.title, info.subtitle, info.author, info.id, info.link] {
            #expect(Self.difference(text) == nil, "\(file): feed field \(text ?? "nil")")
        }
        for (n, e) in feed.entries.enumerated() {
            for text in [e.id, e.title, e.link, e.author, e.summary, e.content] + e.categories.map(Optional.some) {
                if let d = Self.difference(text) { Issue.record("\(file) entry \(n): \(d) in \(String((text ?? "nil").prefix(200)))") }
            }
            // What the pipeline passes.
            if let d = Self.difference(e.content ?? e.summary, title: e.title) { Issue.record("\(file) entry \(n) (title + body): \(d)") }
        }
    }

    static let edgeCases: [String] = [
        "", " ", "\n", "\r\n\r\n", "...", "—", "'s", ".,'", "!!! ??? ,,, ...", "nvidia's", "Nvidia's chips", "NVIDIA'S",
        "it's", "a's bb's ccc's", "3's", "$14.3", "2,048", "1'000'000", "a.b.", "a.b.c", "U.S. and e.g., i.e.",
        "end.", "end,", "end'", "end'.", "word'", "x.,y", "x..y", "x.'y", "14.3.", ".5", "'tis", "rock 'n' roll",
        "ab\u{200B}cd", "ab\u{00AD}cd", "ab\u{FEFF}cd", "a\u{2019}s", "Nvidia\u{2019}s", "caf\u{00E9}'s", "cafe\u{0301}'s",
        "x\u{0D4E}'s", "x\u{0D4E}'s abc", "\u{01F0}abc J\u{030C}abc j\u{030C}abc", "ǰabc's J̌abc's",
        // Canonically equivalent words in other bytes (the normalizer drops a ZWJ that kept the mark apart).
        "\u{1FB3}βγ α\u{200D}\u{0345}βγ", "\u{0622}بب ا\u{200D}\u{0653}بب",
        "東京都は火曜日に新しい計画を発表した。", "北京 上海 广州", "한국어 문장입니다", "カタカナ ひらがな",
        "الرئيس قال إن الحكومة ستعلن", "مرحبا بالعالم ١٢٣ ٤٥٦", "Президент заявил, что правительство",
        "Ёлка ёжик ЁЛКА", "ΟΔΟΣ Σοφοκλέους", "İstanbul's IŞIK", "straße STRASSE ẞ", "ﬁnance ﬂow", "Ｆｕｌｌｗｉｄｔｈ １２３",
        "e\u{0301}te\u{0301} cre\u{0300}me", "a\u{0300}\u{0301}\u{0302}b", "\u{0301}abc", "abc\u{0301}", "n\u{0303}o",
        "emoji 🎉 party 👨‍👩‍👧 family 🇺🇸 flag 1️⃣ one", "abc🎉def", "🎉", "ℌ ℍ ⅷ Ⅻ ½ ³ ① ⑴",
        "digits ٣٤٥ ३४५ ৩৪ ๓๔ ༣ ３", "x²+y² = z²", "50% 10 km 5¾",
        "line one has enough words to count as a paragraph here\r\nline two also has enough words to count as one\rthree\u{2028}four five six seven eight nine ten eleven\u{85}nel separated line with plenty of words in it too\u{2029}para\u{0B}vt\u{0C}ff",
        "\u{85}\u{2028}\u{2029}\r\n\n\r", "a\n\nb\n\n\nc", "  leading and trailing  \n  spaces  ",
        "Tabs\tand\u{00A0}nbsp\u{2003}em\u{3000}ideographic spaces", "“quoted” ‘single’ «guillemets» „low“",
        "en–dash em—dash minus−sign", "ellipsis… and… more…", "a…b", "x'\u{2019}y",
        "word\u{200D}joined zero\u{200C}width", "A\u{0338}B =\u{0338} <\u{0338}", "Hello\u{0000}World",
        String(repeating: "long line of plain ascii words that goes on ", count: 400),
        String(repeating: "Długa linia z polskimi literami żółć ", count: 300),
        String(repeating: "short\n", count: 300),
        String(repeating: "seven words on this line right here\n", count: 40) + String(repeating: "eight words on this line right here now\n", count: 40),
        (0..<200).map { "w\($0)" }.joined(separator: " "),
        (0..<60).map { "Line \($0) has the word number \($0) and some more filler" }.joined(separator: "\n"),
        "The the THE and AND said says according Accordingly theirs",
    ]

    @Test(arguments: edgeCases)
    func edgeCaseIsUnchanged(_ text: String) {
        #expect(Self.difference(text) == nil)
        #expect(Self.difference(text, title: text) == nil)
    }

    /// Deterministic text from pieces chosen to meet each other in every order: joiners next to letters of
    /// every kind, line separators, characters the normalizer's fast path leaves to the general one.
    @Test func generatedTextIsUnchanged() {
        let pieces = [
            "a", "b", "Z", "s", "'s", "'", ".", ",", "0", "9", "14.3", " ", "  ", "\n", "\r\n", "\r", "\u{85}",
            "\u{2028}", "\u{2029}", "\u{0B}", "\t", "\u{00A0}", "-", "—", "’", "“", "…", "\u{200B}", "\u{00AD}",
            "é", "e\u{0301}", "\u{0301}", "ß", "İ", "Σ", "ς", "Ж", "ж", "ا", "١", "३", "東", "京", "한", "ｱ", "１",
            "ﬁ", "🎉", "👨‍👩‍👧", "\u{0D4E}", "J\u{030C}", "ǰ", "the", "and", "nvidia", "chips", "said", "2,048",
        ]
        var rng = SplitMix64(seed: 7 &+ SplitMix64.increment)  // the sequence these texts were first drawn with
        for n in 0..<3_000 {
            let text = (0..<Int(rng.next() % 60)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined()
            if let d = Self.difference(text, title: n % 2 == 0 ? text : nil) {
                Issue.record("text \(n) \(text.unicodeScalars.map { String($0.value, radix: 16) }): \(d)")
            }
        }
    }

}
