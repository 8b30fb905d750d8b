import Foundation

/// What `newswired model train` fits and how (config/topics/training.json): the outputs and their
/// descriptions, the features, the search over the regularization strength, and the labels of the seed
/// articles. Everything the fit does not decide is here, in one reviewed file; every weight comes out of the fit.
public struct TrainingSpec: Codable, Sendable, Equatable {
    public struct OutputSpec: Codable, Sendable, Equatable {
        public var id: String
        public var label: String
        public var description: String
    }

    public struct SeedLabel: Codable, Sendable, Equatable {
        public var topics: [String]
        public var reason: String
    }

    public struct Seeds: Codable, Sendable, Equatable {
        /// A seed's text ends at the first line equal to one of these (page furniture after the article).
        public var cutAt: [String]
        /// Seed file name → its topics (every seed is relevant: the seeds are the subject's core).
        public var labels: [String: SeedLabel]
    }

    public var version: String
    public var description: String
    public var relevance: OutputSpec
    public var topics: [OutputSpec]
    public var features: FeatureSettings
    /// Terms in fewer training items than this are left out of the vocabulary.
    public var minDocumentFrequency: Int
    /// The L2 strengths tried for every output; cross-validated log-loss picks one per output.
    public var regularizationGrid: [Double]
    public var folds: Int
    /// Seed of the SplitMix64 shuffle that assigns examples to folds.
    public var shuffleSeed: UInt64
    public var seeds: Seeds

    /// config/topics/training.json under the current directory, else /etc/newswired/topics/training.json
    /// (where scripts/install puts it, beside the model).
    public static func defaultURL(currentDirectory: String = FileManager.default.currentDirectoryPath) -> URL {
        let local = URL(fileURLWithPath: currentDirectory).appendingPathComponent("config/topics/training.json")
        if FileManager.default.fileExists(atPath: local.path) { return local }
        return URL(fileURLWithPath: "/etc/newswired/topics/training.json")
    }

    public static func load(contentsOf url: URL) throws -> TrainingSpec {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TopicModelError(file: url.path, "cannot read the training spec: \((error as NSError).localizedDescription)")
        }
        let spec: TrainingSpec
        do { spec = try JSONDecoder().decode(TrainingSpec.self, from: data) } catch {
            throw TopicModelError(file: url.path, "not a valid training spec: \(error)")
        }
        try spec.validate(source: url.path)
        return spec
    }

    public func validate(source: String) throws {
        func fail(_ m: String) -> TopicModelError { TopicModelError(file: source, m) }
        guard !topics.isEmpty else { throw fail("\"topics\" is empty") }
        guard Set(topics.map(\.id)).count == topics.count else { throw fail("\"topics\" has a repeated id") }
        guard !regularizationGrid.isEmpty, regularizationGrid.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw fail("\"regularizationGrid\" must list positive numbers")
        }
        guard folds >= 2 else { throw fail("\"folds\" must be at least 2") }
        guard minDocumentFrequency >= 1 else { throw fail("\"minDocumentFrequency\" must be at least 1") }
        guard features.maxBodyTokens >= 1 else { throw fail("\"features.maxBodyTokens\" must be at least 1") }
        let ids = Set(topics.map(\.id))
        for (file, label) in seeds.labels {
            if let t = label.topics.first(where: { !ids.contains($0) }) { throw fail("seeds.labels[\(file)]: unknown topic \"\(t)\"") }
        }
    }

    /// The seed articles of `directory` as examples: each `*.txt` named in `seeds.labels`, its first line the
    /// title and the rest the summary, cut at a `cutAt` line. A seed file without a label is an error.
    public func seedExamples(in directory: URL) throws -> [LabelledExample] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".txt") }.sorted()
        } catch {
            throw TopicModelError(file: directory.path, "cannot list the seed directory: \((error as NSError).localizedDescription)")
        }
        guard !names.isEmpty else { throw TopicModelError(file: directory.path, "no *.txt seed articles") }
        return try names.map { name in
            let url = directory.appendingPathComponent(name)
            guard let label = seeds.labels[name] else {
                throw TopicModelError(file: url.path, "no labels for this seed in the training spec's seeds.labels")
            }
            let text: String
            do { text = try String(contentsOf: url, encoding: .utf8) } catch {
                throw TopicModelError(file: url.path, "cannot read the seed: \((error as NSError).localizedDescription)")
            }
            var lines: [Substring] = []
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                if seeds.cutAt.contains(line.trimmingCharacters(in: .whitespaces)) { break }
                lines.append(line)
            }
            let item = ClassifierTextSource.plainText(lines.joined(separator: "\n"))
            return LabelledExample(id: "seed:" + name, title: item.input.title, summary: item.input.summary,
                                   relevant: true, topics: Set(label.topics), lang: "en", kind: "seed")
        }
    }
}
