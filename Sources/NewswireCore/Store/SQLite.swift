import Foundation
internal import CSQLite

/// A store failure: what was being done, and SQLite's own message.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "store \(path): \(message)" }
}

/// A value bound to, or read from, an SQL statement.
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    public var text: String? { if case .text(let s) = self { return s }; return nil }
    public var blob: [UInt8]? { if case .blob(let b) = self { return b }; return nil }
    public var int: Int64? {
        switch self {
        case .integer(let v): return v
        case .real(let v): return Int64(v)
        default: return nil
        }
    }
    public var double: Double? {
        switch self {
        case .real(let v): return v
        case .integer(let v): return Double(v)
        default: return nil
        }
    }
}

extension SQLValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(nilLiteral: ()) { self = .null }
    public init(_ s: String?) { self = s.map(SQLValue.text) ?? .null }
    public init(_ i: Int?) { self = i.map { .integer(Int64($0)) } ?? .null }
    public init(_ b: Bool) { self = .integer(b ? 1 : 0) }
}

/// One SQLite connection. Not thread-safe: its owner uses it from one thread at a time
/// (the invariant behind `@unchecked Sendable`). Prepared statements are cached by SQL text.
final class SQLiteConnection: @unchecked Sendable {
    private let db: OpaquePointer
    let path: String
    private var cache: [String: OpaquePointer] = [:]

    /// Statement and savepoint journals (the original of every page a statement or savepoint changes, kept to
    /// undo it) stay in memory and never spill to a temporary file. SQLite's default spills past 64 KiB, and
    /// the pipeline's savepoint per entry journals more than that. A 1 MiB spill threshold was tried and is broken on Debian 12's
    /// SQLite 3.40.1: every spill failed with SQLITE_FULL, "database or disk is full" (LargeTransactionTests).
    /// What a journal holds is bounded by what one statement or savepoint changes: an entry's pages, or a
    /// batch's `markArchived` (a page per item).
    ///
    /// And SQLite keeps no memory statistics (`SQLITE_CONFIG_MEMSTATUS`, on by default; nothing here reads
    /// them): each allocation would take a global mutex to update the counters, and an in-memory journal
    /// allocates for every kilobyte it holds. Both set once, before SQLite initializes.
    private static let globalConfig: Void = {
        _ = csqlite_config_stmtjrnl_spill(-1)
        _ = csqlite_config_memstatus(0)
    }()

