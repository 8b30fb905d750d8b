import Foundation
import Testing
@testable import NewswireCore

/// Three paragraphs of an invented wire story (written for these tests).
let wireStory = """
The port authority of Valdoria said on Tuesday that container traffic through its northern terminal fell by \
eighteen percent in the third quarter, the steepest drop since the terminal opened in 2009.
Officials blamed a six-week strike by crane operators and a dispute over customs software that left hundreds of \
containers waiting on the quay. Shipping lines diverted at least forty vessels to the rival port of Castellan.
The authority expects volumes to recover by the spring, when a second berth and new automated cranes are due \
to open, but analysts warned that some of the diverted trade may never return.
"""

@Suite struct NearDuplicateTests {
    let index = NearDuplicateIndex()
    let deduper = Deduper()
    let now = Date(timeIntervalSince1970: 1_753_500_000)

    func store(_ t: TempState) throws -> ItemStore { try ItemStore(stateDirectory: t.url) }

    /// Registers `body` as a new item and returns what the deduper decided.
    @discardableResult
    func add(_ id: String, title: String, body: String, in dedup: DedupIndex, revisionOf: String? = nil,
             at time: Date? = nil) throws -> DedupLinks {
        let links = try deduper.links(itemID: id, title: title, body: body, revisionOf: revisionOf, now: time ?? now, in: dedup)
        try deduper.register(itemID: id, links, fetched: time ?? now, in: dedup)
        return links
    }

    @Test func fingerprintIsStableSampledAndIgnoresNoise() {
        let a = index.fingerprint(body: wireStory)
        let b = index.fingerprint(body: wireStory.uppercased().replacingOccurrences(of: "\n", with: "\n\n  "))
        #expect(a == b)
        #expect(a.count > 10 && a.count < 50)  // about one shingle in four of ~120
        #expect(a.map(\.position) == Array(0..<a.count))
        #expect(Set(a.map(\.hash)).count == a.count)
        // The same text behind a dateline: the same hashes, in the same order, a key or two later at most.
        let c = index.fingerprint(body: "VALDORIA CITY (Wire) - " + wireStory)
        #expect(Set(c.map(\.hash)).isSuperset(of: a.map(\.hash)))
        #expect(c.filter { Set(a.map(\.hash)).contains($0.hash) }.map(\.hash) == a.map(\.hash))
        #expect((c.first { $0.hash == a[0].hash }?.position ?? 99) <= 2)
        #expect(index.fingerprint(body: "too short") == [])
    }

    @Test(arguments: [
        ("dateline", "VALDORIA CITY (Wire) - " + wireStory),
        ("byline and share buttons", "By Ana Ruiz, Trade Correspondent\n" + wireStory + "\nShare this article: Facebook X Email"),
        ("truncated to the first paragraph", String(wireStory.split(separator: "\n")[0]) + "\nContinue reading..."),
        ("corrected figure and note", wireStory.replacingOccurrences(of: "eighteen", with: "nineteen")
            + "\nCorrection: an earlier version of this story misstated a figure."),
        ("editor's note on top", "Editor's note: This story has been updated with comment from analysts.\n" + wireStory),
        ("teasers appended", wireStory + "\nRecent Content\nMayor opens harbour museum. The museum tells the story of the city's fishermen and traders since 1700.\nRain delays the grain harvest. Farmers in the south said the wet weather will cut yields this year."),
    ])
    func syndicatedCopiesLinkToTheOriginal(_ c: (String, String)) throws {
        let t = TempState()
        let s = try store(t)
        let dedup = DedupIndex(storage: s)
        try add("orig", title: "Valdoria port traffic falls 18%", body: wireStory, in: dedup)
        let links = try add("copy", title: "Strike hits Valdoria port", body: c.1, in: dedup)
        #expect(links.nearDuplicateOf == "orig", "\(c.0)")
        #expect(links.story == "orig", "\(c.0)")
    }

