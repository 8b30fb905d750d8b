import Foundation

extension TestSandbox {
    /// `newswired <command…> --config … --state … --feeds …` (the sandbox's feed list), with output captured.
    func commandArguments(_ command: [String]) -> [String] {
        command + ["--config", Newswired.config.path, "--state", state.path, "--feeds", feedsFile.path]
    }

    /// Starts a command (e.g. `["archive", "tail", "-f"]`) in the background.
    func startCommand(_ command: [String]) throws -> RunningNewswired {
        try RunningNewswired(arguments: commandArguments(command),
                             outputPrefix: root.appendingPathComponent("cmd-\(command.prefix(2).joined(separator: "-"))-\(UUID().uuidString.prefix(8))"))
    }

    /// Runs a command to completion (killed after `timeout` seconds).
    func run(_ command: [String], timeout: Double = 30) throws -> FinishedRun {
        let process = try startCommand(command)
        guard let status = process.waitForExit(timeout: timeout) else {
            process.kill()
            throw HarnessError("newswired \(command.joined(separator: " ")) did not exit within \(timeout) s; stderr:\n\(process.stderr)")
        }
        return FinishedRun(exitCode: status, stderr: process.stderr, stdout: process.stdout)
    }

    /// The archive files' text, concatenated in name (day) order.
    func archiveText() throws -> String {
        let dir = state.appendingPathComponent("archive")
        return try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".jsonl") }.sorted()
            .map { try String(contentsOf: dir.appendingPathComponent($0), encoding: .utf8) }.joined()
    }
}

extension FinishedRun {
    /// stdout as JSON Lines, each parsed into an object.
    func jsonLines() throws -> [[String: JSONValue]] {
        try stdout.split(separator: "\n").map { line in
            guard let o = try JSONDecoder().decode(JSONValue.self, from: Data(line.utf8)).object else {
                throw HarnessError("not a JSON object: \(line)")
            }
            return o
        }
    }

    /// stdout as one JSON value.
    func json() throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(stdout.utf8))
    }
}

/// Writes to the store through the `sqlite3` shell (simulating what a crash leaves behind).
enum StoreWrite {
    static func execute(_ sql: String, stateDir: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sqlite3", stateDir.appendingPathComponent("newswired.sqlite3").path, sql]
        let err = Pipe()
        process.standardError = err
        try process.run()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw HarnessError("sqlite3 \(sql): \(String(decoding: errData, as: UTF8.self))")
        }
    }
}

/// A strict RFC 4180 reader for checking `archive export --format csv`: CRLF records, quoted fields with
/// doubled quotes; returns nil on anything malformed.
enum CSV {
    static func parse(_ text: String) -> [[String]]? {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var chars = Array(text.unicodeScalars)[...]
        var quoted = false
        var atFieldStart = true
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { chars.removeFirst(); field.unicodeScalars.append("\"") } else { quoted = false }
                } else {
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"":
                guard atFieldStart else { return nil }
                quoted = true
                atFieldStart = false
            case ",":
                row.append(field); field = ""; atFieldStart = true
            case "\r":
                guard chars.popFirst() == "\n" else { return nil }
                row.append(field); field = ""; rows.append(row); row = []; atFieldStart = true
            case "\n":
                return nil  // a bare LF outside quotes is not RFC 4180
            default:
                field.unicodeScalars.append(c); atFieldStart = false
            }
        }
        guard !quoted, row.isEmpty, field.isEmpty else { return nil }
        return rows
    }
}

extension TestSandbox {
    /// Runs a command with stdout and stderr on a pseudo-terminal (util-linux `script`), returning what the
    /// terminal showed.
    func runOnTerminal(_ command: [String], environment extra: [String: String] = [:]) throws -> String {
        func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let line = ([Newswired.binary.path] + commandArguments(command)).map(quote).joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", line, "/dev/null"]
        var env = Newswired.environment
        env["NO_COLOR"] = nil
        env["TERM"] = "xterm"
        for (k, v) in extra { env[k] = v }
        process.environment = env
        let out = Pipe()
        process.standardOutput = out
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
