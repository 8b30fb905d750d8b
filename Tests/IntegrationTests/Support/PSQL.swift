import Foundation

/// Queries on the PostgreSQL server `scripts/test` starts (`NEWSWIRED_PG_URL`), through the `psql` shell, so
/// that the tests do not share code with the store they check (as `Store` does with `sqlite3`).
enum PSQL {
    /// The server's URL, or nil when the tests run without one (`NEWSWIRED_REQUIRE_PG=1` makes that a failure).
    static var url: String? { ProcessInfo.processInfo.environment["NEWSWIRED_PG_URL"].flatMap { $0.isEmpty ? nil : $0 } }
    static var required: Bool { ProcessInfo.processInfo.environment["NEWSWIRED_REQUIRE_PG"] == "1" }

    /// `url` with every table in `schema` (a libpq `options` parameter: the daemons' config uses it too).
    static func url(_ base: String, schema: String) -> String {
        base + (base.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"
    }

    /// Rows of tab-separated columns.
    @discardableResult
    static func query(_ url: String, _ sql: String) throws -> [[String]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw HarnessError("psql \(sql): \(String(decoding: errData, as: UTF8.self))")
        }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map { $0.components(separatedBy: "\t") }
    }

    static func int(_ url: String, _ sql: String) throws -> Int {
        guard let v = try query(url, sql).first?.first, let n = Int(v) else { throw HarnessError("psql \(sql): not a number") }
        return n
    }
}
