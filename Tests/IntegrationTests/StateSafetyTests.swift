import Foundation
import NewswireCore
import Testing
import TestSupport

/// One daemon per state directory, an archive that stays exactly the store's items, and `once` that says
/// when it could not archive: through the binary, against feeds on 127.0.0.1.
@Suite struct StateSafetyTests {
    @Test func aSecondDaemonIsRefusedWithTheHoldersPIDAndReadersStillWork() throws {
        let feeds = try OncePassTests.twoFeeds()
        defer { feeds.stop() }
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(sandbox) {} }
        try sandbox.writeFeeds([feeds.url("/world.rss"), feeds.url("/policy.atom")])
        let daemon = try sandbox.start("run")
        defer { daemon.signal(SIGKILL) }
        let log = daemon.waitForLog(timeout: 15) { !$0.events("start").isEmpty }
        #expect(!log.events("start").isEmpty, "stderr:\n\(daemon.stderr)")

        let second = try sandbox.once()
        #expect(second.exitCode == 75, "stderr:\n\(second.stderr)")
        #expect(second.stderr.contains("in use by newswired (pid \(daemon.pid))"), "\(second.stderr)")
        let reader = try sandbox.run(["archive", "stats"])
        #expect(reader.exitCode == 0, "read-only commands work beside the daemon; stderr:\n\(reader.stderr)")

        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 15) == 0)
        let after = try sandbox.once()
        #expect(after.exitCode == 0, "the lock ends with its holder; stderr:\n\(after.stderr)")
    }

    @Test func anEmptiedStoreIsRefusedAndRebuiltFromTheArchive() throws {
        let feeds = try OncePassTests.twoFeeds()
        defer { feeds.stop() }
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(sandbox) {} }
        try sandbox.writeFeeds([feeds.url("/world.rss"), feeds.url("/policy.atom")])
        #expect(try sandbox.once().exitCode == 0)
        let archived = try sandbox.archiveText()
        #expect(archived.split(separator: "\n").count == 7)

        // The store lost (deleted, or a new volume mounted without it) beside the archive.
        for name in try FileManager.default.contentsOfDirectory(atPath: sandbox.state.path) where name.hasPrefix("newswired.sqlite3") {
            try FileManager.default.removeItem(at: sandbox.state.appendingPathComponent(name))
        }
        let refused = try sandbox.once()
        #expect(refused.exitCode == 74, "stderr:\n\(refused.stderr)")
        #expect(refused.stderr.contains("newswired store rebuild"), "\(refused.stderr)")
        #expect(try sandbox.archiveText() == archived, "nothing archived twice")

        let rebuild = try sandbox.run(["store", "rebuild"])
        #expect(rebuild.exitCode == 0, "stderr:\n\(rebuild.stderr)")
        #expect(rebuild.stdout.contains("7 items from 7 lines"), "\(rebuild.stdout)")
        let again = try sandbox.run(["store", "rebuild"])
        #expect(again.exitCode == 64, "a store with items is not rebuilt over; stderr:\n\(again.stderr)")

        // A rebuild cut short leaves its marker: the daemon refuses the store, a second rebuild continues.
        let marker = sandbox.state.appendingPathComponent("rebuild-incomplete")
        try Data("started by pid 1\n".utf8).write(to: marker)
        let unfinished = try sandbox.once()
        #expect(unfinished.exitCode == 74 && unfinished.stderr.contains("did not finish"), "stderr:\n\(unfinished.stderr)")
        let continued = try sandbox.run(["store", "rebuild"])
        #expect(continued.exitCode == 0 && continued.stdout.contains("continued an unfinished rebuild")
                && continued.stdout.contains("0 items from 7 lines (7 lines repeated"), "\(continued.stdout)\(continued.stderr)")
        #expect(!FileManager.default.fileExists(atPath: marker.path))

        let next = try sandbox.once()
        #expect(next.exitCode == 0, "stderr:\n\(next.stderr)")
        #expect(try sandbox.archiveText() == archived, "the feeds' items are known again: nothing archived twice")
        let search = try sandbox.run(["archive", "search", "export controls"])
        #expect(search.exitCode == 0 && search.stdout.contains("export controls"), "\(search.stdout)\(search.stderr)")
    }

    @Test func onceFailsWhenItCouldNotArchiveAndTheNextPassWritesTheItems() throws {
        let feeds = try OncePassTests.twoFeeds()
        defer { feeds.stop() }
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(sandbox) {} }
        try sandbox.writeFeeds([feeds.url("/world.rss"), feeds.url("/policy.atom")])
        // A directory where today's day file should be: every append fails (for root too).
        let archiveDir = sandbox.state.appendingPathComponent("archive")
        let blocked = [Date(), Date().addingTimeInterval(86_400)].map { archiveDir.appendingPathComponent(ISOTime.day($0) + ".jsonl") }
        for d in blocked { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }

        let failed = try sandbox.once()
        #expect(failed.exitCode == 74, "stderr:\n\(failed.stderr)")
        #expect(failed.stderr.contains("7 committed items could not be archived"), "\(failed.stderr)")
        #expect(failed.log.events("archive").count == 1, "one error line for the episode, not one per batch")

        for d in blocked { try FileManager.default.removeItem(at: d) }
        let healed = try sandbox.once()
        #expect(healed.exitCode == 0, "stderr:\n\(healed.stderr)")
        let records = try sandbox.archive()
        #expect(records.count == 7)
        #expect(Set(records.map(\.id)).count == 7)
    }
}

