import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The real `newswired` binary, run as a subprocess against a fresh temporary state directory.
enum Newswired {
    /// The repository root, from this file's path (Tests/IntegrationTests/Support/Newswired.swift).
    static let repoRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `$NEWSWIRED_BIN`, else `<repo>/.build/debug/newswired`.
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["NEWSWIRED_BIN"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return repoRoot.appendingPathComponent(".build/debug/newswired")
    }

    static var config: URL { repoRoot.appendingPathComponent("config/newswired.yaml") }

    /// The child's environment: ours, without proxies (libcurl honours them, and these tests only use loopback).
    static var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        for key in ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"] {
            env[key] = nil
        }
        // Whatever runs the tests may itself be a systemd service: its journal would change the log format
        // (`<3>` instead of `ts=`), and its notify socket and watchdog are not the child's to use.
        for key in ["JOURNAL_STREAM", "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID",
                    "LISTEN_FDNAMES", "INVOCATION_ID"] {
            env[key] = nil
        }
        env["no_proxy"] = "127.0.0.1,localhost"
        env["NO_PROXY"] = "127.0.0.1,localhost"
        return env
    }
}
