import Foundation
import Testing

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
        let data = try Shell.output(["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                                    what: "psql \(sql)")
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map { $0.components(separatedBy: "\t") }
    }

    /// A schema of one test's own on the server, dropped with this object; nil when the tests run without a
    /// server (a failure then if `NEWSWIRED_REQUIRE_PG=1`).
    final class TestSchema {
        let base: String
        let name = "it_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        /// The server's URL with every table in this schema.
        var url: String { PSQL.url(base, schema: name) }

        init?() throws {
            guard let base = PSQL.url else {
                #expect(!PSQL.required, "NEWSWIRED_REQUIRE_PG=1 but NEWSWIRED_PG_URL is not set")
                return nil
            }
            self.base = base
            try PSQL.query(base, "CREATE SCHEMA \(name)")
        }

        deinit { _ = try? PSQL.query(base, "DROP SCHEMA \(name) CASCADE") }
    }

    static func int(_ url: String, _ sql: String) throws -> Int {
        guard let v = try query(url, sql).first?.first, let n = Int(v) else { throw HarnessError("psql \(sql): not a number") }
        return n
    }
}
