import Foundation

/// `newswired dedup bench` (hidden; `scripts/bench-dedup` runs it from a release build): throughput of the
/// exact path (normalize + hash + store lookup) and near-duplicate lookup latency as the index grows.
/// Synthetic articles are drawn from a Zipf-distributed vocabulary, so common shingles have long postings
/// as in real text.
public enum DedupBenchmark {
    /// The synthetic corpus's generator: SplitMix64 one step ahead of `state` (the sequence the corpus was
    /// first drawn with).
    struct Rng {
        var generator: SplitMix64
        init(state: UInt64) { generator = SplitMix64(seed: state &+ SplitMix64.increment) }
        mutating func next() -> UInt64 { generator.next() }
        mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    }

    /// Deterministic synthetic articles.
    struct Corpus {
        let vocabulary: [String]
        let cumulative: [Double]

        init(words: Int = 20_000) {
            let syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "an", "el", "or", "un", "ber", "gen", "tal", "dor"]
            var rng = Rng(state: 42)
            var v: [String] = []
            var seen = Set<String>()
            while v.count < words {
                var w = ""
                for _ in 0..<(2 + Int(rng.next() % 3)) { w += syllables[Int(rng.next() % UInt64(syllables.count))] }
                if seen.insert(w).inserted { v.append(w) }
            }
            vocabulary = v
            var c: [Double] = []
            var sum = 0.0
            for r in 1...words { sum += 1 / Double(r); c.append(sum) }
            cumulative = c.map { $0 / sum }
        }

        func word(_ rng: inout Rng) -> String {
            let u = rng.unit()
            var lo = 0, hi = cumulative.count - 1
            while lo < hi {
                let mid = (lo + hi) / 2
                if cumulative[mid] < u { lo = mid + 1 } else { hi = mid }
            }
            return vocabulary[lo]
        }