    @Test func aTeaserOfAnotherArticleIsNotACopyOfIt() throws {
        let t = TempState()
        let s = try store(t)
        let dedup = DedupIndex(storage: s)
        let lead = String(wireStory.split(separator: "\n")[0])
        try add("orig", title: "Valdoria port traffic falls 18%", body: wireStory, in: dedup)
        // Another article whose "Recent Content" block quotes the port story's headline and lead.
        let other = """
        The national orchestra of Castellan will tour eleven cities next year, its director said on Friday, \
        opening with a season of new works by young composers and a festival of chamber music in the old town.
        Tickets go on sale in March, with reduced prices for students and a free open-air concert in the harbour park.
        Recent Content
        Valdoria port traffic falls 18%. \(lead)
        """
        let links = try add("other", title: "Orchestra announces tour", body: other, in: dedup)
        #expect(links.nearDuplicateOf == nil)
        #expect(links.story == "other")
    }

    @Test func aTruncatedCopyIsNotLinkedToAPageThatTeasesIt() throws {
        let t = TempState()
        let s = try store(t)
        let dedup = DedupIndex(storage: s)
        let lead = String(wireStory.split(separator: "\n")[0])
        // Stored first: an unrelated article whose teaser block quotes the port story's lead.
        let host = """
        The national orchestra of Castellan will tour eleven cities next year, its director said on Friday, \
        opening with a season of new works by young composers and a festival of chamber music in the old town.
        Tickets go on sale in March, with reduced prices for students and a free open-air concert in the harbour park.
        Recent Content
        Valdoria port traffic falls 18%. \(lead)
        """
        try add("host", title: "Orchestra announces tour", body: host, in: dedup)
        // Then a copy of the port story truncated to that same lead.
        let copy = try add("copy", title: "Valdoria port traffic falls 18%", body: lead + "\nContinue reading...", in: dedup)
        #expect(copy.nearDuplicateOf == nil)
        #expect(copy.story == "copy")
    }

    @Test func aRevisionKeepsItsStoryAndIsNoNearDuplicate() throws {
        let t = TempState()
        let s = try store(t)
        let dedup = DedupIndex(storage: s)
        try add("v1", title: "Valdoria port traffic falls", body: wireStory, in: dedup)
        let rev = try add("v2", title: "Valdoria port traffic falls 18%", body: wireStory + "\nUpdated with analyst comment.",
                          in: dedup, revisionOf: "v1")
        #expect(rev.nearDuplicateOf == nil)
        #expect(rev.story == "v1")
        // A later syndicated copy of the revision names the first copy of the text.
        let copy = try add("v3", title: "Port slump", body: "VALDORIA (Wire) - " + wireStory, in: dedup)
        #expect(copy.nearDuplicateOf == "v1")
    }

    @Test func storiesGroupDifferentWordingsOfOneEventAndOnlyWithinTheWindow() throws {
        let t = TempState()
        let s = try store(t)
        let dedup = DedupIndex(storage: s)
        try add("a", title: "Valdoria port traffic falls 18% after crane strike", body: wireStory, in: dedup)
        try add("x", title: "Castellan orchestra announces eleven-city tour",
                body: "The national orchestra of Castellan will tour eleven cities next year with new works by young composers.", in: dedup)
        let b = try add("b", title: "Crane strike and customs software dispute cut Valdoria container volumes",
                        body: "Container volumes at Valdoria's northern terminal dropped eighteen percent between July and September as crane operators struck for six weeks and a customs software dispute stranded containers; forty vessels went to Castellan instead.",
                        in: dedup)
        #expect(b.nearDuplicateOf == nil)
        #expect(b.story == "a")
        let late = try add("c", title: "Valdoria crane strike: container volumes at northern terminal fall",
                           body: "Container volumes at Valdoria's northern terminal fell after a crane strike.",
                           in: dedup, at: now.addingTimeInterval(10 * 86_400))
        #expect(late.story == "c")  // outside the three-day window: a story of its own
    }

    /// Two different events (from the integration fixtures) that share only "global", "developing", "nations":
    /// in a young store idf cannot tell, so the overlap minimum keeps them apart.
    @Test func aFewGenericWordsInCommonDoNotMakeAStory() throws {
        let t = TempState()
        let s = try store(t)
        let dedup = DedupIndex(storage: s)
        try add("un", title: "UN advisory panel proposes a permanent body to coordinate global AI governance",
                body: "A United Nations advisory panel on Saturday recommended creating a standing international body to coordinate the governance of artificial intelligence.\nThe proposal includes an independent scientific panel on AI risks, a regular policy dialogue among member states and a global fund to help developing countries build AI capacity.", in: dedup)
        let other = try add("south", title: "Developing nations call for shared compute to close the AI divide",
                            body: "Ministers from Africa, Asia and Latin America asked for pooled computing resources, training programmes and equitable access to AI models for the Global South.", in: dedup)
        #expect(other.story == "south")
    }

