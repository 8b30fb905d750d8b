import ArgumentParser
import Foundation
import NewswireCore

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Build, train, evaluate and benchmark the WAIC governance topic model.",
        subcommands: [Build.self, Train.self, Eval.self, Bench.self]
    )
}

/// CPU time consumed by the calling thread.
private func threadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

private func stderr(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }

private func fail(_ error: Error) -> ExitCode {
    stderr("newswired: \(error)")
    return ExitCode(2)
}

private func write(_ file: TopicModelFile, to path: String) throws {
    do { try file.encoded().write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
        throw fail(TopicModelError(file: path, "cannot write the model: \(error.localizedDescription)"))
    }
}

private func loadExamples(_ path: String) throws -> [LabelledExample] {
    do { return try LabelledExample.load(contentsOf: URL(fileURLWithPath: path)) } catch { throw fail(error) }
}

extension ModelCommand {
    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Derive the model file from the seed articles against a background of general news.",
            discussion: """
            Weights come from seed-vs-background log-odds of the priors' phrases and of phrases found in the \
            seeds (see config/topics/README.md). With --examples, the built weights are then refitted on the \
            labelled examples (as `model train` does), after a k-fold cross-validation of that refit whose \
            figures are printed and recorded in the model's provenance. Same inputs, same file.
            """
        )
        @Option(help: "Directory of seed articles (*.txt).") var seeds: String
        @Option(help: "Background files or directories: feed files, .jsonl items, .txt text.") var background: [String]
        @Option(help: "Priors file.") var priors: String = "config/topics/priors.json"
        @Option(help: "Labelled examples (JSONL) to refit the weights on.") var examples: String?
        @Option(help: "Folds of the cross-validation run with --examples (0: none).") var crossValidate: Int = 5
        @Option(help: "Seed of the fold shuffle.") var seed: UInt64 = 1
        @Option(help: "Where to write the model.") var out: String

        func run() throws {
            do {
                let priorsFile = try ModelPriors.load(contentsOf: URL(fileURLWithPath: priors))
                let seedDir = URL(fileURLWithPath: seeds)
                let names = try FileManager.default.contentsOfDirectory(atPath: seedDir.path).filter { $0.hasSuffix(".txt") }.sorted()
                guard !names.isEmpty else { throw TopicModelError(file: seeds, "no *.txt seed articles") }
                let seedTexts = try names.map { ModelBuilder.Seed(name: $0, text: try String(contentsOf: seedDir.appendingPathComponent($0), encoding: .utf8)) }
                let bg = try ClassifierTextSource.background(background.map { URL(fileURLWithPath: $0) }, warn: { stderr("warning: \($0)") })
                stderr("background: \(bg.stats.files) files, \(bg.stats.skippedFiles) skipped, \(bg.stats.documents) documents, \(bg.stats.tokens) tokens")
                var file = try ModelBuilder(priors: priorsFile, priorsName: (priors as NSString).lastPathComponent)
                    .build(seeds: seedTexts, background: bg.docs, backgroundStats: bg.stats)
                if let examples {
                    let xs = try LabelledExample.load(contentsOf: URL(fileURLWithPath: examples))
                    let trainer = ModelTrainer(regularization: priorsFile.settings.regularization)
                    var cvNote: String?
                    if crossValidate >= 2 {
                        let cv = try trainer.crossValidate(file, examples: xs, k: crossValidate, seed: seed)
                        print("cross-validation (k=\(crossValidate), stratified by relevant, seed=\(seed)):")
                        print(cv.report())
                        cvNote = String(format: "%d-fold CV (stratified, seed %llu): relevance F1=%.3f topics microF1=%.3f AI-negative FP=%d/%d",
                                        crossValidate, seed, cv.relevance.f1, cv.microF1, cv.aiNegativesFlagged, cv.aiNegatives)
                    }
                    file = try trainer.train(file, examples: xs)
                    file.provenance?.examples = (examples as NSString).lastPathComponent
                    file.provenance?.crossValidation = cvNote
                }
                _ = try TopicModel(file: file, source: out)
                try write(file, to: out)
                stderr("wrote \(out)")
            } catch let e as ExitCode { throw e } catch { throw fail(error) }
        }
    }

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Refit the model's weights from labelled examples (waic-dev.jsonl format), starting from the priors.")
        @Option(help: "Labelled examples (JSONL).") var examples: String
        @Option(help: "Model to start from (its priors are used).") var model: String?
        @Option(help: "Where to write the trained model (default: overwrite --model).") var out: String?
        @Option(help: "L2 strength toward the priors (default: the model's).") var regularization: Double?

        func run() throws {
            let base = try loadModel(model)
            let xs = try loadExamples(examples)
            do {
                let trainer = ModelTrainer(regularization: regularization ?? base.file.provenance?.regularization ?? 1)
                var file = try trainer.train(base.file, examples: xs)
                file.provenance?.examples = (examples as NSString).lastPathComponent
                let path = out ?? model ?? TopicModel.defaultURL().path
                try write(file, to: path)
                stderr("trained on \(xs.count) examples; wrote \(path)")
            } catch let e as ExitCode { throw e } catch { throw fail(error) }
        }
    }

    struct Eval: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score the model against labelled examples.",
            discussion: """
            Prints precision/recall/F1 for relevant, F1 per topic, the share of AI-related negatives (negatives \
            containing an anchor term) flagged relevant, and last `relevance F1=0.xxx topics microF1=0.xxx`. \
            With --cross-validate K the figures are K-fold cross-validated: each fold is classified by a model \
            refitted from the model's priors on the other folds, so no item is scored by a model fitted to it.
            """
        )
        @Argument(help: "Labelled examples (JSONL).") var examples: String
        @Option(help: "Model file.") var model: String?
        @Option(help: "Cross-validate with K folds instead of scoring the model as it is.") var crossValidate: Int?
        @Option(help: "Seed of the fold shuffle.") var seed: UInt64 = 1
        @Flag(help: "List the topic errors of every item.") var verbose = false

        func run() throws {
            let m = try loadModel(model)
            let xs = try loadExamples(examples)
            print("model: \(m.version)")
            if let k = crossValidate {
                guard k >= 2, k <= xs.count else { throw ValidationError("--cross-validate needs 2...\(xs.count) folds") }
                let trainer = ModelTrainer(regularization: m.file.provenance?.regularization ?? 1)
                do {
                    print("\(k)-fold cross-validation, stratified by relevant, shuffle seed \(seed)")
                    print(try trainer.crossValidate(m.file, examples: xs, k: k, seed: seed).report(verbose: verbose))
                } catch { throw fail(error) }
            } else {
                if let n = m.file.provenance?.examples, (examples as NSString).lastPathComponent == n {
                    stderr("warning: this model was fitted to \(n); these figures are not a fair estimate (use --cross-validate K)")
                }
                print(m.evaluate(xs).report(verbose: verbose))
            }
        }
    }

    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure classification throughput on one core (build with -c release).",
            discussion: "Classifies the items of FILE (JSONL: title, summary) round-robin for --seconds on one thread and prints items/s.")
        @Argument(help: "JSONL items to classify (e.g. ../shared/eval/waic-dev.jsonl).") var items: String
        @Option(help: "Model file.") var model: String?
        @Option(help: "How long to run.") var seconds: Double = 3

        func run() throws {
            let m = try loadModel(model)
            guard let data = FileManager.default.contents(atPath: items) else { throw ValidationError("cannot read \(items)") }
            let inputs = ClassifierTextSource.jsonLines(data).filter { $0.error == nil }.map(\.input)
            guard !inputs.isEmpty else { throw ValidationError("\(items): no items") }
            let classifier = TopicClassifier(model: m)
            var checksum = 0
            for x in inputs { checksum &+= classifier.classify(x).topics.count }   // warm-up
            let bytes = inputs.reduce(0) { $0 + ($1.title?.utf8.count ?? 0) + ($1.summary?.utf8.count ?? 0) }
            let clock = ContinuousClock()
            let start = clock.now
            let cpuStart = threadCPUSeconds()
            var n = 0
            while true {
                for x in inputs { checksum &+= classifier.classify(x).topics.count }
                n += inputs.count
                if (clock.now - start) >= .seconds(seconds) { break }
            }
            let elapsed = clock.now - start
            let secs = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let cpu = threadCPUSeconds() - cpuStart
            // Wall time counts time the thread waited for a core on a busy machine; thread CPU time does not.
            print(String(format: "classified %d items (avg %d bytes) on one thread: %.0f items/s of CPU time (%.2f µs/item), %.0f items/s wall clock (checksum %d)",
                         n, bytes / inputs.count, Double(n) / cpu, cpu / Double(n) * 1e6, Double(n) / secs, checksum))
        }
    }
}
