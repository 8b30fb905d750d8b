import Logging

/// The `item` log lines of a committed batch (README, "The log"): one per new item, with its feed and the
/// `fetch=N` of its feed's line, and the relevant-items metric. The archive worker emits them just before it
/// writes the batch's lines: an item is logged once, when it is stored for good, and a batch that is rolled
/// back (its feeds fetched again in full) logs nothing.
struct ItemLogLines: Sendable {
    let logger: Logger
    let fetches: [String]

    func emit(_ records: [ArchiveRecord]) {
        assert(fetches.count == records.count, "one fetch number per pending record")
        for (i, r) in records.enumerated() {
            var meta: Logger.Metadata = [
                "feed": .string(r.feed), "fetch": .string(i < fetches.count ? fetches[i] : "?"),
                "id": .string(r.id), "title": .string(r.title ?? ""), "relevant": "\(r.relevant)",
                "relevance": .string(JSONText.number(r.relevance)),
                "topics": .string(Self.topicList(r.topics)),
                "url": .string(r.url ?? ""),
            ]
            if !r.topics.isEmpty { meta["terms"] = .string(Self.topicTerms(r.topics)) }
            if let rev = r.revisionOf { meta["revision_of"] = .string(rev) }
            if let nd = r.nearDuplicateOf { meta["near_duplicate_of"] = .string(nd) }
            if let story = r.story { meta["story"] = .string(story) }
            logger.info("item", metadata: meta)
            if r.relevant { DaemonMetrics.relevant(topics: r.topics.map(\.id)) }
        }
    }

    /// `id:score,id:score` for the item log line.
    static func topicList(_ topics: [TopicScore]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(topics.count * 32)
        for (i, t) in topics.enumerated() {
            if i > 0 { out.append(0x2C) }
            out.append(contentsOf: t.id.utf8)
            out.append(0x3A)
            JSONText.appendNumber(t.score, to: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `id: term, term; id: term` for the item log line: the deciding terms the archive record carries.
    static func topicTerms(_ topics: [TopicScore]) -> String {
        topics.map { "\($0.id): " + $0.terms.joined(separator: ", ") }.joined(separator: "; ")
    }
}
