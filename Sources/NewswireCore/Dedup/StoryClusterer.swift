import Foundation

/// Story clusters: different outlets' differently worded articles on the same event share one story id.
///
/// An item is described by the salient terms of its headline and lead (the first `leadWords` words of the
/// body: news puts who, what and where first, and trailing boilerplate or teasers never reach it): words of
/// three or more letters, and numbers, that are not stop words; headline words count twice. Each term is
/// weighted `(1 + ln tf) · idf`, idf = ln((N + 2) / (df + 1)) over the items stored so far and a shipped
/// background corpus (`BackgroundFrequencies`), and the vector is normalized to length 1 and stored with the
/// item as it was at that time.
///
/// A new item's `queryTerms` strongest terms are looked up in an inverted index (`story_terms`: term → item)
/// restricted to items first seen within `window` (at most `postingLimit` newest per term; a term found in more
/// than `maxTermShare` of the stored items, and in more than `postingLimit`, is not looked up: its newest
/// postings are merely the latest items, whatever they are about, and it is still counted in the cosine); the
/// `maxCandidates` items sharing the most weight are scored by cosine, and the item joins the story of the
/// best one at or above `minCosine` sharing at least `minSharedTerms` terms, else it starts a story of its own
/// (story id = its own id).
public struct StoryClusterer: Sendable {
    public var leadWords = 60
    public var queryTerms = 30
    public var postingLimit = 200
    public var maxTermShare = 0.05
    public var maxCandidates = 20
    public var minCosine = 0.08
    /// And at least this many salient terms in common: over a small or young store idf says little, and a
    /// few generic words ("global", "developing", "nations") can reach the cosine on their own.
    public var minSharedTerms = 5
    public var window: TimeInterval = 3 * 86_400
    /// Document frequencies of a general news corpus, added to the store's in every idf.
    public var background = BackgroundFrequencies.shipped

    public init() {}

    /// A weighted term vector, length 1, terms as stable 64-bit hashes.
    public struct Vector: Sendable, Equatable {
        public var weights: [Int64: Double] { didSet { sortedForm = nil } }
        /// The terms worth looking up in the inverted index (not too common); set by `vector(title:body:in:)`,
        /// empty for a vector read back from the store.
        var lookupTerms: [Int64] = []
        /// `weights` sorted by term, when `vector(counts:in:)` built it (derived, like `lookupTerms`): what
        /// `encoded` and a lookup's `Sorted` read instead of sorting the dictionary again.
        var sortedForm: Sorted?

        /// Serialized for the store: (hash, weight) pairs sorted by hash, 8 + 8 bytes little-endian each.
        var encoded: [UInt8] {
            let sorted = Sorted(self)
            var out: [UInt8] = []
            out.reserveCapacity(sorted.keys.count * 16)
            for (k, v) in zip(sorted.keys, sorted.values) {
                Bytes.appendLittleEndian(UInt64(bitPattern: k), to: &out)
                Bytes.appendLittleEndian(v.bitPattern, to: &out)
            }
            return out
        }

        /// The older text form: `hash:weight` pairs separated by spaces (weights rounded to 1e-6).
        var text: String {
            weights.sorted { $0.key < $1.key }.map { "\($0.key):\(($0.value * 1e6).rounded() / 1e6)" }.joined(separator: " ")
        }

        init(weights: [Int64: Double]) { self.weights = weights }

        /// Equal when the weights are: `lookupTerms` and `sortedForm` are derived, not part of the value.
        public static func == (a: Vector, b: Vector) -> Bool { a.weights == b.weights }

        /// Parses the older text form (stores written before `encoded`); stops at the first malformed pair.
        init(text: String) {
            var w: [Int64: Double] = [:]
            for pair in text.split(separator: " ", omittingEmptySubsequences: true) {
                guard let colon = pair.firstIndex(of: ":"), let key = Int64(pair[..<colon]),
                      let value = Double(pair[pair.index(after: colon)...]) else { break }
                w[key] = value
            }
            weights = w
        }

        /// A vector as stored (`encoded` or the older `text`).
        init(stored: StoredStoryVector) {
            switch stored {
            case .encoded(let b): self.init(weights: Dictionary(Sorted(encoded: b).pairs, uniquingKeysWith: { a, _ in a }))
            case .text(let t): self.init(text: t)
            }
        }
    }

    /// A vector as parallel arrays sorted by term: what a lookup compares, by merging, with each candidate's
    /// stored vector, without building a dictionary per candidate.
    struct Sorted {
        var keys: [Int64] = []
        var values: [Double] = []

        init(_ v: Vector) {
            if let sorted = v.sortedForm {
                self = sorted
                return
            }
            for (k, w) in v.weights.sorted(by: { $0.key < $1.key }) {
                keys.append(k)
                values.append(w)
            }
        }

        init(keys: [Int64], values: [Double]) {
            self.keys = keys
            self.values = values
        }

