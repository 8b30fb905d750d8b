/// How the topic model turns an item's text into features. Stored in the model file, so a model is always
/// applied with the features it was fitted on.
public struct FeatureSettings: Codable, Sendable, Equatable {
    /// Pairs of adjacent words ("export control") as features besides single words.
    public var wordBigrams = true
    /// The title's words and pairs once more as features of their own ("title:ai governanc"), so a word in
    /// the headline can weigh differently from the same word in the body.
    public var titleFeatures = true
    /// Pairs of adjacent CJK characters ("人工", "治理"): Chinese has no spaces, and a character pair is the
    /// usual unit of meaning.
    public var cjkBigrams = true
    /// Only the first this many tokens of title + summary + content count: the lead says what an item is
    /// about, and a long article body would otherwise drown it (training items are headline + summary).
    public var maxBodyTokens = 400
    /// Words and phrases that make a text about AI at all ("ai", "machine learning", "人工智能"). An item with
    /// none of them gets the feature `<no-ai-term>` (value 1, outside the tf-idf scaling), whose fitted weight
    /// lets the model tell rules about AI from rules about anything else, which a sum of word weights
    /// cannot do on its own.
    public var aiTerms: [String] = []

    public init() {}
}

/// The features of one item: body features from title, summary and content (content skipped when it repeats
/// the summary), and title features from the title alone. Both the classifier (hashes) and the trainer (keys)
/// walk the text through `walk`, so they see exactly the same features.
///
/// A feature key is its tokens joined by one space ("export control", "人 工"), prefixed with "title:" for
/// title features. Its hash combines the tokens' hashes, so it can be computed from the key at load time
/// without tokenizing (and stemming) the key again.
enum FeatureExtractor {
    static let titlePrefix = "title:"
    /// The key of the feature an item without any of `FeatureSettings.aiTerms` has.
    static let noAIKey = "<no-ai-term>"

    /// The AI terms as token-hash sequences, tokenized as item text is.
    static func aiPhrases(_ settings: FeatureSettings) -> [[UInt64]] {
        settings.aiTerms.map { term in
            var phrase: [UInt64] = []
            _ = TextTokenizer.forEachToken(term) { h, _ in phrase.append(h) }
            return phrase
        }.filter { !$0.isEmpty }
    }

    /// One feature occurrence: `first`/`second` index the token list the walk was given (second is -1 for a
    /// single token).
    struct Occurrence {
        var first: Int32
        var second: Int32
        var title: Bool
    }

    /// The hash of a feature from its tokens' hashes.
    @inline(__always)
    static func hash(_ a: UInt64, _ b: UInt64?, title: Bool) -> UInt64 {
        var h = a
        if let b { h = SplitMix64.mix(h &* SplitMix64.increment ^ b) }
        if title { h = SplitMix64.mix(h ^ 0x5449_544C_455F_4654) }
        return h
    }

    /// The hash of a feature key as stored in a model file.
    static func hash(key: String) -> UInt64 {
        var k = Substring(key)
        let title = k.hasPrefix(titlePrefix)
        if title { k = k.dropFirst(titlePrefix.count) }
        let parts = k.split(separator: " ", omittingEmptySubsequences: false)
        let a = TextTokenizer.hash(Array(parts[0].utf8))
        let b = parts.count > 1 ? TextTokenizer.hash(Array(parts[1].utf8)) : nil
        return hash(a, b, title: title)
    }