    @Test func lookupReadsABoundedNumberOfPostingsPerKey() throws {
        let t = TempState()
        let s = try store(t)
        let dedup = DedupIndex(storage: s)
        var idx = NearDuplicateIndex()
        idx.postingLimit = 2
        let keys = idx.fingerprint(body: wireStory)
        for n in 0..<5 {
            try dedup.registerDedup(DedupEntry(itemID: "i\(n)", root: "i\(n)", story: "i\(n)"), vector: [],
                                keys: keys, terms: [], fetched: 0)
        }
        let candidates = try dedup.nearDuplicateCandidates(keys: keys, perKeyLimit: 2)
        // Only the two newest items are read for each key; each was found under every indexed key.
        #expect(candidates == [4: index.maxLeadOffset, 5: index.maxLeadOffset])
        #expect(try idx.lookup(keys, in: dedup)?.itemID == "i3")  // equal containment: the older of the two read
        #expect(try s.dedupEntry(itemID: "i3")?.keys == keys.map(\.hash))  // the whole fingerprint, stored
    }

    /// Only the first `maxLeadOffset` keys of a lead are indexed: a text that shares only later keys (its own
    /// lead differs) is no candidate, one that shares an early key is, and its containment counts every key.
    @Test func onlyTheLeadsFirstKeysAreIndexed() throws {
        let t = TempState()
        let s = try store(t)
        let dedup = DedupIndex(storage: s)
        let keys = index.fingerprint(body: wireStory)
        #expect(keys.count > index.maxLeadOffset + index.minShared)
        try dedup.registerDedup(DedupEntry(itemID: "orig", root: "orig", story: "orig"), vector: [],
                            keys: keys, indexedKeys: index.maxLeadOffset, terms: [], fetched: 0)
        #expect(try s.db.int("SELECT count(*) FROM dedup_keys_recent") == Int64(index.maxLeadOffset))
        let late = keys.dropFirst(index.maxLeadOffset).enumerated().map { NearDuplicateKey(hash: $0.element.hash, position: $0.offset) }
        #expect(try dedup.nearDuplicateCandidates(keys: late, perKeyLimit: 64).isEmpty)
        #expect(try index.lookup(late, in: dedup) == nil)
        // The same lead behind two keys of its own: found, and every shared key counts.
        let shifted = [NearDuplicateKey(hash: 1, position: 0), NearDuplicateKey(hash: 2, position: 1)]
            + keys.map { NearDuplicateKey(hash: $0.hash, position: $0.position + 2) }
        let m = try index.lookup(shifted, in: dedup)
        #expect(m?.itemID == "orig")
        #expect(m?.containment == 1.0)
    }

    /// A candidate's fingerprint is read only when it shares `minLeadHits` of the leading keys: the same lead
    /// behind `maxLeadOffset - minLeadHits` keys of other text is found, behind one more it is not, and a text
    /// that shares a single leading key with many stored items (a common phrase) reads none of them.
    @Test func aCandidateMustShareTwoLeadingKeys() throws {
        let t = TempState()
        let s = try store(t)
        let dedup = DedupIndex(storage: s)
        let keys = index.fingerprint(body: wireStory)
        try dedup.registerDedup(DedupEntry(itemID: "orig", root: "orig", story: "orig"), vector: [],
                                keys: keys, terms: [], fetched: 0)
        func behind(_ n: Int) -> [NearDuplicateKey] {
            (0..<n).map { NearDuplicateKey(hash: Int64(1_000 + $0), position: $0) }
                + keys.map { NearDuplicateKey(hash: $0.hash, position: $0.position + n) }
        }
        let room = index.maxLeadOffset - index.minLeadHits
        #expect(try dedup.nearDuplicateCandidates(keys: Array(behind(room).prefix(index.maxLeadOffset)), perKeyLimit: 64) == [1: 2])
        #expect(try index.lookup(behind(room), in: dedup)?.itemID == "orig")
        #expect(try dedup.nearDuplicateCandidates(keys: Array(behind(room + 1).prefix(index.maxLeadOffset)), perKeyLimit: 64) == [1: 1])
        #expect(try index.lookup(behind(room + 1), in: dedup) == nil)
    }