    init(path: String, readOnly: Bool = false) throws(StoreError) {
        _ = Self.globalConfig
        var handle: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &handle, flags, nil)
        guard rc == SQLITE_OK, let handle else {
            let msg = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let handle { sqlite3_close_v2(handle) }
            throw StoreError(path: path, message: "cannot open: " + (Self.permissionProblem(path: path, readOnly: readOnly) ?? msg))
        }
        self.db = handle
        self.path = path
        sqlite3_busy_timeout(db, 5000)
        sqlite3_extended_result_codes(db, 1)
    }

    /// "permission denied" with the path at fault, when that is why a store cannot be opened (SQLite itself
    /// only says "unable to open database file").
    static func permissionProblem(path: String, readOnly: Bool) -> String? {
        let fm = FileManager.default
        let dir = (path as NSString).deletingLastPathComponent
        if fm.fileExists(atPath: path) {
            if !fm.isReadableFile(atPath: path) { return "permission denied: cannot read \(path)" }
            if !readOnly && !fm.isWritableFile(atPath: path) { return "permission denied: cannot write \(path)" }
        }
        if !readOnly && !fm.isWritableFile(atPath: dir) {
            return "permission denied: cannot create files in \(dir) (the store keeps its journal beside it)"
        }
        return nil
    }

    deinit {
        for stmt in cache.values { sqlite3_finalize(stmt) }
        sqlite3_close_v2(db)
    }

    private func error(_ what: String) -> StoreError {
        StoreError(path: path, message: "\(what): \(String(cString: sqlite3_errmsg(db)))")
    }

    /// Runs one or more statements without results.
    func execute(_ sql: String) throws(StoreError) {
        var err: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(db, sql, nil, nil, &err) != SQLITE_OK {
            let msg = err.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(err)
            throw StoreError(path: path, message: msg)
        }
    }

    private func prepared(_ sql: String) throws(StoreError) -> OpaquePointer {
        if let s = cache[sql] { return s }
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil) == SQLITE_OK, let stmt else {
            throw error("cannot prepare \(sql.prefix(60))")
        }
        cache[sql] = stmt
        return stmt
    }

    private func bind(_ stmt: OpaquePointer, _ args: [SQLValue]) throws(StoreError) {
        for (i, v) in args.enumerated() {
            let idx = Int32(i + 1)
            let rc: Int32
            switch v {
            case .null: rc = sqlite3_bind_null(stmt, idx)
            case .integer(let x): rc = sqlite3_bind_int64(stmt, idx, x)
            case .real(let x): rc = sqlite3_bind_double(stmt, idx, x)
            case .text(let s):
                rc = s.utf8CString.withUnsafeBufferPointer { buf in
                    csqlite_bind_text_transient(stmt, idx, buf.baseAddress, Int32(buf.count - 1))
                }
            case .blob(let b):
                rc = b.withUnsafeBytes { csqlite_bind_blob_transient(stmt, idx, $0.baseAddress, Int32($0.count)) }
            }
            if rc != SQLITE_OK { throw error("cannot bind parameter \(idx)") }
        }
    }

    /// Runs a statement and returns every row.
    @discardableResult
    func query(_ sql: String, _ args: [SQLValue] = []) throws(StoreError) -> [[SQLValue]] {
        var rows: [[SQLValue]] = []
        try forEach(sql, args) { rows.append($0) }
        return rows
    }

    /// Runs a statement, handing each row to `body` as it is read.
    func forEach(_ sql: String, _ args: [SQLValue] = [], _ body: ([SQLValue]) throws(StoreError) -> Void) throws(StoreError) {
        try forEachRow(sql, args) { row throws(StoreError) in try body(row.values()) }
    }

    /// Runs a statement, handing each row to `body` as a `SQLiteRow` that reads columns in place (no Swift value
    /// per column): the path for bulk reads such as the archive export.
    func forEachRow(_ sql: String, _ args: [SQLValue] = [], _ body: (SQLiteRow) throws(StoreError) -> Void) throws(StoreError) {
        let stmt = try prepared(sql)
        defer {
            sqlite3_reset(stmt)
            sqlite3_clear_bindings(stmt)
        }
        try bind(stmt, args)
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { return }
            guard rc == SQLITE_ROW else { throw error("cannot run \(sql.prefix(60))") }
            try body(SQLiteRow(stmt: stmt))
        }
    }

    /// The first column of the first row as an integer (nil for no row or NULL), without building rows:
    /// the path for the pipeline's many point lookups.
    func int(_ sql: String, _ args: [SQLValue] = []) throws(StoreError) -> Int64? {
        let stmt = try prepared(sql)
        defer {
            sqlite3_reset(stmt)
            sqlite3_clear_bindings(stmt)
        }
        try bind(stmt, args)
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_DONE { return nil }
        guard rc == SQLITE_ROW else { throw error("cannot run \(sql.prefix(60))") }
        return sqlite3_column_type(stmt, 0) == SQLITE_NULL ? nil : sqlite3_column_int64(stmt, 0)
    }

    /// Runs `body` in one transaction (BEGIN IMMEDIATE: the writer takes its lock up front).
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try bracket(body, begin: { () throws(StoreError) in try execute("BEGIN IMMEDIATE") },
                    commit: { () throws(StoreError) in try execute("COMMIT") },
                    undo: { try? execute("ROLLBACK") })
    }

    /// Runs `body` inside a savepoint of the open transaction: on an error only its own writes are undone.
    /// The pipeline opens one per feed entry, so the statements are prepared once rather than parsed by
    /// `sqlite3_exec` every time.
    func savepoint<T>(_ body: () throws -> T) throws -> T {
        try bracket(body, begin: { () throws(StoreError) in _ = try query("SAVEPOINT unit") },
                    commit: { () throws(StoreError) in _ = try query("RELEASE unit") },
                    undo: {
                        _ = try? query("ROLLBACK TO unit")
                        _ = try? query("RELEASE unit")
                    })
    }

    /// `begin`, `body`, `commit`; when `body` or `commit` throws, `undo` (its own errors dropped) and the error
    /// goes on: the one shape of a transaction and a savepoint.
    private func bracket<T>(_ body: () throws -> T, begin: () throws(StoreError) -> Void,
                            commit: () throws(StoreError) -> Void, undo: () -> Void) throws -> T {
        try begin()
        do {
            let v = try body()
            try commit()
            return v
        } catch {
            undo()
            throw error
        }
    }

    var changes: Int { Int(sqlite3_changes(db)) }
    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(db) }
    /// A transaction is open (BEGIN … not yet committed).
    var inTransaction: Bool { sqlite3_get_autocommit(db) == 0 }
}

/// The current row of a statement being stepped by `SQLiteConnection.forEachRow`; valid only inside that call.
struct SQLiteRow {
    fileprivate let stmt: OpaquePointer

    /// Every column as a Swift value.
    func values() -> [SQLValue] {
        let columns = sqlite3_column_count(stmt)
        var row: [SQLValue] = []
        row.reserveCapacity(Int(columns))
        for c in 0..<columns {
            switch sqlite3_column_type(stmt, c) {
            case SQLITE_INTEGER: row.append(.integer(sqlite3_column_int64(stmt, c)))
            case SQLITE_FLOAT: row.append(.real(sqlite3_column_double(stmt, c)))
            case SQLITE_NULL: row.append(.null)
            case SQLITE_BLOB: row.append(.blob(withBlob(c) { Array($0) }))
            default:  // text (nil only when SQLite is out of memory)
                row.append(sqlite3_column_text(stmt, c) == nil ? .null : .text(withText(c) { String(decoding: $0, as: UTF8.self) }))
            }
        }
        return row
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(stmt, column) == SQLITE_NULL }
    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(stmt, column) }
    func double(_ column: Int32) -> Double { sqlite3_column_double(stmt, column) }

    /// Hands `body` the column's text (UTF-8, as stored; empty for NULL), valid only during the call.
    func withText<T>(_ column: Int32, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T {
        let p = sqlite3_column_text(stmt, column)
        return body(UnsafeBufferPointer(start: p, count: p == nil ? 0 : Int(sqlite3_column_bytes(stmt, column))))
    }

    func isBlob(_ column: Int32) -> Bool { sqlite3_column_type(stmt, column) == SQLITE_BLOB }

    /// Hands `body` the column's bytes (empty for NULL or an empty blob), valid only during the call.
    func withBlob<T>(_ column: Int32, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        let p = sqlite3_column_blob(stmt, column)
        return body(UnsafeRawBufferPointer(start: p, count: p == nil ? 0 : Int(sqlite3_column_bytes(stmt, column))))
    }

    /// Appends the column's text (UTF-8, as stored) to `out`; nothing for NULL.
    func appendText(_ column: Int32, to out: inout [UInt8]) {
        guard let p = sqlite3_column_text(stmt, column) else { return }
        let n = Int(sqlite3_column_bytes(stmt, column))
        out.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
    }
}
