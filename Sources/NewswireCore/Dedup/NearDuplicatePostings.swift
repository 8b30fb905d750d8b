/// The near-duplicate postings of one lead's keys as a committed state of the store had them, read ahead off the
/// store's thread (`ItemLookupConnection.nearDuplicatePostings`, on the prepare worker). The store's thread then
/// reads only the postings registered after that state (`DedupStorage.nearDuplicatePostings(after:)`, from the
/// small tables new postings wait in) instead of probing the large one for every key: in a large store those
/// probes were most of the reads a new item made, each into a random leaf.
public struct NearDuplicatePostings: Sendable, Equatable {
    /// The newest registration number in that state: every posting up to it is in `lists`, none after it.
    public var throughSeq: Int64
    /// Per key, the registration numbers indexed under it, newest first, at most the lookup's per-key limit.
    public var lists: [Int64: [Int64]]

    public init(throughSeq: Int64, lists: [Int64: [Int64]]) {
        self.throughSeq = throughSeq
        self.lists = lists
    }

    /// What `DedupStorage.nearDuplicateCandidates` answers for `keys` once `newer` (the postings after
    /// `throughSeq`, newest first per key) are added: per key the newest `perKeyLimit` of both, and per item the
    /// number of keys it was found under.
    public func candidates(keys: [Int64], adding newer: [Int64: [Int64]], perKeyLimit: Int) -> [Int64: Int] {
        var seqs: [Int64: Int] = [:]
        for key in keys {
            let later = newer[key] ?? []
            for seq in later.prefix(perKeyLimit) { seqs[seq, default: 0] += 1 }
            for seq in (lists[key] ?? []).prefix(max(0, perKeyLimit - later.count)) { seqs[seq, default: 0] += 1 }
        }
        return seqs
    }
}