    /// New postings wait in `dedup_keys_recent` and move to `dedup_keys` in bulk at a commit once there are
    /// enough: a copy is found the same way wherever its original's postings are, and none is lost or doubled.
    @Test func recentPostingsMoveToTheMainIndexInBulkAndStayFound() throws {
        let t = TempState()
        let s = try store(t)
        let dedup = DedupIndex(storage: s)
        _ = try s.transaction { try add("orig", title: "Valdoria port traffic falls 18%", body: wireStory, in: dedup) }
        let keys = index.fingerprint(body: wireStory)
        let copy = index.fingerprint(body: "VALDORIA CITY (Wire) - " + wireStory)
        #expect(try s.db.int("SELECT count(*) FROM dedup_keys_recent") == Int64(index.maxLeadOffset))
        #expect(try s.db.int("SELECT count(*) FROM dedup_keys") == 0)  // fewer than the limit: not moved yet
        let before = try dedup.nearDuplicateCandidates(keys: copy, perKeyLimit: 64)
        #expect(try index.lookup(copy, in: dedup)?.itemID == "orig")

        // First into the middle table, then on into the main one: found the same at every step.
        try s.transaction { try s.mergeRecentDedupKeys(limit: index.maxLeadOffset) }
        #expect(try s.db.int("SELECT count(*) FROM dedup_keys_recent") == 0)
        #expect(try s.db.int("SELECT count(*) FROM dedup_keys_middle") == Int64(index.maxLeadOffset))
        #expect(try s.db.int("SELECT count(*) FROM dedup_keys") == 0)
        #expect(try dedup.nearDuplicateCandidates(keys: copy, perKeyLimit: 64) == before)
        #expect(try index.lookup(copy, in: dedup)?.itemID == "orig")
        try s.transaction { try s.mergeRecentDedupKeys(limit: 0, middleLimit: index.maxLeadOffset) }
        #expect(try s.db.int("SELECT count(*) FROM dedup_keys_middle") == 0)
        #expect(try s.db.int("SELECT count(*) FROM dedup_keys") == Int64(index.maxLeadOffset))
        #expect(try dedup.nearDuplicateCandidates(keys: copy, perKeyLimit: 64) == before)
        #expect(try index.lookup(copy, in: dedup)?.itemID == "orig")

        // A later original's postings are recent while the first's are merged: both are candidates, newest first
        // under a limit of one per key.
        let other = "Quarterly figures from the northern terminal: " + wireStory
        _ = try s.transaction { try add("later", title: "Valdoria port, again", body: other, in: dedup) }
        let shared = Set(keys.prefix(index.maxLeadOffset).map(\.hash))
            .intersection(index.fingerprint(body: other).prefix(index.maxLeadOffset).map(\.hash))
        let sharedKeys = keys.filter { shared.contains($0.hash) }
        #expect(!sharedKeys.isEmpty)
        let laterSeq = try #require(try s.db.int("SELECT seq FROM dedup_items WHERE item_id = 'later'"))
        let origSeq = try #require(try s.db.int("SELECT seq FROM dedup_items WHERE item_id = 'orig'"))
        #expect(try Set(dedup.nearDuplicateCandidates(keys: sharedKeys, perKeyLimit: 1).keys) == [laterSeq])
        #expect(try Set(dedup.nearDuplicateCandidates(keys: sharedKeys, perKeyLimit: 2).keys) == [laterSeq, origSeq])
    }