        /// Article `n`: a title of 8 words and a body of `words` words in sentences and paragraphs.
        func article(_ n: Int, words: Int = 120) -> (title: String, body: String) {
            var rng = Rng(state: UInt64(n) &* 0x2545_F491_4F6C_DD1D)
            let title = (0..<8).map { _ in word(&rng) }.joined(separator: " ").capitalized
            var body = ""
            for i in 0..<words {
                body += word(&rng)
                body += i % 40 == 39 ? ".\n" : (i % 12 == 11 ? ". " : " ")
            }
            return (title, body)
        }
    }

    /// This thread's CPU time in nanoseconds: on a shared, loaded machine wall time also counts other
    /// processes' turns, so both are reported.
    static func cpuNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }

    /// Normalize + hash + exact lookup over `count` items against a store holding `count` others.
    public static func exact(count: Int, in dir: URL, log: (String) -> Void) throws -> Double {
        let store = try ItemStore(stateDirectory: dir)
        let corpus = Corpus()
        let now = Date()
        try store.transaction {
            for n in 0..<count {
                let a = corpus.article(n)
                let id = ContentHash.of(title: a.title, body: a.body)
                try store.insertItem(ArchiveRecord(id: id, feed: "bench", guid: nil, url: nil, title: a.title, published: nil,
                                                   fetched: now, author: nil, categories: [], summary: nil, content: nil,
                                                   relevant: false, relevance: 0, topics: []), language: nil)
            }
        }
        // Half of the probes are stored items, half new ones.
        let probes = (0..<count).map { corpus.article($0 % 2 == 0 ? $0 : count + $0) }
        let start = DispatchTime.now().uptimeNanoseconds, cpuStart = cpuNanoseconds()
        var hits = 0
        for a in probes where try store.containsItem(id: ContentHash.of(title: a.title, body: a.body)) { hits += 1 }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let cpuSeconds = Double(cpuNanoseconds() - cpuStart) / 1e9
        let rate = Double(count) / cpuSeconds
        // Where the time goes: normalization alone, and hash + lookup of precomputed ids.
        let t1 = cpuNanoseconds()
        var chars = 0
        for a in probes { chars += TextNormalizer.normalize(a.title).utf8.count + TextNormalizer.normalize(a.body).utf8.count }
        let t2 = cpuNanoseconds()
        let ids = probes.map { ContentHash.of(title: $0.title, body: $0.body) }
        let t3 = cpuNanoseconds()
        for id in ids where try store.containsItem(id: id) { hits += 0 }
        let t4 = cpuNanoseconds()
        log(String(format: "exact breakdown per item (CPU): normalize %.1f µs (%d bytes), normalize+hash %.1f µs, lookup %.1f µs",
                   Double(t2 - t1) / 1e3 / Double(count), chars / count, Double(t3 - t2) / 1e3 / Double(count),
                   Double(t4 - t3) / 1e3 / Double(count)))
        log("exact: \(count) items normalized + hashed + looked up: \(Int(rate)) items/s of CPU time (\(String(format: "%.2f", cpuSeconds)) s), \(Int(Double(count) / seconds)) items/s wall (\(String(format: "%.2f", seconds)) s); \(hits) hits")
        return rate
    }

    /// Word extraction on real text: `NearDuplicateIndex.fingerprint` and `StoryClusterer.termCounts` over the
    /// title and body (content, else summary: what the pipeline passes) of every entry of every feed file in
    /// `directory`, `passes` times. The checksum (keys, terms and weights) must not change with the speed.
    public static func words(directory: URL, passes: Int, log: (String) -> Void) throws {
        var items: [(title: String?, body: String?)] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() where !name.hasSuffix(".md") {
            guard let data = try? Data(contentsOf: directory.appendingPathComponent(name)),
                  let feed = try? FeedParser.parse(data) else { continue }
            items += feed.entries.map { ($0.title, $0.content ?? $0.summary) }
        }
        let index = NearDuplicateIndex(), stories = StoryClusterer()
        var checksum: UInt64 = 0
        let t0 = cpuNanoseconds()
        for _ in 0..<passes {
            for item in items {
                for k in index.fingerprint(body: item.body) { checksum &+= UInt64(bitPattern: k.hash) &* UInt64(k.position + 1) }
                for (term, f) in stories.termCounts(title: item.title, body: item.body) {
                    checksum &+= DedupText.mix(UInt64(bitPattern: term)) &* UInt64(f)
                }
            }
        }
        let ns = Double(cpuNanoseconds() - t0)
        let bytes = items.reduce(0) { $0 + ($1.title?.utf8.count ?? 0) + ($1.body?.utf8.count ?? 0) }
        log(String(format: "words: %d items (%d bytes of title + body) x %d passes: fingerprint + term counts %.2f µs per item (CPU); checksum %016llx",
                   items.count, bytes, passes, ns / 1e3 / Double(max(1, items.count * passes)), checksum))
    }

    /// Grows a near-duplicate index to each of `sizes` and times `probes` lookups at each size:
    /// half are copies of stored items (dateline added, boilerplate appended), half new articles.
    public static func nearDuplicate(sizes: [Int], probes: Int, in dir: URL, log: (String) -> Void) throws {
        let store = try ItemStore(stateDirectory: dir)
        let dedupIndex = DedupIndex(storage: store)
        let corpus = Corpus()
        let index = NearDuplicateIndex()
        let now = Date()
        var stored = 0
        for size in sizes.sorted() {
            let fillStart = DispatchTime.now().uptimeNanoseconds
            try store.db.execute("PRAGMA cache_size = -262144")  // a big page cache to fill fast…
            while stored < size {
                let batchEnd = min(size, stored + 20_000)
                try store.transaction {
                    for n in stored..<batchEnd {
                        let keys = index.fingerprint(body: corpus.article(n).body)
                        let id = "item-\(n)"
                        try dedupIndex.registerDedup(DedupEntry(itemID: id, root: id, story: id), vector: [],
                                                     keys: keys, terms: [], fetched: Int(now.timeIntervalSince1970))
                    }
                }
                stored = batchEnd
            }
            let fill = Double(DispatchTime.now().uptimeNanoseconds - fillStart) / 1e9
            try store.db.execute("PRAGMA cache_size = -\(ItemStore.pageCacheKiB)")  // …and the store's own for the lookups
            var times: [Double] = [], cpuTimes: [Double] = []
            var found = 0, correct = 0
            for p in 0..<probes {
                let target = Int(DedupText.mix(UInt64(p + size)) % UInt64(size))
                let body: String
                let copy = p % 2 == 0
                if copy {
                    body = "LONDON (Wire) - " + corpus.article(target).body + "\nShare this article: Facebook X Email"
                } else {
                    body = corpus.article(10_000_000 + p).body
                }
                let t0 = DispatchTime.now().uptimeNanoseconds, c0 = cpuNanoseconds()
                let keys = index.fingerprint(body: body)
                let m = try index.lookup(keys, in: dedupIndex)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
                cpuTimes.append(Double(cpuNanoseconds() - c0) / 1e6)
                if m != nil { found += 1 }
                if copy, m?.itemID == "item-\(target)" { correct += 1 }
            }
            times.sort()
            cpuTimes.sort()
            func ms(_ x: Double) -> String { String(format: "%.3f", x) }
            log("near-duplicate: \(size) stored (filled in \(String(format: "%.1f", fill)) s); \(probes) lookups (fingerprint + index): CPU p50=\(ms(percentile(cpuTimes, 0.5))) ms p99=\(ms(percentile(cpuTimes, 0.99))) ms, wall p50=\(ms(percentile(times, 0.5))) ms p99=\(ms(percentile(times, 0.99))) ms; copies found \(correct)/\(probes / 2), matches \(found)")
        }
    }
}
