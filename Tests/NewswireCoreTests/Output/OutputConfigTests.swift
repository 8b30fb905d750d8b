import Foundation
import Testing
@testable import NewswireCore

@Suite struct OutputConfigTests {
    @Test func outputsAreReadWithTheirDefaults() throws {
        let dir = TempState()
        try FileManager.default.createDirectory(at: dir.url, withIntermediateDirectories: true)
        try "s3cret\n".write(to: dir.url.appendingPathComponent("hook.secret"), atomically: true, encoding: .utf8)
        let config = try ConfigLoader.parse("""
            outputs:
              - webhook: https://hooks.example.org/newswired/T0KEN
                secret_file: hook.secret
                filter: {relevant: true, topics: [governance-body], min_relevance: 0.5}
              - webhook: http://127.0.0.1:8080/in
                name: local
                secret: "abc"
                per: item
                update_interval: 5m
                timeout: 3s
                max_age: 2h
                retry_initial: 1s
                retry_max: 1m
                filter: {tags: policy, feeds: [https://wire.example/rss]}
            """, file: dir.url.appendingPathComponent("n.yaml").path)
        #expect(config.outputs.count == 2)
        let a = config.outputs[0], b = config.outputs[1]
        #expect(a.name == "hooks.example.org", "the host, not the URL with its token")
        #expect(a.secret == "s3cret" && a.per == .story && a.updateInterval == 1800 && a.timeout == 10 && a.maxAge == 86_400)
        #expect(a.filter.relevant == true && a.filter.topics == ["governance-body"] && a.filter.minRelevance == 0.5)
        #expect(b.name == "local" && b.per == .item && b.updateInterval == 300 && b.timeout == 3 && b.maxAge == 7200)
        #expect(b.retryInitial == 1 && b.retryMax == 60 && b.filter.tags == ["policy"] && b.filter.feeds == ["https://wire.example/rss"])
    }

    @Test(arguments: [
        ("outputs:\n  - webhook: ftp://x/\n", "2: outputs[0].webhook: expected an http(s) URL"),
        ("outputs:\n  - secret: a\n", "2: outputs[0]: an output needs a webhook: URL"),
        ("outputs:\n  - webhook: http://a/\n    per: day\n", "3: outputs[0].per: expected one of story, item"),
        ("outputs:\n  - webhook: http://a/\n    filter: {min_relevance: 2}\n", "outputs[0].filter.min_relevance: expected a number from 0 to 1.0"),
        ("outputs:\n  - webhook: http://a/\n    filter: {topic: x}\n", "outputs[0].filter.topic: unknown key"),
        ("outputs:\n  - webhook: http://a/\n    retry_initial: 1h\n    retry_max: 1m\n", "retry_initial (3600s) is larger than retry_max (60s)"),
        ("outputs:\n  - webhook: http://a/\n  - webhook: http://a/other\n", "3: outputs[1]: a second output named 'a'"),
        ("outputs:\n  - webhook: http://a/\n    secret: x\n    secret_file: /nonexistent\n", "give secret or secret_file, not both"),
        ("outputs:\n  - webhook: http://a/\n    secret_file: /nonexistent/hook.secret\n", "outputs[0].secret_file: cannot read /nonexistent/hook.secret"),
        ("outputs:\n  - webhook: http://a/\n    colour: red\n", "3: outputs[0].colour: unknown key"),
    ])
    func badOutputsAreErrorsNamingLineAndKey(yaml: String, expected: String) {
        do {
            _ = try ConfigLoader.parse(yaml, file: "bad.yaml")
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
        }
    }
}