    /// A schema-5 store (every key indexed, no fingerprint column) upgrades: fingerprints move into
    /// `dedup_items.keys`, later keys leave the index, and copies are still found.
    @Test func schema5StoreUpgrades() throws {
        let t = TempState()
        do {
            let s = try store(t)
            let dedup = DedupIndex(storage: s)
            try add("orig", title: "Valdoria port traffic falls 18%", body: wireStory, in: dedup)
            let keys = index.fingerprint(body: wireStory)
            // Back to schema 5's layout: the column gone, every key in the index.
            try s.db.execute("""
                ALTER TABLE dedup_items DROP COLUMN keys; DROP TABLE dedup_keys_recent; DELETE FROM dedup_keys;
                PRAGMA user_version = 5;
                """)
            for k in keys {
                try s.db.query("INSERT INTO dedup_keys(key, seq, pos) VALUES(?, 1, ?)", [.integer(k.hash), .integer(Int64(k.position))])
            }
        }
        let s = try store(t)
        let dedup = DedupIndex(storage: s)
        #expect(try s.db.int("PRAGMA user_version") == Int64(ItemStore.schemaVersion))
        #expect(try s.dedupEntry(itemID: "orig")?.keys == index.fingerprint(body: wireStory).map(\.hash))
        #expect(try s.db.int("SELECT count(*) FROM dedup_keys") == 8)  // the keys schema step 6 kept indexed
        #expect(try s.db.int("SELECT count(*) FROM dedup_keys_recent") == 0)  // schema 7's table, new and empty
        #expect(try add("copy", title: "Strike hits Valdoria port", body: "VALDORIA CITY (Wire) - " + wireStory, in: dedup)
            .nearDuplicateOf == "orig")
    }

    @Test func schemaIsCurrentAndReopens() throws {
        let t = TempState()
        do {
            let s = try store(t)
            let dedup = DedupIndex(storage: s)
            try add("orig", title: "Valdoria", body: wireStory, in: dedup)
        }
        let s = try store(t)
        _ = DedupIndex(storage: s)
        #expect(try s.dedupEntry(itemID: "orig")?.story == "orig")
        #expect(try s.db.query("PRAGMA user_version").first?.first?.int == Int64(ItemStore.schemaVersion))
    }
}

