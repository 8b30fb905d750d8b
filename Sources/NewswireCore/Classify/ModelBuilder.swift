import Foundation

/// Derives a model file from the seed articles, a background of general news, and the priors — the same
/// inputs always give the same file.
///
/// For every candidate phrase (the priors' phrases, and token 1–3-grams of the seeds) the builder compares
/// how often it occurs in the seeds with how often it would if seeds and background used it at one rate:
/// ln((seed count + 0.5) / (expected seed count + 0.5)), the expected count being the phrase's total count
/// times the seeds' share of all tokens. A prior phrase gets that log-odds, clamped to [minPriorWeight, maxWeight]
/// with the sign of its group's polarity. Relevance also gets the `discoveredTerms` seed phrases with the
/// highest log-odds found in at least `discoveredMinSeeds` seed files; each topic gets those most specific
/// to the seed paragraphs that mention the topic's prior phrases (contrasted with the other seed paragraphs
/// and the background). Discovered phrases are weighted by `discoveredScale`.
public struct ModelBuilder: Sendable {
    public struct Seed: Sendable {
        public var name: String
        public var text: String
        public init(name: String, text: String) { self.name = name; self.text = text }
    }

    public var priors: ModelPriors
    public var priorsName: String?

    public init(priors: ModelPriors, priorsName: String? = nil) {
        self.priors = priors
        self.priorsName = priorsName
    }