    /// Walks the token sequences of an item (title first), calling `emit` for every feature occurrence.
    /// `kinds[i]` is the kind of token i; `sequenceStarts` where each text's tokens begin (no pair spans two
    /// texts); `titleCount` how many tokens the title has.
    @inline(__always)
    static func walk(kinds: [TextTokenizer.Kind], sequenceStarts: [Int], titleCount: Int, settings: FeatureSettings,
                     _ emit: (Occurrence) -> Void) {
        let limit = min(kinds.count, settings.maxBodyTokens)
        var nextStart = 1
        var start = 0
        for i in 0..<limit {
            while nextStart < sequenceStarts.count && sequenceStarts[nextStart] <= i { start = i; nextStart += 1 }
            let kind = kinds[i]
            let inTitle = i < titleCount
            if kind == .word {
                emit(Occurrence(first: Int32(i), second: -1, title: false))
                if inTitle && settings.titleFeatures { emit(Occurrence(first: Int32(i), second: -1, title: true)) }
            }
            guard i > start, kind != .number, kinds[i - 1] == kind else { continue }
            if kind == .word ? settings.wordBigrams : settings.cjkBigrams {
                emit(Occurrence(first: Int32(i - 1), second: Int32(i), title: false))
                if inTitle && settings.titleFeatures { emit(Occurrence(first: Int32(i - 1), second: Int32(i), title: true)) }
            }
        }
    }

    /// The texts of an item in walking order: title, summary, and content unless it repeats the summary.
    static func texts(_ input: ClassifierInput) -> (title: String?, body: [String]) {
        var body: [String] = []
        if let s = input.summary { body.append(s) }
        if let c = input.content, c != input.summary { body.append(c) }
        return (input.title, body)
    }

    /// Feature keys with their counts and the surface text of each occurrence (for display names): the
    /// trainer's view of an item.
    static func keys(_ input: ClassifierInput, settings: FeatureSettings) -> (occurrences: [(key: String, surface: String)], mentionsAI: Bool) {
        var tokens: [(token: String, surface: String, kind: TextTokenizer.Kind)] = []
        var starts: [Int] = []
        let (title, body) = texts(input)
        starts.append(0)
        if let title { tokens += TextTokenizer.tokensWithSurface(title) }
        let titleCount = tokens.count
        for text in body {
            starts.append(tokens.count)
            tokens += TextTokenizer.tokensWithSurface(text)
        }
        var out: [(key: String, surface: String)] = []
        walk(kinds: tokens.map(\.kind), sequenceStarts: starts, titleCount: titleCount, settings: settings) { o in
            let a = tokens[Int(o.first)]
            var key = a.token, surface = a.surface
            if o.second >= 0 {
                let b = tokens[Int(o.second)]
                key += " " + b.token
                surface += a.kind == .cjk ? b.surface : " " + b.surface
            }
            if o.title { key = titlePrefix + key }
            out.append((key, surface))
        }
        let hashes = tokens.prefix(settings.maxBodyTokens).map { TextTokenizer.hash(Array($0.token.utf8)) }
        return (out, PhraseSet(aiPhrases(settings)).mentioned(in: hashes[...]))
    }
}

/// Phrases of token hashes, found by their first token in a hash table: one lookup per token of the text.
struct PhraseSet: Sendable {
    private let phrases: [[UInt64]]
    /// First token → index of the first phrase starting with it (phrases are sorted by first token).
    private let byFirst: TokenHashTable
    let isEmpty: Bool

    init(_ list: [[UInt64]]) {
        phrases = list.filter { !$0.isEmpty }.sorted { $0[0] < $1[0] }
        var firsts: [(UInt64, Int32)] = []
        for (i, p) in phrases.enumerated() where i == 0 || phrases[i - 1][0] != p[0] { firsts.append((p[0], Int32(i))) }
        byFirst = TokenHashTable(firsts)
        isEmpty = phrases.isEmpty
    }

    /// Does one of the phrases occur in `tokens`? True when there are no phrases (nothing to require).
    func mentioned(in tokens: ArraySlice<UInt64>) -> Bool {
        guard !isEmpty else { return true }
        var i = tokens.startIndex
        while i < tokens.endIndex {
            if let first = byFirst[tokens[i]] {
                var k = Int(first)
                while k < phrases.count && phrases[k][0] == tokens[i] {
                    let p = phrases[k]
                    if i + p.count <= tokens.endIndex && tokens[i..<(i + p.count)].elementsEqual(p) { return true }
                    k += 1
                }
            }
            i += 1
        }
        return false
    }
}
