/// Dedup's view of its stored indexes, with the caches that keep a story lookup and a registration to a few
/// statements: document frequencies (`DocumentFrequencies`), the newest story postings of the terms looked
/// up (`StoryPostingCache`) and recently registered story vectors (`StoryVectorCache`). It observes the
/// storage's transactions, so what the caches hold is always what the tables hold as the transaction sees them.
///
/// Used from one thread, with its storage (the pipeline's).
public final class DedupIndex {
    let storage: DedupStorage
    var documentFrequencies = DocumentFrequencies()
    var storyVectors = StoryVectorCache()
    var storyPostings = StoryPostingCache()
    /// The caches' marks at each open savepoint, innermost last.
    private var savepoints: [(frequencies: Int, vectors: Int, postings: Int)] = []

    public init(storage: DedupStorage) {
        self.storage = storage
        storage.addTransactionObserver(self)
    }

    func nearDuplicateCandidates(keys: [NearDuplicateKey], perKeyLimit: Int) throws(StoreError) -> [Int64: Int] {
        try storage.nearDuplicateCandidates(keys: keys.map(\.hash), perKeyLimit: perKeyLimit)
    }

    func dedupEntry(seq: Int64) throws(StoreError) -> DedupEntry? { try storage.dedupEntry(seq: seq) }
    func dedupEntry(itemID: String) throws(StoreError) -> DedupEntry? { try storage.dedupEntry(itemID: itemID) }

    /// Items registered so far.
    func storyItemCount() throws(StoreError) -> Int { Int(try storage.newestDedupSeq()) }

    func firstDedupSeq(since fetched: Int) throws(StoreError) -> Int64 { try storage.firstDedupSeq(since: fetched) }

    /// Hands `body` the items with `term` registered at or after `sinceSeq`, newest first, at most `limit`. In a
    /// write transaction from `storyPostings`, which reads the term's newest `limit` once.
    func forEachStoryPosting(term: Int64, sinceSeq: Int64, limit: Int, _ body: (Int64) -> Void) throws(StoreError) {
        if storyPostings.forEach(term: term, sinceSeq: sinceSeq, limit: limit, body) { return }
        guard storage.inTransaction else {
            try storage.forEachStoryPosting(term: term, sinceSeq: sinceSeq, limit: limit, body)
            return
        }
        var newest: [Int64] = []
        try storage.forEachStoryPosting(term: term, sinceSeq: nil, limit: limit) { newest.append($0) }
        storyPostings.remember(term: term, newestFirst: newest, limit: limit)
        for seq in newest where seq >= sinceSeq { body(seq) }
    }

    /// In a write transaction, reads the newest `limit` postings of those of `terms` not cached yet, all at once
    /// (`DedupStorage.storyPostings`), so that a story lookup's term-by-term reads find them cached.
    func prefetchStoryPostings(terms: [Int64], limit: Int) throws(StoreError) {
        guard storage.inTransaction else { return }
        let missing = terms.filter { !storyPostings.forEach(term: $0, sinceSeq: Int64.max, limit: limit, { _ in }) }
        guard missing.count > 1 else { return }
        let lists = try storage.storyPostings(terms: missing, limit: limit)
        for term in missing { storyPostings.remember(term: term, newestFirst: lists[term] ?? [], limit: limit) }
    }

    /// The story and vector of the item registered as `seq`.
    func storyCandidate(seq: Int64) throws(StoreError) -> (story: String, vector: StoryClusterer.Sorted)? {
        try storyCandidates(seqs: [seq])[seq]
    }

    /// The story and vector of each item registered as one of `seqs`: what a story lookup scores its candidates
    /// by. Cached ones first; the rest in one read of the storage.
    func storyCandidates(seqs: [Int64]) throws(StoreError) -> [Int64: (story: String, vector: StoryClusterer.Sorted)] {
        var found: [Int64: (story: String, vector: StoryClusterer.Sorted)] = [:]
        var missing: [Int64] = []
        for seq in seqs {
            if let cached = storyVectors.entry(seq: seq) { found[seq] = cached } else { missing.append(seq) }
        }
        guard !missing.isEmpty else { return found }
        for (seq, (story, stored)) in try storage.storyVectors(seqs: missing) {
            switch stored {
            case .encoded(let bytes): found[seq] = (story, StoryClusterer.Sorted(encoded: bytes))
            case .text(let text): found[seq] = (story, StoryClusterer.Sorted(StoryClusterer.Vector(text: text)))
            }
        }
        return found
    }

