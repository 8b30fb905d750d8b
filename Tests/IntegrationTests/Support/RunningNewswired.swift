import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A `newswired` subprocess; stdout and stderr go to files, so it never blocks on a full pipe. Killed if still
/// running when dropped.
final class RunningNewswired {
    let process = Process()
    private let stdoutURL: URL
    private let stderrURL: URL

    /// `stdin`: a file the process reads as standard input (else /dev/null).
    init(arguments: [String], environment: [String: String] = [:], stdin: URL? = nil, currentDirectory: URL? = nil,
         outputPrefix: URL) throws {
        let binary = Newswired.binary
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw HarnessError("no newswired binary at \(binary.path): run `swift build` first or set NEWSWIRED_BIN")
        }
        stdoutURL = outputPrefix.appendingPathExtension("stdout")
        stderrURL = outputPrefix.appendingPathExtension("stderr")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.executableURL = binary
        process.arguments = arguments
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        process.environment = Newswired.environment.merging(environment) { $1 }
        process.standardInput = try stdin.map { try FileHandle(forReadingFrom: $0) } ?? FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        try process.run()
    }

    deinit { kill() }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }
    var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    var log: [LogLine] { LogLine.parseAll(stderr) }

    func signal(_ sig: Int32) { if process.isRunning { Glibc.kill(pid, sig) } }

    func kill() {
        if process.isRunning {
            Glibc.kill(pid, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// The exit status, or nil if still running after `timeout` seconds. A death by signal is 128 + signal.
    func waitForExit(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() >= deadline { return nil }
            usleep(10_000)
        }
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }

    /// Waits until a log line satisfies `predicate` (or `timeout` seconds pass); returns the log then.
    func waitForLog(timeout: Double, until predicate: ([LogLine]) -> Bool) -> [LogLine] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let lines = log
            if predicate(lines) || Date() >= deadline || !process.isRunning { return lines }
            usleep(20_000)
        }
    }

    /// `waitForLog`, but a wait that runs out is an error naming `what` and showing the daemon's stderr, so a
    /// test never goes on from a state it did not reach.
    @discardableResult
    func requireLog(timeout: Double, _ what: String, until predicate: ([LogLine]) -> Bool) throws -> [LogLine] {
        let lines = waitForLog(timeout: timeout, until: predicate)
        guard predicate(lines) else {
            let state = process.isRunning ? "is still running" : "exited with \(process.terminationStatus)"
            throw HarnessError("no \(what) within \(timeout) s (the daemon \(state)); stderr:\n\(stderr)")
        }
        return lines
    }
}

struct FinishedRun {
    let exitCode: Int32
    let stderr: String
    let stdout: String
    var log: [LogLine] { LogLine.parseAll(stderr) }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
