import Foundation

/// Read-only queries on the store, through the `sqlite3` command-line shell (apt package `sqlite3`), so the
/// tests do not share code with the store they check.
enum Store {
    static func query(_ sql: String, stateDir: URL) throws -> [[String]] {
        let db = stateDir.appendingPathComponent("newswired.sqlite3")
        guard FileManager.default.fileExists(atPath: db.path) else { throw HarnessError("no store at \(db.path)") }
        let data = try Shell.output(["sqlite3", "-readonly", "-separator", "\t", db.path, sql], what: "sqlite3 \(sql)")
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map { $0.components(separatedBy: "\t") }
    }
}