    /// Document frequencies of `terms` (absent terms: 0) as this transaction sees them.
    func storyDocumentFrequencies(terms: [Int64]) throws(StoreError) -> [Int64: Int] {
        let counts = try storyDocumentFrequencyList(terms: terms)
        return Dictionary(zip(terms, counts), uniquingKeysWith: { a, _ in a })
    }

    /// `storyDocumentFrequencies` as a list in the order of `terms`: cached counts, the rest in one read.
    func storyDocumentFrequencyList(terms: [Int64]) throws(StoreError) -> [Int] {
        let cached = documentFrequencies.lookup(terms)
        var missing: [Int64] = []
        for (t, n) in zip(terms, cached) where n == nil { missing.append(t) }
        guard !missing.isEmpty else { return cached.map { $0! } }
        var stored = Int64Table<Int>(minimumCapacity: missing.count)
        try storage.forEachDocumentFrequency(terms: missing) { stored[$0] = $1 }
        var out: [Int] = []
        out.reserveCapacity(terms.count)
        for (t, n) in zip(terms, cached) {
            out.append(n ?? documentFrequencies.remember(t, stored: stored[t] ?? 0))
        }
        return out
    }

    /// Registers an item (once: a second registration is ignored) with its fingerprint, story vector and story
    /// terms: its first `indexedKeys` keys get a near-duplicate posting, `terms` count towards their document
    /// frequency, `postings` (nil: all of `terms`) get a story posting. Inside a transaction the frequencies
    /// are written back at its commit.
    func registerDedup(_ e: DedupEntry, vector: [UInt8], keys: [NearDuplicateKey],
                       indexedKeys: Int = NearDuplicateIndex().maxLeadOffset, terms: [Int64], postings: [Int64]? = nil,
                       fetched: Int) throws(StoreError) {
        var entry = e
        entry.keys = keys.map(\.hash)
        guard let seq = try storage.insertDedupEntry(entry, vector: vector, indexedKeys: indexedKeys, fetched: fetched) else {
            return
        }
        let inTransaction = storage.inTransaction
        storyVectors.add(seq: seq, story: e.story, vector: StoryClusterer.Sorted(encoded: vector))
        if !inTransaction { storyVectors.commit() }
        guard !terms.isEmpty else { return }
        try storage.insertStoryPostings(seq: seq, terms: postings ?? terms)
        storyPostings.added(seq: seq, terms: postings ?? terms)
        if !inTransaction { storyPostings.commit() }
        if inTransaction {
            documentFrequencies.increment(terms)  // written back before the commit
        } else {
            try storage.addDocumentFrequencies(terms.map { (term: $0, count: 1) })
            documentFrequencies.incremented(terms)
        }
    }
}

extension DedupIndex: TransactionObserver {
    /// Forget cached counts and postings another connection may have changed, and any story vector no
    /// transaction owns any more.
    public func transactionDidBegin(dataVersion: Int64) {
        documentFrequencies.begin(dataVersion: dataVersion)
        storyVectors.discard()
        storyPostings.begin(dataVersion: dataVersion)
        savepoints.removeAll()
    }

    /// The transaction's document-frequency increments, in one write.
    public func transactionWillCommit() throws(StoreError) {
        let pending = documentFrequencies.takePending()
        guard !pending.isEmpty else { return }
        try storage.addDocumentFrequencies(pending)
    }

    public func transactionDidEnd(committed: Bool) {
        savepoints.removeAll()
        if committed {
            storyVectors.commit()
            storyPostings.commit()
        } else {
            documentFrequencies.discard()
            storyVectors.discard()
            storyPostings.discard()
        }
    }

    public func savepointDidBegin() {
        savepoints.append((documentFrequencies.mark, storyVectors.mark, storyPostings.mark))
    }

    public func savepointDidEnd(committed: Bool) {
        guard let mark = savepoints.popLast(), !committed else { return }
        documentFrequencies.undo(to: mark.frequencies)
        storyVectors.undo(to: mark.vectors)
        storyPostings.undo(to: mark.postings)
    }
}
