/// Syndicated near-duplicates: the same article republished with a new headline, a dateline or byline,
/// boilerplate appended, truncated to its first paragraphs, a figure corrected or an editor's note added.
///
/// The fingerprint is a sample of the body's *lead*: the first `leadWords` words (lines shorter than
/// `minParagraphWords` left out: bylines, share rows, "Continue reading…") are cut into overlapping
/// `shingleWords`-word shingles, each hashed, and the shingles whose hash is divisible by `sampleModulus`
/// are kept (Broder's mod-p sampling). Two copies of the same text keep the same shingles, so the shared
/// sample estimates **containment** — how much of the shorter lead is found in the other — which a
/// truncated copy scores like a full one, where Jaccard (MinHash) would halve. Looking only at the lead
/// makes appended boilerplate and "Recent Content" teasers (other articles' leads, quoted at the end) count
/// for nothing; a dateline, byline or editor's note on top shifts the lead by a few words and costs a few
/// shingles. The headline is left out: a changed headline on the same body is still a copy.
///
/// Lookup goes through the store's index (`dedup_keys`: sampled shingle → item, for the first
/// `maxLeadOffset` shingles of each lead), reading at most `postingLimit` newest items per shingle, and reads
/// the fingerprint of an item only when it shares `minLeadHits` of those leading shingles: one shared shingle
/// is what unrelated texts in a common phrase share, and their number grows with the store.
public struct NearDuplicateIndex: Sendable {
    public var shingleWords = 4
    public var leadWords = 150
    public var sampleModulus: UInt64 = 4
    /// Shared samples over the smaller sample count at or above this: a copy.
    public var minContainment = 0.40
    /// And at least this many shared samples (short texts say too little).
    public var minShared = 3
    public var postingLimit = 64

    public init() {}

    /// Lines (paragraphs) shorter than this are page furniture — bylines, share rows, "Continue reading…",
    /// section labels — and are left out of the fingerprint.
    public var minParagraphWords = 8

    /// A copy shares its *beginning* with the original: `minLeadHits` keys among the first this many keys of
    /// both leads (up to 7 keys, about 30 words, of its own on top: room for a dateline, a byline or an
    /// editor's note). A page that merely quotes an article's lead in a teaser block shares it later on, after
    /// its own text. Counted in keys rather than words so that a gap in the sampling does not push a copy's
    /// first keys past it. Only these keys of each item are indexed.
    public var maxLeadOffset = 9
    /// Leading keys a candidate must share before its whole fingerprint is read. Two, not one: texts that merely
    /// share a common phrase share one sampled shingle by chance, and there are more of them the larger the
    /// store, each a random read; a copy with up to `maxLeadOffset - minLeadHits` keys of its own on top shares
    /// at least two.
    public var minLeadHits = 2

    /// The sampled shingle hashes of a body's lead in text order, each hash once, with its rank (0 for the
    /// first key of the lead).
    public func fingerprint(body: String?) -> [NearDuplicateKey] {
        // Line by line (paragraphs), and only as far as the lead goes; each word as its hash.
        var wordHashes: [UInt64] = []
        wordHashes.reserveCapacity(leadWords)
        DedupText.forEachNormalizedLine(body ?? "") { line in
            let limit = leadWords - wordHashes.count
            let n = DedupText.forEachWord(in: line, limit: limit) { range, _ in
                wordHashes.append(DedupText.fnv1a(bytes: line.extracting(range)))
            }
            if n < minParagraphWords && n != limit { wordHashes.removeLast(n) }
            return wordHashes.count < leadWords
        }
        guard wordHashes.count >= shingleWords else { return [] }
        var seen = Set<Int64>()
        var keys: [NearDuplicateKey] = []
        for i in 0...(wordHashes.count - shingleWords) {
            var h: UInt64 = 0
            for j in i..<(i + shingleWords) { h = (h &* 0x0000_0100_0000_01B3) ^ wordHashes[j] }
            let m = DedupText.mix(h)
            if m % sampleModulus == 0, seen.insert(Int64(bitPattern: m)).inserted {
                keys.append(NearDuplicateKey(hash: Int64(bitPattern: m), position: keys.count))
            }
        }
        return keys
    }

    /// A match: the stored item, its own root (the first archived copy) and story, and the containment.
    public struct Match: Sendable, Equatable {
        public var itemID: String
        public var root: String
        public var story: String
        public var containment: Double
    }

    /// The stored item this fingerprint is a copy of, if any (the highest containment wins; ties go to the
    /// older item).
    ///
    /// Candidates come from the index, which holds only the first `maxLeadOffset` keys of each stored lead,
    /// queried with the first `maxLeadOffset` keys of this one: a copy shares `minLeadHits` keys early in both
    /// leads (a lead with fewer keys than that: all of them). Each candidate's whole fingerprint, stored with it,
    /// gives the shared count.
    public func lookup(_ keys: [NearDuplicateKey], in index: DedupIndex) throws(StoreError) -> Match? {
        guard keys.count >= minShared else { return nil }
        let lead = Array(keys.prefix(maxLeadOffset))
        let hits = try index.nearDuplicateCandidates(keys: lead, perKeyLimit: postingLimit)
        let needed = min(minLeadHits, lead.count)
        let candidates = hits.filter { $0.value >= needed }.keys.sorted()
        guard !candidates.isEmpty else { return nil }
        let own = Set(keys.map(\.hash))
        var best: (score: Double, seq: Int64, entry: DedupEntry)?
        for seq in candidates {
            guard let e = try index.dedupEntry(seq: seq), !e.keys.isEmpty else { continue }
            let shared = e.keys.reduce(0) { own.contains($1) ? $0 + 1 : $0 }
            guard shared >= minShared else { continue }
            let score = Double(shared) / Double(min(keys.count, e.keys.count))
            guard score >= minContainment else { continue }
            if best == nil || score > best!.score || (score == best!.score && seq < best!.seq) {
                best = (score, seq, e)
            }
        }
        return best.map { Match(itemID: $0.entry.itemID, root: $0.entry.root, story: $0.entry.story, containment: $0.score) }
    }
}

/// One sampled shingle of a lead: its hash and its rank among the lead's keys (0 first).
public struct NearDuplicateKey: Sendable, Hashable {
    public var hash: Int64
    public var position: Int
}
