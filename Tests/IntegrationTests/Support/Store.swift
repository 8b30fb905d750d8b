import Foundation

/// Read-only queries on the store, through the `sqlite3` command-line shell (apt package `sqlite3`), so the
/// tests do not share code with the store they check.
enum Store {
    static func query(_ sql: String, stateDir: URL) throws -> [[String]] {
        let db = stateDir.appendingPathComponent("newswired.sqlite3")
        guard FileManager.default.fileExists(atPath: db.path) else { throw HarnessError("no store at \(db.path)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sqlite3", "-readonly", "-separator", "\t", db.path, sql]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw HarnessError("sqlite3 \(sql): \(String(decoding: errData, as: UTF8.self))")
        }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map { $0.components(separatedBy: "\t") }
    }
}