/// A full disk under the archive (a small tmpfs, filled): `once` keeps every item in the store, logs the
/// episode once and exits 74; when space returns, the next pass writes them, each once. Needs root and a kernel
/// that lets it mount (CI's container does); elsewhere the test is skipped with that reason.
@Suite(.enabled(if: FullDisk.canMount, "mounting a tmpfs needs root and CAP_SYS_ADMIN; skipped")) struct FullDiskTests {
    @Test func aFullDiskLosesNothingAndHeals() throws {
        let feeds = try OncePassTests.twoFeeds()
        defer { feeds.stop() }
        let sandbox = try TestSandbox()
        defer { withExtendedLifetime(sandbox) {} }
        try sandbox.writeFeeds([feeds.url("/world.rss"), feeds.url("/policy.atom")])
        let archive = sandbox.state.appendingPathComponent("archive")
        try FullDisk.mount(archive, kilobytes: 64)
        defer { FullDisk.unmount(archive) }
        let filler = archive.appendingPathComponent("filler")
        try FullDisk.fill(filler)

        let full = try sandbox.once()
        #expect(full.exitCode == 74, "stderr:\n\(full.stderr)")
        let errors = full.log.events("archive")
        #expect(errors.count == 1, "one line for the episode: \(errors)")
        #expect(errors.first?["error"]?.contains("No space left on device") == true, "\(errors)")

        try FileManager.default.removeItem(at: filler)
        let healed = try sandbox.once()
        #expect(healed.exitCode == 0, "stderr:\n\(healed.stderr)")
        let records = try sandbox.archive()
        #expect(records.count == 7 && Set(records.map(\.id)).count == 7)
    }
}

enum FullDisk {
    static let canMount: Bool = {
        guard getuid() == 0 else { return false }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("newswired-mount-probe-\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        do { try mount(dir, kilobytes: 16) } catch { return false }
        unmount(dir)
        return true
    }()

    static func mount(_ dir: URL, kilobytes: Int) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", dir.path])
    }

    static func unmount(_ dir: URL) { try? run("/bin/umount", [dir.path]) }

    /// Writes `file` until the file system is full.
    static func fill(_ file: URL) throws {
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        let block = Data(count: 4096)
        while (try? handle.write(contentsOf: block)) != nil {}
    }

    private static func run(_ tool: String, _ arguments: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw HarnessError("\(tool) \(arguments.joined(separator: " ")) exited \(p.terminationStatus)") }
    }
}
