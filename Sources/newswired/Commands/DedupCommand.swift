import ArgumentParser
import Foundation
import NewswireCore

struct DedupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dedup",
        abstract: "Evaluate deduplication (exact, syndicated near-duplicates, story clusters) on labelled pairs.",
        subcommands: [DedupEvalCommand.self, DedupBenchCommand.self, DedupBackgroundCommand.self]
    )
}

struct DedupEvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Predict exact | syndicated | same-story | different for each pair and score the labelled ones.",
        discussion: """
        ITEMS: JSON Lines {id, url, title, html or text} (other fields are ignored). PAIRS: JSON Lines {a, b, label?}. \
        Items go through the daemon's own logic in file order (a temporary store). Prints the confusion matrix and \
        per-label precision, recall and F1; the last line is `exact F1=… syndicated F1=… same-story F1=…`.
        """
    )

    @Argument(help: "The items (JSON Lines).")
    var items: String

    @Argument(help: "The pairs (JSON Lines); labels are optional with --predictions.")
    var pairs: String

    @Option(name: .long, help: ArgumentHelp("Write {\"a\", \"b\", \"label\"} for every pair to this file.", valueName: "file"))
    var predictions: String?

    @Option(name: .customLong("min-containment"), help: ArgumentHelp("Override the near-duplicate threshold (for sensitivity runs).", visibility: .hidden))
    var minContainment: Double?

    @Option(name: .customLong("min-cosine"), help: ArgumentHelp("Override the story threshold (for sensitivity runs).", visibility: .hidden))
    var minCosine: Double?

    @Option(name: .customLong("min-shared-terms"), help: ArgumentHelp("Override the story term-overlap minimum (for sensitivity runs).", visibility: .hidden))
    var minSharedTerms: Int?

    func run() throws {
        var deduper = Deduper()
        if let minSharedTerms { deduper.stories.minSharedTerms = minSharedTerms }
        if let minContainment { deduper.nearDuplicates.minContainment = minContainment }
        if let minCosine { deduper.stories.minCosine = minCosine }
        let itemList: [DedupEvaluation.Item], pairList: [DedupEvaluation.Pair]
        do {
            itemList = try DedupEvaluation.loadItems(items)
            pairList = try DedupEvaluation.loadPairs(pairs)
        } catch {
            throw ValidationError("\(error)")
        }
        let predicted = try DedupEvaluation.predict(items: itemList, pairs: pairList, deduper: deduper)
        if let predictions {
            var out = ""
            for (p, label) in zip(pairList, predicted) {
                out += "{\"a\":" + Self.json(p.a) + ",\"b\":" + Self.json(p.b) + ",\"label\":\"\(label)\"}\n"
            }
            do { try Data(out.utf8).write(to: URL(fileURLWithPath: predictions)) } catch {
                throw ValidationError("cannot write \(predictions): \(error.localizedDescription)")
            }
        }
        let labelled = zip(pairList, predicted).filter { $0.0.label.map(DedupEvaluation.labels.contains) ?? false }
        if labelled.isEmpty {
            print("\(pairList.count) pairs predicted; none labelled")
            return
        }
        let score = DedupEvaluation.Score(gold: labelled.map { $0.0.label! }, predicted: labelled.map(\.1))
        print(score.report)
    }

    static func json(_ s: String) -> String {
        String(decoding: (try? JSONEncoder().encode(s)) ?? Data("\"\"".utf8), as: UTF8.self)
    }
}

struct DedupBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark the exact path and near-duplicate lookups (run by scripts/bench-dedup).",
        shouldDisplay: false
    )

    @Option(help: "Items for the exact-path throughput.") var exact = 200_000
    @Option(help: "Index sizes for near-duplicate lookups, comma-separated.") var sizes = "10000,1000000"
    @Option(help: "Lookups timed at each size.") var probes = 2_000
    @Option(help: "Scratch directory (default: a temporary one, removed afterwards).") var dir: String?
    @Option(help: "Also time word extraction (fingerprint + term counts) over the entries of the feeds in this directory.")
    var corpus: String?
    @Option(help: "Passes over --corpus.") var passes = 20

    func run() throws {
        let base = dir.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("newswired-bench-\(UUID().uuidString)")
        defer { if dir == nil { try? FileManager.default.removeItem(at: base) } }
        let sizeList = sizes.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        if let corpus { try DedupBenchmark.words(directory: URL(fileURLWithPath: corpus), passes: passes, log: { print($0) }) }
        if exact > 0 { _ = try DedupBenchmark.exact(count: exact, in: base.appendingPathComponent("exact"), log: { print($0) }) }
        if !sizeList.isEmpty {
            try DedupBenchmark.nearDuplicate(sizes: sizeList, probes: probes, in: base.appendingPathComponent("near"), log: { print($0) })
        }
    }
}

struct DedupBackgroundCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "background",
        abstract: "Build the story clusterer's background document frequencies from a news corpus.",
        discussion: """
        INPUT: feed files (RSS, Atom, JSON Feed: every entry's title and content or summary, as the daemon \
        reads them) and JSON Lines files ({title, summary, content}: e.g. the classifier's labelled items), \
        a directory for all its files. Writes the Swift source of \
        Sources/NewswireCore/Dedup/BackgroundFrequencies+Data.swift; the same inputs give the same bytes. \
        Keep evaluation sets out of the inputs.
        """
    )

    @Argument(help: "Feed files, JSON Lines files or directories of them.")
    var inputs: [String]

    @Option(name: .long, help: ArgumentHelp("The Swift file to write.", valueName: "file"))
    var out: String

    func run() throws {
        var documents: [(title: String?, body: String?)] = []
        var files: [String] = []
        for input in inputs {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
                throw ValidationError("\(input): no such file or directory")
            }
            if isDirectory.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: input)) ?? []
                files += names.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".md") }.sorted().map { input + "/" + $0 }
            } else {
                files.append(input)
            }
        }
        var skipped = 0
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("\(file): cannot read") }
            if file.hasSuffix(".jsonl") {
                for line in data.split(separator: UInt8(ascii: "\n")) {
                    guard let o = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else { continue }
                    documents.append((title: o["title"] as? String, body: (o["content"] as? String) ?? (o["summary"] as? String)))
                }
            } else if let feed = try? FeedParser.parse(data) {
                for e in feed.entries { documents.append((title: e.title, body: e.content ?? e.summary)) }
            } else {
                skipped += 1
            }
        }
        let table = BackgroundFrequencies.build(documents: documents, clusterer: StoryClusterer())
        let source = table.swiftSource(provenance: "Inputs: \(inputs.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: ", ")).")
        do { try Data(source.utf8).write(to: URL(fileURLWithPath: out)) } catch {
            throw ValidationError("cannot write \(out): \(error.localizedDescription)")
        }
        print("\(documents.count) documents from \(files.count - skipped) files (\(skipped) not feeds), \(table.termCount) terms in 2 or more: \(out)")
    }
}
