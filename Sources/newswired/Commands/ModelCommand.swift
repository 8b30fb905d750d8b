import ArgumentParser
import Foundation
import NewswireCore

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Train, evaluate and benchmark the WAIC governance topic model.",
        subcommands: [Train.self, Eval.self, Bench.self]
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

private func loadExamples(_ paths: [String], topicIDs: [String]) throws -> (examples: [LabelledExample], counts: [String: Int]) {
    var all: [LabelledExample] = [], counts: [String: Int] = [:]
    for path in paths {
        let xs: [LabelledExample]
        do { xs = try LabelledExample.load(contentsOf: URL(fileURLWithPath: path), topicIDs: topicIDs) } catch { throw fail(error) }
        counts[(path as NSString).lastPathComponent, default: 0] += xs.count
        all += xs
    }
    var seen = Set<String>()
    for x in all where !seen.insert(x.id).inserted {
        throw fail(TopicModelError(file: paths.joined(separator: ", "), "example id \"\(x.id)\" appears in more than one file"))
    }
    return (all, counts)
}

private func loadSpec(_ path: String?) throws -> TrainingSpec {
    let url = path.map { URL(fileURLWithPath: $0) } ?? TrainingSpec.defaultURL()
    do { return try TrainingSpec.load(contentsOf: url) } catch { throw fail(error) }
}

extension ModelCommand {
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fit the topic model on labelled examples and write the model file.",
            discussion: """
            Fits one L2-regularized logistic regression for relevance and one per topic over the spec's \
            features. For every output, --folds-fold cross-validation (from the spec) picks the regularization \
            strength with the lowest out-of-fold log-loss and the threshold with the best out-of-fold F1; the \
            model is then fitted on all examples. Prints the cross-validated figures; the same examples, seeds \
            and spec give the same file byte for byte. Examples are JSON Lines: id, title, summary (content \
            optional), relevant, topics (see config/topics/README.md).
            """
        )
        @Option(parsing: .upToNextOption, help: "Labelled examples (JSONL), one or more files.") var examples: [String]
        @Option(help: "Directory of seed articles (*.txt) to add as examples, labelled by the spec.") var seeds: String?
        @Option(help: "Training spec: outputs, features, regularization grid, folds, seed labels (default: config/topics/training.json, else /etc/newswired/topics/training.json).")
        var spec: String?
        @Option(help: "Where to write the model.") var out: String

        func run() throws {
            let spec = try loadSpec(self.spec)
            var (xs, counts) = try loadExamples(examples, topicIDs: spec.topics.map(\.id))
            if let seeds {
                do { xs += try spec.seedExamples(in: URL(fileURLWithPath: seeds)) } catch { throw fail(error) }
            }
            var command = "newswired model train --examples " + examples.map { ($0 as NSString).lastPathComponent }.joined(separator: " ")
            if seeds != nil { command += " --seeds SEEDS" }
            command += " --spec " + ((self.spec ?? TrainingSpec.defaultURL().path) as NSString).lastPathComponent
            stderr("training on \(xs.count) examples (\(counts.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", "))\(seeds != nil ? ", seeds: \(xs.count - counts.values.reduce(0, +))" : ""))")
            let result: ModelTrainer.Result
            do { result = try ModelTrainer(spec: spec).train(xs, command: command, exampleFiles: counts) } catch { throw fail(error) }
            print("\(spec.folds)-fold cross-validation of the chosen settings (stratified by relevant, shuffle seed \(spec.shuffleSeed)):")
            print(result.crossValidation.report())
            let outputs = [result.file.relevance] + result.file.topics
            print("chosen: " + outputs.map { "\($0.id) λ=\(TopicModelFileNumber.format($0.regularization)) t=\(TopicModelFileNumber.format($0.threshold))" }.joined(separator: ", "))
            do { try result.file.encoded().write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
                throw fail(TopicModelError(file: out, "cannot write the model: \(error.localizedDescription)"))
            }
            stderr("wrote \(out): \(result.file.terms.count) terms, \(outputs.count) outputs")
        }
    }

    struct Eval: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score the model against labelled examples.",
            discussion: """
            Prints precision, recall and F1 for relevance with its confusion counts, the share of negatives \
            (and of hard negatives, `kind: neg-hard`) decided relevant, the Chinese items' figures (`lang: zh`), \
            P/R/F1 and counts per topic, and last `relevance F1=0.xxx topics microF1=0.xxx`. With \
            --cross-validate K the examples are not scored by the model file: a model is trained (with the \
            spec, its own inner cross-validation included) on K-1 folds of them and classifies the remaining \
            fold, K times.
            """
        )
        @Argument(help: "Labelled examples (JSONL), one or more files.") var examples: [String]
        @Option(help: "Model file.") var model: String?
        @Option(help: "Cross-validate: train on K-1 folds of the examples, score the K-th (nested; uses --spec).")
        var crossValidate: Int?
        @Option(help: "Directory of seed articles added to every training fold with --cross-validate (never scored).")
        var seeds: String?
        @Option(help: "Training spec for --cross-validate (default as for `model train`).") var spec: String?
        @Option(help: "Seed of the outer fold shuffle for --cross-validate.") var seed: UInt64 = 1
        @Flag(help: "List the topic errors of every item.") var verbose = false

        func run() throws {
            if let k = crossValidate {
                let spec = try loadSpec(self.spec)
                let (xs, _) = try loadExamples(examples, topicIDs: spec.topics.map(\.id))
                guard k >= 2, k <= xs.count else { throw ValidationError("--cross-validate needs 2...\(xs.count) folds") }
                var extra: [LabelledExample] = []
                if let seeds { do { extra = try spec.seedExamples(in: URL(fileURLWithPath: seeds)) } catch { throw fail(error) } }
                print("model: \(spec.version) (spec \(self.spec ?? TrainingSpec.defaultURL().path)), nested \(k)-fold cross-validation, stratified by relevant, shuffle seed \(seed)"
                      + (extra.isEmpty ? "" : ", \(extra.count) seeds in every training fold"))
                do {
                    print(try ModelTrainer(spec: spec).crossValidate(xs, k: k, seed: seed, alwaysTrainOn: extra).report(verbose: verbose))
                } catch { throw fail(error) }
                return
            }
            let m = try loadModel(model)
            let (xs, counts) = try loadExamples(examples, topicIDs: m.file.topics.map(\.id))
            print("model: \(m.version)")
            if let trained = m.file.training?.examples.keys, !Set(trained).isDisjoint(with: counts.keys) {
                stderr("warning: this model was fitted to \(Set(trained).intersection(counts.keys).sorted().joined(separator: ", ")); these figures are not a fair estimate (use --cross-validate K)")
            }
            print(m.evaluate(xs).report(verbose: verbose))
        }
    }

    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure classification throughput on one core (build with -c release).",
            discussion: "Classifies the items of FILE (JSONL: title, summary, content) round-robin for --seconds on one thread and prints items/s.")
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
            let bytes = inputs.reduce(0) { $0 + ($1.title?.utf8.count ?? 0) + ($1.summary?.utf8.count ?? 0) + ($1.content?.utf8.count ?? 0) }
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

/// How `model train` prints λ and thresholds: as the model file stores them.
enum TopicModelFileNumber {
    static func format(_ x: Double) -> String { String(format: "%.6g", x) }
}
