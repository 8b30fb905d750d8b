/// One item as the near-duplicate index and the story clusterer registered it.
public struct DedupEntry: Sendable, Equatable {
    public var itemID: String
    /// The first archived copy of this text (the item itself when it is an original).
    public var root: String
    public var story: String
    /// The fingerprint's hashes in lead order: what a lookup counts shared shingles with (empty when the lead
    /// was too short to give any).
    public var keys: [Int64] = []

    public init(itemID: String, root: String, story: String, keys: [Int64] = []) {
        self.itemID = itemID
        self.root = root
        self.story = story
        self.keys = keys
    }
}

/// A registered item's story vector as stored: `StoryClusterer.Vector.encoded`, or the text form of stores
/// written before it.
public enum StoredStoryVector: Sendable, Equatable {
    case encoded([UInt8])
    case text(String)
}

/// What deduplication needs of persistence: the rows of its indexes, read and written. Dedup keeps its caches
/// and decides everything itself (`DedupIndex`); a backend implements this and calls the transaction
/// observer it is given. `ItemStore` implements it for SQLite.
public protocol DedupStorage: AnyObject {
    /// A write transaction is open (what a registration keeps in memory waits for its commit).
    var inTransaction: Bool { get }
    func addTransactionObserver(_ observer: TransactionObserver)

    /// The items indexed under any of `keys` (the newest `perKeyLimit` of each key), by registration number,
    /// each with the number of `keys` it was found under.
    func nearDuplicateCandidates(keys: [Int64], perKeyLimit: Int) throws(StoreError) -> [Int64: Int]
    func dedupEntry(seq: Int64) throws(StoreError) -> DedupEntry?
    func dedupEntry(itemID: String) throws(StoreError) -> DedupEntry?
    /// The newest registration number (the number of items registered).
    func newestDedupSeq() throws(StoreError) -> Int64
    /// The first registration number at or after `fetched` (Unix seconds); past the newest when there is none.
    func firstDedupSeq(since fetched: Int) throws(StoreError) -> Int64
    /// The items with story term `term`, newest first, at most `limit`, from `sinceSeq` on when given.
    func forEachStoryPosting(term: Int64, sinceSeq: Int64?, limit: Int, _ body: (Int64) -> Void) throws(StoreError)
    /// The newest postings of each of `terms`, newest first, at most `limit` a term (a term without any: absent
    /// or empty). A store on a network reads them in one statement; the default asks term by term.
    func storyPostings(terms: [Int64], limit: Int) throws(StoreError) -> [Int64: [Int64]]
    func storyVector(seq: Int64) throws(StoreError) -> (story: String, vector: StoredStoryVector)?
    /// The story and vector of each of `seqs` registered (in one read where the store can; the default asks
    /// one by one).
    func storyVectors(seqs: [Int64]) throws(StoreError) -> [Int64: (story: String, vector: StoredStoryVector)]
    /// The stored document frequency of each of `terms` that has one.
    func forEachDocumentFrequency(terms: [Int64], _ body: (Int64, Int) -> Void) throws(StoreError)

    /// Registers an item once: its entry with the whole fingerprint and its story vector, and a posting for each
    /// of the fingerprint's first `indexedKeys` keys. Returns its registration number, nil when it was
    /// registered already.
    func insertDedupEntry(_ entry: DedupEntry, vector: [UInt8], indexedKeys: Int, fetched: Int) throws(StoreError) -> Int64?
    func insertStoryPostings(seq: Int64, terms: [Int64]) throws(StoreError)
    /// Adds `count` to each term's document frequency.
    func addDocumentFrequencies(_ counts: [(term: Int64, count: Int)]) throws(StoreError)

    /// Drops the story vectors and story postings of items first seen before `fetched` (Unix seconds), at most
    /// `limit` of each, oldest first, and returns how many went. A story lookup reads only items within its
    /// window (`StoryClusterer.window`), so what is older only takes room. The default keeps everything.
    func pruneStoryIndex(before fetched: Int, limit: Int) throws(StoreError) -> Int
}

extension DedupStorage {
    public func pruneStoryIndex(before fetched: Int, limit: Int) throws(StoreError) -> Int { 0 }

    public func storyVectors(seqs: [Int64]) throws(StoreError) -> [Int64: (story: String, vector: StoredStoryVector)] {
        var found: [Int64: (story: String, vector: StoredStoryVector)] = [:]
        for seq in seqs { if let v = try storyVector(seq: seq) { found[seq] = v } }
        return found
    }

    public func storyPostings(terms: [Int64], limit: Int) throws(StoreError) -> [Int64: [Int64]] {
        var lists: [Int64: [Int64]] = [:]
        for term in terms {
            var newest: [Int64] = []
            try forEachStoryPosting(term: term, sinceSeq: nil, limit: limit) { newest.append($0) }
            lists[term] = newest
        }
        return lists
    }
}
