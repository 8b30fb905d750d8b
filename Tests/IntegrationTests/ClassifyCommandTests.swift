import Foundation
import Testing
import TestSupport

/// `newswired classify`: what the binary reads and prints.
@Suite struct ClassifyCommandTests {
    static func run(_ arguments: [String], stdin: String? = nil) throws -> (status: Int32?, stdout: String, stderr: String) {
        let sandbox = try TestSandbox()
        var input: URL?
        if let stdin {
            input = sandbox.root.appendingPathComponent("stdin.txt")
            try stdin.write(to: input!, atomically: true, encoding: .utf8)
        }
        let model = Newswired.repoRoot.appendingPathComponent("config/topics/waic-governance.json").path
        let run = try RunningNewswired(arguments: ["classify", "--model", model] + arguments, stdin: input,
                                       outputPrefix: sandbox.root.appendingPathComponent("classify"))
        let status = run.waitForExit(timeout: 30)
        return (status, run.stdout, run.stderr)
    }

    @Test func aMissingFileIsAnErrorNotText() throws {
        let r = try Self.run(["typo.txt"])
        #expect(r.status == 66)
        #expect(r.stderr.contains("typo.txt: no such file"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        let text = try Self.run(["--text", "typo.txt"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("relevant=no"))
    }

    @Test func jsonLinesFromStdinGiveOneLinePerItemInOrder() throws {
        let input = """
        {"id": "a", "title": "EU AI Act obligations for general-purpose AI models take effect"}
        {"id": "b", "title": "Football club wins the league title"}
        not json
        {"id": "c", "title": "US tightens export controls on advanced AI chips to China", "summary": "Nvidia must seek licences."}
        """
        let r = try Self.run(["--json", "-"], stdin: input)
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(lines.count == 4)
        #expect(lines.map { $0?["id"] as? String } == ["a", "b", nil, "c"])
        #expect(lines[0]?["relevant"] as? Bool == true)
        #expect(lines[1]?["relevant"] as? Bool == false)
        #expect(lines[2]?["error"] as? String == "line 3: not a JSON object")
        let topics = (lines[3]?["topics"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
        #expect(topics.contains("us-china-rivalry"), "\(r.stdout)")
    }

    @Test func explainAddsDecompositionsThatSumToTheLogit() throws {
        let r = try Self.run(["--json", "--explain", "-"], stdin: #"{"id": "x", "title": "China proposes a World AI Cooperation Organization in Shanghai"}"# + "\n")
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let explain = try #require(obj["explain"] as? [[String: Any]])
        #expect(explain.count == 9)
        for e in explain {
            let terms = (e["terms"] as? [[String: Any]] ?? []).map { ($0["contribution"] as? Double) ?? .nan }
            let sum = (e["intercept"] as? Double ?? .nan) + terms.reduce(0, +) + (e["other_terms"] as? Double ?? .nan)
            // Printed to 4 decimals: the parts agree with the logit within their rounding.
            #expect(abs(sum - (e["logit"] as? Double ?? .nan)) < 0.0005 * Double(terms.count + 3), "\(e)")
        }
    }
}
