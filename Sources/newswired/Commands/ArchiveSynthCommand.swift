import ArgumentParser
import Foundation
import NewswireCore

/// `newswired archive synth` (hidden): fills a store with synthetic items through the store API, for
/// `scripts/bench-archive`. Deterministic for a seed: Zipf-distributed filler words plus topic phrases, so
/// full-text posting lists and topic filters have realistic shapes (a topic phrase such as "export controls"
/// occurs in a few per cent of items, a filler word anywhere from almost all to almost none).
struct ArchiveSynth: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Fill the store with synthetic items (benchmarks only).",
        shouldDisplay: false
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "How many items to add.")
    var count = 1_000_000

    @Option(name: .long, help: "Random seed.")
    var seed: UInt64 = 42

    @Option(name: .long, help: "Items per transaction.")
    var batch = 10_000

    func execute() throws {
        let dir = try global.resolvedStateDirectory()
        let lock = try StateLock(stateDirectory: dir)  // it appends to the archive: no daemon beside it
        defer { withExtendedLifetime(lock) {} }
        let store = try ItemStore(stateDirectory: dir)
        let archive = ArchiveWriter(stateDirectory: dir)
        var gen = SyntheticItems(seed: seed)
        let progress = Progress("items", total: count)
        let start = Date()
        var done = 0
        while done < count {
            let n = min(batch, count - done)
            var records: [ArchiveRecord] = []
            records.reserveCapacity(n)
            try store.transaction {
                for _ in 0..<n {
                    let r = gen.next()
                    try store.insertItem(r, language: "en")
                    records.append(r)
                }
            }
            let lines = try archive.append(records)
            try store.transaction { try store.markArchived(lines) }
            done += n
            progress.update(done)
        }
        progress.finish(done)
        let secs = Date().timeIntervalSince(start)
        print("added \(done) items in \(String(format: "%.1f", secs)) s (\(Int(Double(done) / max(secs, 0.001))) items/s); store \(store.path)")
    }
}

/// Deterministic synthetic news items.
struct SyntheticItems {
    private var rng: SplitMix64
    private var n = 0
    private let filler: [String]
    private let cumulative: [Double]
    private let start = 1_735_689_600.0  // 2025-01-01T00:00:00Z
    private let feeds = (0..<200).map { "https://feed\($0).example/rss" }

    static let topicPhrases: [(topic: String, phrases: [String])] = [
        ("governance-body", ["world ai cooperation organization", "global ai governance action plan", "un advisory body",
                             "multilateral mechanism", "summit declaration", "international framework"]),
        ("us-china-rivalry", ["export controls", "chip ban", "entity list", "ai action plan", "technology rivalry",
                              "strategic competition"]),
        ("global-south", ["capacity building", "ai divide", "developing countries", "equitable access", "inclusive development"]),
        ("open-source", ["open source models", "open weights", "model sharing", "open collaboration"]),
        ("ai-risks", ["deepfakes", "misinformation", "job displacement", "loss of control", "safety evaluation", "algorithmic bias"]),
        ("regulation-standards", ["eu ai act", "generative ai rules", "technical standards", "compliance deadline", "code of practice"]),
        ("compute-infrastructure", ["data centers", "compute supply", "advanced chips", "energy demand", "gpu clusters"]),
        ("shanghai-waic", ["world artificial intelligence conference", "shanghai", "waic exhibition"]),
    ]

    init(seed: UInt64) {
        rng = SplitMix64(seed: seed)
        let syllables = ["ka", "lo", "mi", "ren", "tor", "sa", "vel", "qui", "dan", "po", "ler", "ni", "gor", "tha", "mu", "zen",
                         "bri", "co", "fal", "hes", "jor", "lin", "mar", "nus", "ost", "pra", "rul", "sef", "tiv", "ux"]
        var words: [String] = []
        var seen = Set<String>()
        var r = SplitMix64(seed: 7)
        while words.count < 30_000 {
            let k = 2 + Int(r.next() % 3)
            var w = ""
            for _ in 0..<k { w += syllables[Int(r.next() % UInt64(syllables.count))] }
            if seen.insert(w).inserted { words.append(w) }
        }
        filler = words
        var acc = 0.0
        var cum: [Double] = []
        cum.reserveCapacity(words.count)
        for i in 1...words.count {
            acc += 1.0 / Double(i)
            cum.append(acc)
        }
        cumulative = cum.map { $0 / acc }
    }

    private mutating func word() -> String {
        let u = Double(rng.next() >> 11) / Double(1 << 53)
        var lo = 0, hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] < u { lo = mid + 1 } else { hi = mid }
        }
        return filler[lo]
    }

    private mutating func words(_ k: Int, phrases: [String]) -> String {
        var out: [String] = []
        out.reserveCapacity(k + phrases.count * 3)
        var pending = phrases
        for i in 0..<k {
            out.append(word())
            if !pending.isEmpty, i % max(1, k / (phrases.count + 1)) == 0 { out.append(pending.removeLast()) }
        }
        out += pending
        return out.joined(separator: " ")
    }

    /// 16 lower-case hex digits (four make a synthetic 64-digit content hash).
    static func hex16(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    mutating func next() -> ArchiveRecord {
        n += 1
        // 0, 1 or 2 topics; a topic brings one or two of its phrases into title, summary and content.
        let topicCount = Int(rng.next() % 10) < 4 ? 0 : (Int(rng.next() % 10) < 7 ? 1 : 2)
        var chosen: [(String, [String])] = []
        for _ in 0..<topicCount {
            let t = Self.topicPhrases[Int(rng.next() % UInt64(Self.topicPhrases.count))]
            if chosen.contains(where: { $0.0 == t.topic }) { continue }
            let p = t.phrases[Int(rng.next() % UInt64(t.phrases.count))]
            chosen.append((t.topic, [p]))
        }
        let phrases = chosen.flatMap(\.1)
        let title = words(7, phrases: Array(phrases.prefix(1))).capitalized
        let summary = words(30, phrases: phrases)
        let content = words(110, phrases: phrases + phrases)
        let fetched = Date(timeIntervalSince1970: start + Double(n) * 30)  // one item every 30 s: 1M items ≈ a year
        let topics = chosen.enumerated().map { i, c in
            TopicScore(id: c.0, score: 0.9 - Double(i) * 0.2, terms: c.1)
        }
        let relevance = topics.isEmpty ? Double(rng.next() % 40) / 100 : 0.5 + Double(rng.next() % 50) / 100
        let feed = feeds[Int(rng.next() % UInt64(feeds.count))]
        return ArchiveRecord(
            id: (0..<4).map { _ in Self.hex16(rng.next()) }.joined(), feed: feed, guid: "synthetic-\(n)",
            url: "https://news.example/\(n)", title: title, published: fetched.addingTimeInterval(-600), fetched: fetched,
            author: "Desk \(n % 50)", categories: ["Synthetic", "Desk \(n % 7)"], summary: summary, content: content,
            relevant: relevance >= 0.5, relevance: relevance, topics: topics)
    }
}