    /// The seed text that counts: everything before the first line equal to a cut marker.
    public func usableSeedText(_ text: String) -> String {
        var kept: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if priors.seedCuts.contains(where: { line.trimmingCharacters(in: .whitespaces) == $0.marker }) { break }
            kept.append(line)
        }
        return kept.joined(separator: "\n")
    }

    public func build(seeds: [Seed], background: [String], backgroundStats: Provenance.BackgroundStats) throws -> TopicModelFile {
        let s = priors.settings
        var surfaces: [String: [String: Int]] = [:]   // key → surface form → count, for readable discovered terms
        let seedParagraphs: [(seed: Int, tokens: [String])] = seeds.enumerated().flatMap { (i, seed) in
            usableSeedText(seed.text).split(separator: "\n").compactMap { line -> (Int, [String])? in
                let pairs = TextTokenizer.tokensWithSurface(String(line))
                guard !pairs.isEmpty else { return nil }
                var keys: [String] = [], forms: [String] = []
                Self.forEachNGram(pairs.map(\.token)) { keys.append($0) }
                Self.forEachNGram(pairs.map(\.surface)) { forms.append($0) }
                for (k, f) in zip(keys, forms) { surfaces[k, default: [:]][f, default: 0] += 1 }
                return (i, pairs.map(\.token))
            }
        }
        let backgroundTokens = background.map(TextTokenizer.tokens)
        guard !seedParagraphs.isEmpty else { throw TopicModelError(file: "seeds", "no seed text to build from") }
        guard backgroundTokens.contains(where: { !$0.isEmpty }) else {
            throw TopicModelError(file: "background", "no background text: give --background files the feed parser accepts, or .txt/.jsonl text")
        }

        let anchorKeys = Set(priors.anchor.terms.map(Self.key))
        // Candidates: every 1–3-gram of the seeds plus every prior phrase.
        var candidates = Set<String>()
        for p in seedParagraphs { Self.forEachNGram(p.tokens) { candidates.insert($0) } }
        let priorGroups = priors.relevance + priors.topics.flatMap(\.groups)
        for g in priorGroups { for t in g.terms { candidates.insert(Self.key(t)) } }

        var seedCount: [String: Double] = [:], seedFiles: [String: Set<Int>] = [:]
        for p in seedParagraphs { Self.forEachNGram(p.tokens) { seedCount[$0, default: 0] += 1; seedFiles[$0, default: []].insert(p.seed) } }
        var bgCount: [String: Double] = [:]
        for doc in backgroundTokens { Self.forEachNGram(doc) { if candidates.contains($0) { bgCount[$0, default: 0] += 1 } } }
        let seedTotal = Double(seedParagraphs.reduce(0) { $0 + $1.tokens.count })
        let bgTotal = Double(backgroundTokens.reduce(0) { $0 + $1.count })
        // Smoothed log ratio of observed to expected count: a phrase as frequent (or as absent) in the seeds
        // as in the background scores 0, one only the seeds use scores ln((count + 0.5) / 0.5)-ish.
        func logOdds(inCount: Double, inTotal: Double, outCount: Double, outTotal: Double) -> Double {
            let expected = (inCount + outCount) * inTotal / max(inTotal + outTotal, 1)
            return log((inCount + 0.5) / (expected + 0.5))
        }
        func seedLogOdds(_ k: String) -> Double {
            logOdds(inCount: seedCount[k] ?? 0, inTotal: seedTotal, outCount: bgCount[k] ?? 0, outTotal: bgTotal)
        }
        func priorWeight(_ lo: Double, against: Bool) -> Double {
            against ? -min(max(-lo, s.minPriorWeight), s.maxWeight) : min(max(lo, s.minPriorWeight), s.maxWeight)
        }
        // A phrase listed twice (or two spellings with one normalized form) keeps its first listing.
        func addGroups(_ groups: [ModelPriors.TermGroup], to terms: inout [String: Weight]) {
            var seen = Set<String>()
            for g in groups {
                for t in g.terms where seen.insert(Self.key(t)).inserted {
                    terms[t] = Weight(Self.r(priorWeight(seedLogOdds(Self.key(t)), against: g.isAgainst)))
                }
            }
        }
        func surface(_ key: String) -> String {
            surfaces[key]?.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key ?? key
        }

        // Relevance.
        var relTerms: [String: Weight] = [:]
        addGroups(priors.relevance, to: &relTerms)
        let relKeys = Set(relTerms.keys.map(Self.key))
        let discovered = seedCount.keys
            .filter { !relKeys.contains($0) && !anchorKeys.contains($0) && Self.isContentful($0)
                && (seedFiles[$0]?.count ?? 0) >= s.discoveredMinSeeds && seedLogOdds($0) >= s.discoveredMinLogOdds }
            .sorted { (seedLogOdds($0), $1) > (seedLogOdds($1), $0) }
            .prefix(s.discoveredTerms)
        for k in discovered { relTerms[surface(k)] = Weight(Self.r(s.discoveredScale * min(seedLogOdds(k), s.maxWeight))) }

        // Topics.
        let allPriorKeys = Set(priorGroups.flatMap(\.terms).map(Self.key))
        var topics: [TopicDefinition] = []
        for tp in priors.topics {
            var terms: [String: Weight] = [:]
            addGroups(tp.groups, to: &terms)
            let forKeys = Set(tp.groups.filter { !$0.isAgainst }.flatMap(\.terms).map(Self.key))
            // Seed paragraphs that mention the topic, against the rest of the seeds and the background.
            var inCount: [String: Double] = [:], inFiles: [String: Set<Int>] = [:], outCount = bgCount
            var inTotal = 0.0, outTotal = bgTotal
            for p in seedParagraphs {
                var grams: [String] = []
                Self.forEachNGram(p.tokens) { grams.append($0) }
                if grams.contains(where: forKeys.contains) {
                    inTotal += Double(p.tokens.count)
                    for g in grams { inCount[g, default: 0] += 1; inFiles[g, default: []].insert(p.seed) }
                } else {
                    outTotal += Double(p.tokens.count)
                    for g in grams { outCount[g, default: 0] += 1 }
                }
            }
            func lo(_ k: String) -> Double { logOdds(inCount: inCount[k] ?? 0, inTotal: inTotal, outCount: outCount[k] ?? 0, outTotal: outTotal) }
            let found = inCount.keys
                .filter { !allPriorKeys.contains($0) && !anchorKeys.contains($0) && Self.isContentful($0)
                    && (inFiles[$0]?.count ?? 0) >= s.discoveredMinSeeds && lo($0) >= s.discoveredMinLogOdds }
                .sorted { (lo($0), $1) > (lo($1), $0) }
                .prefix(s.discoveredTopicTerms)
            for k in found { terms[surface(k)] = Weight(Self.r(s.discoveredScale * min(lo(k), s.maxWeight))) }
            topics.append(TopicDefinition(id: tp.id, label: tp.label, description: tp.description,
                                          scorer: Scorer(bias: Weight(s.topicBias), noAnchor: Weight(s.noAnchor), terms: terms)))
        }

        var aliases: [String: String] = [:]
        for a in priors.aliases { aliases[a.alias] = a.term }
        return TopicModelFile(
            version: priors.version, description: priors.description, text: priors.text ?? .init(), anchor: priors.anchor.terms, aliases: aliases,
            relevance: Scorer(bias: Weight(s.relevanceBias), noAnchor: Weight(s.noAnchor), terms: relTerms),
            topics: topics,
            provenance: Provenance(builtBy: "newswired model build", seeds: seeds.map(\.name), background: backgroundStats,
                                   priors: priorsName, regularization: s.regularization))
    }

    // MARK: - Helpers

    /// The normalized key of a phrase ("Export controls" → "export control").
    static func key(_ phrase: String) -> String { TextTokenizer.tokens(phrase).joined(separator: " ") }

    static func forEachNGram(_ tokens: [String], maxN: Int = 3, _ body: (String) -> Void) {
        for i in tokens.indices {
            var g = ""
            for n in 0..<maxN where i + n < tokens.count {
                g = n == 0 ? tokens[i] : g + " " + tokens[i + n]
                body(g)
            }
        }
    }

    /// Not a bare number or a one-letter token.
    static func isContentful(_ key: String) -> Bool {
        key.split(separator: " ").contains { $0.count > 2 && !$0.allSatisfy(\.isNumber) }
            && !key.split(separator: " ").allSatisfy { $0.allSatisfy(\.isNumber) }
    }

    static func r(_ x: Double) -> Double { (x * 10_000).rounded() / 10_000 }
}
