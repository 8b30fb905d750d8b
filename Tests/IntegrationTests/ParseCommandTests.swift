import Foundation
import Testing
import TestSupport

/// `newswired parse --json URL`: one fetch over real HTTP, then the parse schema.
@Suite struct ParseCommandTests {
    @Test func parsesAFeedFetchedByURL() throws {
        let feeds = try FeedServer([("/policy.atom", "policy-desk.atom.xml")])
        defer { feeds.stop() }
        let sandbox = try TestSandbox()
        let run = try RunningNewswired(arguments: ["parse", "--json", feeds.url("/policy.atom")],
                                       outputPrefix: sandbox.root.appendingPathComponent("parse"))
        #expect(run.waitForExit(timeout: 10) == 0, "stderr:\n\(run.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        #expect(object?["format"] as? String == "atom1.0")
        let entries = object?["entries"] as? [[String: Any]] ?? []
        #expect(entries.count == 3)
        #expect(entries.compactMap { $0["title"] as? String }.contains("EU publishes code of practice for general-purpose AI models"))
        #expect(feeds.server.requests(path: "/policy.atom").count == 1)
    }

    @Test func anUnreachableURLIsAClearErrorWithExitStatus3() throws {
        let closed = try ClosedPort()
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(closed) {} }
        let run = try RunningNewswired(arguments: ["parse", "--json", closed.url("/feed.xml")],
                                       outputPrefix: sandbox.root.appendingPathComponent("parse"))
        #expect(run.waitForExit(timeout: 10) == 3)
        #expect(run.stderr.contains("connect"), "\(run.stderr)")
        #expect(run.stdout.isEmpty)
    }
}
