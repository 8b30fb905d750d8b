import Foundation

/// What the deduper decided for a new item, beyond its content hash.
public struct DedupLinks: Sendable, Equatable {
    /// The first archived copy when this item is a syndicated copy of it.
    public var nearDuplicateOf: String?
    /// The story cluster: the id of the story's first item (the item's own id when it starts one).
    public var story: String
    /// The first archived copy of this text (`nearDuplicateOf`, the revised item's, or the item itself): what
    /// a later copy will name.
    var root: String
    var fingerprint: [NearDuplicateKey]
    var vector: StoryClusterer.Vector

    init(nearDuplicateOf: String? = nil, story: String, root: String, fingerprint: [NearDuplicateKey], vector: StoryClusterer.Vector) {
        self.nearDuplicateOf = nearDuplicateOf
        self.story = story
        self.root = root
        self.fingerprint = fingerprint
        self.vector = vector
    }
}

/// The pipeline's hook for deduplication beyond the exact hash: asks `NearDuplicateIndex` whether a new item
/// is a syndicated copy, else `StoryClusterer` which story it belongs to, and registers the item's
/// fingerprint and terms after it is stored. A revision (same feed GUID, changed content) is never a
/// near-duplicate or a new story: it joins the story of the item it revises.
public struct Deduper: Sendable {
    public var nearDuplicates = NearDuplicateIndex()
    public var stories = StoryClusterer()

    public init() {}

    /// What `links` needs of an item's text: its near-duplicate fingerprint and story term counts. No store
    /// access, so the pipeline computes it off the store's thread (`Pipeline.prepare`).
    public struct Input: Sendable {
        var fingerprint: [NearDuplicateKey]
        var termCounts: [Int64: Double]
    }

    public func input(title: String?, body: String?) -> Input {
        Input(fingerprint: nearDuplicates.fingerprint(body: body), termCounts: stories.termCounts(title: title, body: body))
    }

    /// Links for a new item `itemID` (its content hash is not in the store); `revisionOf` when it revises one.
    public func links(itemID: String, title: String?, body: String?, revisionOf: String?, now: Date,
                      in index: DedupIndex) throws(StoreError) -> DedupLinks {
        try links(itemID: itemID, input: input(title: title, body: body), revisionOf: revisionOf, now: now, in: index)
    }

    /// Links for a new item from its prepared `input`.
    public func links(itemID: String, input: Input, revisionOf: String?, now: Date,
                      in index: DedupIndex) throws(StoreError) -> DedupLinks {
        let fingerprint = input.fingerprint
        let vector = try stories.vector(counts: input.termCounts, in: index)
        var links = DedupLinks(story: itemID, root: itemID, fingerprint: fingerprint, vector: vector)
        if let earlier = revisionOf {
            let e = try index.dedupEntry(itemID: earlier)
            links.root = e?.root ?? earlier
            links.story = e?.story ?? earlier
        } else if let m = try nearDuplicates.lookup(fingerprint, in: index) {
            links.nearDuplicateOf = m.root
            links.root = m.root
            links.story = m.story
        } else if let s = try stories.lookup(vector, now: now, in: index) {
            links.story = s.story
        }
        return links
    }

    /// The links an item was archived with (rebuilding a store from its archive): its decisions as recorded,
    /// its fingerprint and story vector computed again from its text, so later items find it as before.
    public func restoredLinks(itemID: String, nearDuplicateOf: String?, revisionOf: String?, story: String?,
                              title: String?, body: String?, in index: DedupIndex) throws(StoreError) -> DedupLinks {
        let input = input(title: title, body: body)
        var links = DedupLinks(nearDuplicateOf: nearDuplicateOf, story: story ?? itemID, root: itemID,
                               fingerprint: input.fingerprint, vector: try stories.vector(counts: input.termCounts, in: index))
        if let earlier = nearDuplicateOf ?? revisionOf {
            links.root = try index.dedupEntry(itemID: earlier)?.root ?? earlier
        }
        return links
    }

    /// Registers a stored item's fingerprint and terms, so later items can find it. A syndicated copy's terms
    /// are not indexed for stories: they are its original's, which is indexed already, and counting them again
    /// would make a widely syndicated story's own names look common (lower idf) and crowd the postings.
    /// Every term counts towards its document frequency, but only the terms a lookup reads (not too common:
    /// `StoryClusterer.Vector.lookupTerms`) get a posting: postings of a common term would never be read.
    public func register(itemID: String, _ links: DedupLinks, fetched: Date, in index: DedupIndex) throws(StoreError) {
        let original = links.nearDuplicateOf == nil
        try index.registerDedup(DedupEntry(itemID: itemID, root: links.root, story: links.story), vector: links.vector.encoded,
                                keys: links.fingerprint, indexedKeys: nearDuplicates.maxLeadOffset,
                                terms: original ? Array(links.vector.weights.keys) : [],
                                postings: original ? Array(links.vector.lookupTerms) : [],
                                fetched: Int(fetched.timeIntervalSince1970))
    }
}
