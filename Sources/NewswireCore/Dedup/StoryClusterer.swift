import Foundation

/// Story clusters: different outlets' differently worded articles on the same event share one story id.
///
/// An item is described by the salient terms of its headline and lead (the first `leadWords` words of the
/// body: news puts who, what and where first, and trailing boilerplate or teasers never reach it): words of
/// three or more letters, and numbers, that are not stop words; headline words count twice. Each term is
/// weighted `(1 + ln tf) · idf`, idf = ln((N + 2) / (df + 1)) over the items stored so far, and the vector is
/// normalized to length 1 and stored with the item as it was at that time.
///
/// A new item's `queryTerms` strongest terms are looked up in an inverted index (`story_terms`: term → item)
/// restricted to items first seen within `window` (at most `postingLimit` newest per term); the
/// `maxCandidates` items sharing the most weight are scored by cosine, and the item joins the story of the
/// best one at or above `minCosine` sharing at least `minSharedTerms` terms, else it starts a story of its own
/// (story id = its own id).
public struct StoryClusterer: Sendable {
    public var leadWords = 60
    public var queryTerms = 30
    public var postingLimit = 200
    public var maxCandidates = 20
    public var minCosine = 0.08
    /// And at least this many salient terms in common: over a small or young store idf says little, and a
    /// few generic words ("global", "developing", "nations") can reach the cosine on their own.
    public var minSharedTerms = 5
    public var window: TimeInterval = 3 * 86_400

    public init() {}

    /// A weighted term vector, length 1, terms as stable 64-bit hashes.
    public struct Vector: Sendable, Equatable {
        public var weights: [Int64: Double]

        /// Serialized for the store: `hash:weight` pairs separated by spaces.
        var text: String {
            weights.sorted { $0.key < $1.key }.map { "\($0.key):\(($0.value * 1e6).rounded() / 1e6)" }.joined(separator: " ")
        }

        init(weights: [Int64: Double]) { self.weights = weights }

        /// Parses `text` with strtoll/strtod: called for every candidate of every lookup, where splitting into
        /// Strings was a third of a pass's time.
        init(text: String) {
            var w: [Int64: Double] = [:]
            text.utf8CString.withUnsafeBufferPointer { buf in
                guard var p = buf.baseAddress else { return }
                while p.pointee != 0 {
                    var end: UnsafeMutablePointer<CChar>?
                    let key = strtoll(p, &end, 10)
                    guard let colon = end, colon != UnsafeMutablePointer(mutating: p),
                          colon.pointee == CChar(UInt8(ascii: ":")) else { break }
                    let start = colon + 1
                    var valueEnd: UnsafeMutablePointer<CChar>?
                    let value = strtod(start, &valueEnd)
                    guard let next = valueEnd, next != start else { break }
                    w[Int64(key)] = value
                    p = UnsafePointer(next)
                    while p.pointee == CChar(UInt8(ascii: " ")) { p += 1 }
                }
            }
            weights = w
        }

        func cosine(_ other: Vector) -> (cosine: Double, shared: Int) {
            var s = 0.0, n = 0
            for (k, v) in weights { if let o = other.weights[k] { s += v * o; n += 1 } }
            return (s, n)
        }
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

    /// Term frequencies of the headline (twice) and the lead.
    public func termCounts(title: String?, body: String?) -> [String: Double] {
        var tf: [String: Double] = [:]
        func add(_ text: String?, limit: Int, weight: Double) {
            for w in DedupText.words(normalized: TextNormalizer.normalize(text ?? ""), limit: limit) {
                var t = String(w)
                if t.hasSuffix("'s") { t.removeLast(2) }
                let numeric = t.unicodeScalars.allSatisfy { $0.properties.numericType != nil || $0 == "." || $0 == "," }
                guard numeric || t.count >= 3, !Self.stopWords.contains(t) else { continue }
                tf[t, default: 0] += weight
            }
        }
        add(title, limit: .max, weight: 2)
        add(body, limit: leadWords, weight: 1)
        return tf
    }

    /// The item's vector, with idf from the store's document frequencies.
    public func vector(title: String?, body: String?, in store: ItemStore) throws(StoreError) -> Vector {
        let tf = termCounts(title: title, body: body)
        let n = Double(try store.storyItemCount())
        var w: [Int64: Double] = [:]
        for (t, f) in tf {
            let key = Int64(bitPattern: DedupText.fnv1a(t))
            let df = Double(try store.storyDocumentFrequency(term: key))
            w[key, default: 0] += (1 + log(f)) * log((n + 2) / (df + 1))
        }
        let norm = w.values.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if norm > 0 { for k in w.keys { w[k]! /= norm } }
        return Vector(weights: w)
    }

    /// The story this vector belongs to among items first seen since `now - window`, if any.
    public func lookup(_ v: Vector, now: Date, in store: ItemStore) throws(StoreError) -> (story: String, cosine: Double)? {
        let top = v.weights.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }.prefix(queryTerms)
        let since = try store.firstDedupSeq(since: Int(now.addingTimeInterval(-window).timeIntervalSince1970))
        var mass: [Int64: Double] = [:]
        for (term, weight) in top {
            for seq in try store.storyPostings(term: term, sinceSeq: since, limit: postingLimit) {
                mass[seq, default: 0] += weight
            }
        }
        let candidates = mass.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }.prefix(maxCandidates)
        var best: (cosine: Double, seq: Int64, story: String)?
        for (seq, _) in candidates {
            guard let e = try store.dedupEntry(seq: seq) else { continue }
            let (c, shared) = v.cosine(Vector(text: e.terms))
            if c >= minCosine, shared >= minSharedTerms, best == nil || c > best!.cosine || (c == best!.cosine && seq < best!.seq) {
                best = (c, seq, e.story)
            }
        }
        return best.map { ($0.story, $0.cosine) }
    }
}