        /// A vector as `Vector.encoded` stored it; a torn last pair is ignored.
        init(encoded b: [UInt8]) {
            let n = b.count / 16
            keys.reserveCapacity(n)
            values.reserveCapacity(n)
            for i in 0..<n {
                keys.append(Int64(bitPattern: Bytes.littleEndianUInt64(b, at: i * 16)))
                values.append(Double(bitPattern: Bytes.littleEndianUInt64(b, at: i * 16 + 8)))
            }
        }

        var pairs: [(Int64, Double)] { Array(zip(keys, values)) }

        func cosine(_ other: Sorted) -> (cosine: Double, shared: Int) {
            var i = 0, j = 0, s = 0.0, n = 0
            while i < keys.count, j < other.keys.count {
                if keys[i] == other.keys[j] {
                    s += values[i] * other.values[j]
                    n += 1
                    i += 1
                    j += 1
                } else if keys[i] < other.keys[j] {
                    i += 1
                } else {
                    j += 1
                }
            }
            return (s, n)
        }
    }

    /// The `k` items with the most mass (ties: the older item first), by insertion into a short sorted list:
    /// a lookup gathers a few hundred candidates and keeps 20, where sorting them all cost more than scoring.
    static func heaviest(_ mass: Int64Table<Double>, _ k: Int) -> [Int64] {
        func before(_ a: (key: Int64, value: Double), _ b: (key: Int64, value: Double)) -> Bool {
            a.value > b.value || (a.value == b.value && a.key < b.key)
        }
        var top: [(key: Int64, value: Double)] = []
        top.reserveCapacity(k + 1)
        mass.forEach { key, value in
            let e = (key: key, value: value)
            guard top.count < k || before(e, top[top.count - 1]) else { return }
            var i = top.count
            while i > 0, before(e, top[i - 1]) { i -= 1 }
            top.insert(e, at: i)
            if top.count > k { top.removeLast() }
        }
        return top.map(\.key)
    }

    static let stopWords: Set<String> = [
        "the", "and", "but", "for", "with", "from", "are", "was", "were", "been", "being", "its", "this", "that",
        "these", "those", "she", "they", "them", "his", "her", "their", "our", "you", "your", "not", "nor", "than",
        "then", "there", "here", "which", "who", "whom", "whose", "what", "when", "where", "why", "how", "all", "any",
        "each", "few", "more", "most", "other", "some", "such", "only", "own", "same", "too", "very", "can", "will",
        "just", "should", "would", "could", "may", "might", "must", "also", "into", "over", "under", "after",
        "before", "about", "above", "below", "between", "through", "during", "out", "off", "again", "further",
        "once", "said", "says", "say", "new", "one", "two", "three", "has", "have", "had", "having", "does", "did",
        "doing", "while", "because", "until", "against", "among", "per", "amid", "via", "now", "still", "according",
    ]

    /// `stopWords` by hash, for ASCII terms (compared by bytes when the hash matches).
    static let stopWordHashes: [UInt64: String] = Dictionary(uniqueKeysWithValues: stopWords.map { (DedupText.fnv1a($0), $0) })

    /// Term frequencies of the headline (twice) and the lead, each term as its hash (`DedupText.fnv1a`), as the
    /// vector keeps it (two terms with one hash count as one: the vector could not tell them apart either). The
    /// lead is normalized only as far as its `leadWords` words.
    ///
    /// A term is a word less a trailing "'s", kept when it is a number or has 3 or more Characters and is not a
    /// stop word. An ASCII word (nearly all of them) is checked and counted by its bytes: there a byte is a
    /// Character. Any other stays a String until it is counted, as before: Characters are grapheme clusters
    /// (a prepended mark and "'" are one), and String equality is canonical equivalence, so "ᾳ" and "α" +
    /// combining ypogegrammeni (what "α", a zero-width joiner and the mark become once the normalizer drops the
    /// joiner) are one term.
    public func termCounts(title: String?, body: String?) -> [Int64: Double] {
        var tf: [Int64: Double] = [:]
        var nonASCII: [String: Double] = [:]
        func add(_ text: String?, limit: Int, weight: Double) {
            var remaining = limit
            DedupText.forEachNormalizedLine(text ?? "") { line in
                remaining -= DedupText.forEachWord(in: line, limit: remaining) { range, ascii in
                    let word = line.extracting(range)
                    guard ascii else {
                        var t = DedupText.string(word)
                        if t.hasSuffix("'s") { t.removeLast(2) }
                        let numeric = t.unicodeScalars.allSatisfy { $0.properties.numericType != nil || $0 == "." || $0 == "," }
                        guard numeric || t.count >= 3, !Self.stopWords.contains(t) else { return }
                        nonASCII[t, default: 0] += weight
                        return
                    }
                    let n = word.count
                    let possessive = n >= 2 && word[n - 2] == UInt8(ascii: "'") && word[n - 1] == UInt8(ascii: "s")
                    let term = possessive ? word.extracting(droppingLast: 2) : word
                    guard term.count >= 3 || Self.isNumber(term) else { return }
                    let h = DedupText.fnv1a(bytes: term)
                    if let stop = Self.stopWordHashes[h], Self.equal(term, stop) { return }
                    tf[Int64(bitPattern: h), default: 0] += weight
                }
                return remaining > 0
            }
        }
        add(title, limit: .max, weight: 2)
        add(body, limit: leadWords, weight: 1)
        for (t, f) in nonASCII { tf[Int64(bitPattern: DedupText.fnv1a(t)), default: 0] += f }
        return tf
    }

