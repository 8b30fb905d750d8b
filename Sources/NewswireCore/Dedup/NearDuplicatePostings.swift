/// The near-duplicate postings of one lead's keys as a committed state of the store had them, read ahead off the
/// store's thread (`ItemLookupConnection.nearDuplicatePostings`, on the prepare worker). The store's thread then
/// reads only the postings registered after that state (`DedupStorage.nearDuplicatePostings(after:)`, from the
/// small tables new postings wait in) instead of probing the large one for every key: in a large store those
/// probes were most of the reads a new item made, each into a random leaf.
public struct NearDuplicatePostings: Sendable, Equatable {
    /// The newest registration number in that state: no posting after it is in `lists`.
    public var throughSeq: Int64
    /// The keys read, and how many postings of each at most: what these lists can answer for.
    public var keys: [Int64]
    public var perKeyLimit: Int
    /// Per key read, its newest `perKeyLimit` registration numbers up to `throughSeq`, newest first (a key
    /// without any: absent).
    public var lists: [Int64: [Int64]]

    public init(throughSeq: Int64, keys: [Int64], perKeyLimit: Int, lists: [Int64: [Int64]]) {
        self.throughSeq = throughSeq
        self.keys = keys
        self.perKeyLimit = perKeyLimit
        self.lists = lists
    }

    /// Whether these lists were read for `keys` under `perKeyLimit` (or a larger limit): only then do they answer
    /// a lookup, which otherwise reads the store itself.
    public func answers(keys: [Int64], perKeyLimit: Int) -> Bool {
        perKeyLimit <= self.perKeyLimit && keys == self.keys
    }

    /// What `DedupStorage.nearDuplicateCandidates` answers for `keys` once `newer` (the postings after
    /// `throughSeq`, newest first per key) are added: per key the newest `perKeyLimit` of both, and per item the
    /// number of keys it was found under.
    public func candidates(keys: [Int64], adding newer: [Int64: [Int64]], perKeyLimit: Int) -> [Int64: Int] {
        let limit = max(0, perKeyLimit)
        var seqs: [Int64: Int] = [:]
        for key in keys {
            let later = (newer[key] ?? []).prefix(limit)
            for seq in later { seqs[seq, default: 0] += 1 }
            for seq in (lists[key] ?? []).prefix(limit - later.count) { seqs[seq, default: 0] += 1 }
        }
        return seqs
    }
}