@Suite struct StoryVectorTests {
    /// The candidates a story lookup scores: the same as sorting all of them by mass (ties: older first).
    @Test func heaviestCandidatesAreTheTopOfTheFullSort() {
        for n in [0, 1, 5, 20, 21, 300] {
            var mass: [Int64: Double] = [:]
            var table = Int64Table<Double>()
            for i in 0..<n {
                let key = Int64(DedupText.mix(UInt64(i)) % 1000), value = Double(DedupText.mix(UInt64(i * 7)) % 13)
                mass[key] = value
                table[key] = value
            }
            let sorted = mass.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }.prefix(20).map(\.key)
            #expect(StoryClusterer.heaviest(table, 20) == sorted, "\(n) candidates")
        }
    }

    @Test func storedTextRoundTrips() {
        let v = StoryClusterer.Vector(weights: [Int64.min: 0.5, -42: 1e-6, 0: 0.25, 7: 0.123456, Int64.max: 1])
        let back = StoryClusterer.Vector(text: v.text)
        #expect(back.weights.count == v.weights.count)
        for (k, w) in v.weights { #expect(abs((back.weights[k] ?? -1) - w) < 1e-9, "\(k): \(back.weights[k] ?? -1)") }
        #expect(StoryClusterer.Vector(text: "").weights.isEmpty)
        #expect(StoryClusterer.Vector(text: "12:0.5 garbage 13:0.25").weights == [12: 0.5], "stops at the first malformed pair")
    }

    /// A term in more than `maxTermShare` of the items (and more than `postingLimit`) is neither looked up nor
    /// given postings, but still counted in its document frequency and in the stored vector.
    @Test func commonTermsGetNoPostingsButKeepTheirDocumentFrequency() throws {
        let t = TempState()
        let store = try ItemStore(stateDirectory: t.url)
        let dedup = DedupIndex(storage: store)
        var deduper = Deduper()
        deduper.stories.postingLimit = 1
        deduper.stories.maxTermShare = 0.3
        let now = Date(timeIntervalSince1970: 1_753_500_000)
        let words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]
        for (n, w) in words.enumerated() {
            let links = try deduper.links(itemID: "i\(n)", title: "Ministry \(w)", body: "Ministry statement on \(w).",
                                          revisionOf: nil, now: now, in: dedup)
            try deduper.register(itemID: "i\(n)", links, fetched: now, in: dedup)
        }
        let ministry = Int64(bitPattern: DedupText.fnv1a("ministry"))
        let kilo = Int64(bitPattern: DedupText.fnv1a("kilo"))
        #expect(try dedup.storyDocumentFrequencies(terms: [ministry])[ministry] == 10)
        let v = try deduper.stories.vector(title: "Ministry kilo", body: "Ministry statement on kilo.", in: dedup)
        #expect(v.weights[ministry] != nil && !v.lookupTerms.contains(ministry) && v.lookupTerms.contains(kilo))
        let links = try deduper.links(itemID: "k", title: "Ministry kilo", body: "Ministry statement on kilo.",
                                      revisionOf: nil, now: now, in: dedup)
        try deduper.register(itemID: "k", links, fetched: now, in: dedup)
        let seq = try #require(try store.db.query("SELECT seq FROM dedup_items WHERE item_id = 'k'").first?.first?.int)
        let posted = Set(try store.db.query("SELECT term FROM story_terms WHERE seq = ?", [.integer(seq)]).compactMap { $0[0].int })
        #expect(posted.contains(kilo) && !posted.contains(ministry))
        #expect(try dedup.storyDocumentFrequencies(terms: [ministry])[ministry] == 11)
    }

    @Test func storedBlobRoundTripsExactly() {
        let v = StoryClusterer.Vector(weights: [Int64.min: 0.5, -42: 1e-6, 0: 0.25, 7: 0.123456789, Int64.max: 1])
        #expect(v.encoded.count == 5 * 16)
        #expect(StoryClusterer.Vector(stored: .encoded(v.encoded)).weights == v.weights)
        #expect(StoryClusterer.Vector(stored: .text(v.text)).weights.count == 5, "a store written before the blob form still reads")
        #expect(StoryClusterer.Vector(stored: .encoded([])).weights.isEmpty)
        #expect(StoryClusterer.Vector(stored: .encoded(Array(v.encoded.prefix(20)))).weights == [Int64.min: 0.5], "a torn tail is ignored")
    }

    /// A vector's weights follow the definition with the norm summed in term order (so they are the same in
    /// every run, whatever order the dictionary of counts iterates in), and its sorted form, which `encoded`
    /// and lookups read, is exactly its weights.
    @Test func vectorsAreReproducibleAndTheirSortedFormIsTheirWeights() throws {
        let t = TempState()
        let store = try ItemStore(stateDirectory: t.url)
        let dedup = DedupIndex(storage: store)
        var rng = SplitMix64(seed: 7)
        var counts: [Int64: Double] = [:]
        for _ in 0..<60 { counts[Int64(bitPattern: rng.next())] = Double(1 + rng.next() % 4) }
        let clusterer = StoryClusterer()
        var v = try clusterer.vector(counts: counts, in: dedup)
        let n = Double(try dedup.storyItemCount() + clusterer.background.documents)
        let raw = counts.keys.sorted().map { (1 + log(counts[$0]!)) * log((n + 2) / Double(clusterer.background[$0] + 1)) }
        let norm = raw.reduce(0) { $0 + $1 * $1 }.squareRoot()
        for (key, weight) in zip(counts.keys.sorted(), raw) { #expect(v.weights[key] == weight / norm) }
        #expect(v.encoded == StoryClusterer.Vector(weights: v.weights).encoded)
        // Counts rebuilt in another insertion order (another iteration order): the same bytes.
        let shuffled = Dictionary(uniqueKeysWithValues: counts.sorted { $0.key > $1.key }.map { ($0.key, $0.value) })
        #expect(try clusterer.vector(counts: shuffled, in: dedup).encoded == v.encoded)
        // A changed weight is what `encoded` then says.
        let first = counts.keys.min()!
        v.weights[first] = 0.5
        #expect(StoryClusterer.Vector(stored: .encoded(v.encoded)).weights[first] == 0.5)
    }

    /// The plain definition, as the reference for the merge in `StoryClusterer.Sorted`.
    static func dictionaryCosine(_ a: StoryClusterer.Vector, _ b: StoryClusterer.Vector) -> (Double, Int) {
        var s = 0.0, n = 0
        for (k, v) in a.weights { if let o = b.weights[k] { s += v * o; n += 1 } }
        return (s, n)
    }

    @Test func sortedCosineMatchesTheDictionaryOne() {
        let a = StoryClusterer.Vector(weights: [1: 0.6, 5: 0.8, 9: 0.0, -3: 0.1])
        let b = StoryClusterer.Vector(weights: [5: 0.5, 9: 0.5, 11: 0.7, -3: 0.2])
        let (c, n) = StoryClusterer.Sorted(a).cosine(StoryClusterer.Sorted(encoded: b.encoded))
        let (c2, n2) = Self.dictionaryCosine(a, b)
        #expect(n == 3 && n2 == 3)
        #expect(abs(c - c2) < 1e-12 && abs(c - (0.8 * 0.5 + 0.1 * 0.2)) < 1e-12)
    }
}
