import Foundation
internal import CLibPQ

/// One libpq connection, used from one thread with blocking calls like the rest of the store. Parameters and
/// results travel in libpq's text format; a NULL is nil. This file is the PostgreSQL backend's C boundary:
/// nothing else sees a `PGconn` or a `PGresult`.
final class PostgresConnection {
    private let conn: OpaquePointer
    /// The server as errors name it: the connection URL without its password.
    let name: String

    /// Connects with a libpq URL or key=value string; what it leaves out comes from the `PG*` environment
    /// variables and `~/.pgpass`, as with `psql`. Unless the URL says otherwise, a connection attempt gives up
    /// after 10 s and a dead server or network is noticed within about a minute (TCP keepalives and a user
    /// timeout), so that a blocking call becomes an error the daemon logs and retries.
    init(url: String) throws(StoreError) {
        name = Self.redacted(url)
        // Keywords in order, the URL last: what it names overrides these defaults.
        let settings = [("connect_timeout", "10"), ("keepalives_idle", "30"), ("keepalives_interval", "10"),
                        ("keepalives_count", "3"), ("tcp_user_timeout", "60000"),
                        ("application_name", "newswired"), ("dbname", url)]
        let keys = settings.map { strdup($0.0) }, values = settings.map { strdup($0.1) }
        defer { (keys + values).forEach { free($0) } }
        let connection = (keys + [nil]).withUnsafeBufferPointer { k in
            (values + [nil]).withUnsafeBufferPointer { v in
                k.withMemoryRebound(to: UnsafePointer<CChar>?.self) { k in
                    v.withMemoryRebound(to: UnsafePointer<CChar>?.self) { v in PQconnectdbParams(k.baseAddress, v.baseAddress, 1) }
                }
            }
        }
        guard let c = connection else { throw StoreError(path: name, message: "libpq could not allocate a connection") }
        guard PQstatus(c) == CONNECTION_OK else {
            let message = Self.text(PQerrorMessage(c))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "connection failed"
            PQfinish(c)
            throw StoreError(path: name, message: "cannot connect: \(message)")
        }
        conn = c
        // Notices (e.g. "relation already exists, skipping") are not errors; libpq would print them on stderr.
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
    }

    /// Run again after the connection was re-established (`SET search_path` of a store in a schema).
    var sessionSetup: String?

    /// The connection broke (server restarted, network lost): one attempt to connect again, so that the next
    /// call works if the server is back. Session state goes with the old connection: locks, the open
    /// transaction, settings (`sessionSetup` is applied again).
    private func reconnectIfBroken() {
        guard PQstatus(conn) == CONNECTION_BAD else { return }
        PQreset(conn)
        prepared.removeAll()  // they went with the old session
        if PQstatus(conn) == CONNECTION_OK {
            reconnections += 1
            if let setup = sessionSetup { PQclear(PQexec(conn, setup)) }
        }
    }

    /// Times the connection was re-established (a session-level lock held before is gone).
    private(set) var reconnections = 0

    /// A transaction block is open and has had no error: its statements can still commit. False when idle (no
    /// `BEGIN`, or the connection was re-established and the server rolled the block back) and when a statement
    /// failed outside a savepoint (the server will roll the block back at `COMMIT`, which still reports success).
    var transactionUsable: Bool {
        let status = PQtransactionStatus(conn)
        return status == PQTRANS_INTRANS || status == PQTRANS_ACTIVE
    }

    deinit { PQfinish(conn) }

    /// Runs one or more statements without parameters (schema steps, transaction control).
    func execute(_ sql: String) throws(StoreError) {
        let result = PQexec(conn, sql)
        defer { PQclear(result) }
        try check(result, sql)
    }

    /// Statements prepared on this session, by their text: parsed and planned once rather than at every call.
    /// At most `maxPrepared`; later texts run unprepared.
    private var prepared: [String: String] = [:]
    static let maxPrepared = 256

    /// Runs one statement with `$1`… parameters and returns its rows, each column as text or nil.
    @discardableResult
    func query(_ sql: String, _ parameters: [String?] = []) throws(StoreError) -> [[String?]] {
        var name = prepared[sql]
        if name == nil, prepared.count < Self.maxPrepared {
            let candidate = "s\(prepared.count)"
            let result = PQprepare(conn, candidate, sql, Int32(parameters.count), nil)
            defer { PQclear(result) }
            try check(result, sql)
            prepared[sql] = candidate
            name = candidate
        }
        // The C strings live as long as the call: each is duplicated, passed, and freed after it.
        let cStrings: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.flatMap { strdup($0) } }
        defer { cStrings.forEach { free($0) } }
        let result = cStrings.withUnsafeBufferPointer { values in
            values.withMemoryRebound(to: UnsafePointer<CChar>?.self) { v in
                if let name {
                    PQexecPrepared(conn, name, Int32(parameters.count), v.baseAddress, nil, nil, 0)
                } else {
                    PQexecParams(conn, sql, Int32(parameters.count), nil, v.baseAddress, nil, nil, 0)
                }
            }
        }
        defer { PQclear(result) }
        try check(result, sql)
        var rows: [[String?]] = []
        let (n, columns) = (PQntuples(result), PQnfields(result))
        rows.reserveCapacity(Int(n))
        for r in 0..<n {
            var row: [String?] = []
            row.reserveCapacity(Int(columns))
            for c in 0..<columns {
                row.append(PQgetisnull(result, r, c) == 1 ? nil : Self.text(PQgetvalue(result, r, c)))
            }
            rows.append(row)
        }
        return rows
    }

    private func check(_ result: OpaquePointer?, _ sql: String) throws(StoreError) {
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK: return
        default:
            let message = (result.flatMap { Self.text(PQresultErrorMessage($0)) } ?? Self.text(PQerrorMessage(conn)) ?? "failed")
                .trimmingCharacters(in: .whitespacesAndNewlines)
            reconnectIfBroken()
            throw StoreError(path: name, message: "\(message) (in: \(sql.prefix(80)))")
        }
    }

    private static func text(_ p: UnsafePointer<CChar>?) -> String? { p.map { String(cString: $0) } }
    private static func text(_ p: UnsafeMutablePointer<CChar>?) -> String? { p.map { String(cString: $0) } }

    /// `postgresql://user:secret@host/db` → `postgresql://user@host/db`; `password=…` in a key=value string
    /// likewise.
    static func redacted(_ url: String) -> String {
        if let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].firstIndex(of: "@") {
            let userInfo = url[scheme.upperBound..<at]
            if let colon = userInfo.firstIndex(of: ":") {
                return String(url[..<colon]) + String(url[at...])
            }
            return url
        }
        return url.split(separator: " ").filter { !$0.hasPrefix("password=") }.joined(separator: " ")
    }
}