    /// Whether an ASCII term is all digits, dots and commas.
    private static func isNumber(_ term: Span<UInt8>) -> Bool {
        for i in term.indices {
            let b = term[i]
            guard (b >= 0x30 && b <= 0x39) || b == UInt8(ascii: ".") || b == UInt8(ascii: ",") else { return false }
        }
        return true
    }

    /// Whether `bytes` are the UTF-8 of `word`.
    private static func equal(_ bytes: Span<UInt8>, _ word: String) -> Bool {
        var k = 0
        for b in word.utf8 {
            guard k < bytes.count, bytes[k] == b else { return false }
            k += 1
        }
        return k == bytes.count
    }

    /// The item's vector, with idf from the store's document frequencies.
    public func vector(title: String?, body: String?, in index: DedupIndex) throws(StoreError) -> Vector {
        try vector(counts: termCounts(title: title, body: body), in: index)
    }

    /// The vector of term counts from `termCounts`, with idf from the store's document frequencies.
    public func vector(counts tf: [Int64: Double], in index: DedupIndex) throws(StoreError) -> Vector {
        let stored = Double(try index.storyItemCount())
        let n = stored + Double(background.documents)
        // Which terms are too common to look up is the store's postings' business: its own counts decide.
        let commonDF = max(Double(postingLimit), stored * maxTermShare)
        // The terms and their weights as lists in term order, one dictionary built at the end (`tf`'s keys are
        // distinct). In term order, the norm's sum, and so every stored weight, is the same from run to run (in
        // a dictionary's order, which Swift seeds per process, its last bits were not).
        let terms = tf.keys.sorted()
        let dfs = try index.storyDocumentFrequencyList(terms: terms)
        var weights: [Double] = []
        weights.reserveCapacity(terms.count)
        var lookup: [Int64] = []
        var sumOfSquares = 0.0
        for (key, df) in zip(terms, dfs) {
            let weight = (1 + log(tf[key]!)) * log((n + 2) / (Double(df + background[key]) + 1))
            weights.append(weight)
            sumOfSquares += weight * weight
            if Double(df) <= commonDF { lookup.append(key) }
        }
        let norm = sumOfSquares.squareRoot()
        var w: [Int64: Double] = [:]
        w.reserveCapacity(terms.count)
        for i in weights.indices {
            if norm > 0 { weights[i] /= norm }
            w[terms[i]] = weights[i]
        }
        var v = Vector(weights: w)
        v.lookupTerms = lookup
        v.sortedForm = Sorted(keys: terms, values: weights)
        return v
    }

    /// The story this vector belongs to among items first seen since `now - window`, if any.
    public func lookup(_ v: Vector, now: Date, in index: DedupIndex) throws(StoreError) -> (story: String, cosine: Double)? {
        var candidates: [(key: Int64, value: Double)] = []
        candidates.reserveCapacity(v.lookupTerms.count)
        for term in v.lookupTerms { candidates.append((key: term, value: v.weights[term] ?? 0)) }
        candidates.sort { a, b in a.value > b.value || (a.value == b.value && a.key < b.key) }
        let top = candidates.prefix(queryTerms)
        guard !top.isEmpty else { return nil }
        let since = try index.firstDedupSeq(since: Int(now.addingTimeInterval(-window).timeIntervalSince1970))
        var mass = Int64Table<Double>(minimumCapacity: 512)
        try index.prefetchStoryPostings(terms: top.map(\.key), limit: postingLimit)
        for (term, weight) in top {
            try index.forEachStoryPosting(term: term, sinceSeq: since, limit: postingLimit) { seq in
                mass[seq, default: 0] += weight
            }
        }
        var best: (cosine: Double, seq: Int64, story: String)?
        let query = Sorted(v)
        let heaviest = Self.heaviest(mass, maxCandidates)
        let vectors = try index.storyCandidates(seqs: heaviest)
        for seq in heaviest {
            guard let (story, vector) = vectors[seq] else { continue }
            let (c, shared) = query.cosine(vector)
            if c >= minCosine, shared >= minSharedTerms, best == nil || c > best!.cosine || (c == best!.cosine && seq < best!.seq) {
                best = (c, seq, story)
            }
        }
        return best.map { ($0.story, $0.cosine) }
    }
}
