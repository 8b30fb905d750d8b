import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// What a newcomer meets on the command line: defaults that need no config, usage errors, signals.
@Suite struct CommandLineTests {
    /// Runs the binary with exactly `arguments` (no --config added) from a directory that is not a checkout.
    static func run(_ arguments: [String], in sandbox: TestSandbox, timeout: Double = 30) throws -> FinishedRun {
        let p = try RunningNewswired(arguments: arguments, environment: ["NEWSWIRED_CONFIG": ""], currentDirectory: sandbox.root,
                                     outputPrefix: sandbox.root.appendingPathComponent("cli-\(UUID().uuidString.prefix(8))"))
        guard let status = p.waitForExit(timeout: timeout) else { p.kill(); throw HarnessError("no exit within \(timeout) s") }
        return FinishedRun(exitCode: status, stderr: p.stderr, stdout: p.stdout)
    }

    @Test func feedsAndStatusWithAStateDirectoryNeedNoConfig() throws {
        let sandbox = try TestSandbox()
        let state = sandbox.root.appendingPathComponent("elsewhere").path
        let add = try Self.run(["feeds", "add", "--no-fetch", "https://a.example/rss", "--state", state], in: sandbox)
        #expect(add.exitCode == 0, "\(add.stderr)")
        let list = try Self.run(["feeds", "list", "--state", state], in: sandbox)
        #expect(list.exitCode == 0, "\(list.stderr)")
        #expect(list.stdout.contains("https://a.example/rss"))
        let status = try Self.run(["status", "--state", state], in: sandbox)
        #expect(status.exitCode != 78, "status reads the store with the defaults: \(status.stderr)")
        // Without --state there is nothing to go on: the message says how to name a config.
        let bare = try Self.run(["feeds", "list"], in: sandbox)
        #expect(bare.exitCode == 78)
        #expect(bare.stderr.contains("--config FILE") && bare.stderr.contains("--state DIR"), "\(bare.stderr)")
    }

    @Test func aTooShortItemIdIsAUsageError() throws {
        let sandbox = try TestSandbox()
        let r = try Self.run(["archive", "show", "3", "--state", sandbox.state.path], in: sandbox)
        #expect(r.exitCode == 64)
        #expect(r.stderr.contains("'3' is not an item id"), "\(r.stderr)")
    }

    @Test func onceIgnoresSIGHUP() throws {
        let server = try HTTPTestServer()
        let body = try Fixture.text("world-wire.rss.xml")
        server.rawRoute("/slow.rss") { _, connection in
            try connection.pause(1.5)
            try connection.write(HTTPResponse(headers: HTTPHeaders([("Content-Type", "application/rss+xml")]), body: body))
        }
        try server.start()
        defer { server.stop() }
        let sandbox = try TestSandbox()
        try sandbox.writeFeeds([server.url("/slow.rss")])
        let once = try sandbox.startCommand(["once"])
        usleep(500_000)
        once.signal(SIGHUP)
        let status = once.waitForExit(timeout: 30)
        #expect(status == 0, "once survives SIGHUP and finishes its pass: \(once.stderr)")
        #expect(try sandbox.archiveText().contains("\"schema\":1"))
    }
}
