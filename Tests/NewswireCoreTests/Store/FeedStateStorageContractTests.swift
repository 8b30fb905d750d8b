import Foundation
import Synchronization
import Testing
@testable import NewswireCore

/// The storage protocols' contract, run against every backend: the embedded SQLite store always, PostgreSQL
/// when `NEWSWIRED_PG_URL` names a server (`scripts/test` starts a throwaway cluster and sets it, with
/// `NEWSWIRED_REQUIRE_PG=1` so that a missing server fails instead of shrinking the suite).
enum StorageBackend: String, CaseIterable, CustomTestStringConvertible {
    case sqlite, postgresql

    var testDescription: String { rawValue }

    static var pgURL: String? { ProcessInfo.processInfo.environment["NEWSWIRED_PG_URL"].flatMap { $0.isEmpty ? nil : $0 } }
    static var available: [StorageBackend] { pgURL == nil ? [.sqlite] : [.sqlite, .postgresql] }

    /// A new, empty store of this kind, and what removes it.
    func make() throws -> (storage: FeedStateStorage, dispose: () -> Void) {
        switch self {
        case .sqlite:
            let t = TempState()
            let s = try ItemStore(stateDirectory: t.url)
            return (s, { withExtendedLifetime((s, t)) {} })
        case .postgresql:
            let url = try #require(Self.pgURL)
            let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            let s = try PostgresStore(url: url, schema: schema)
            return (s, { try? s.db.execute("DROP SCHEMA \(schema) CASCADE") })
        }
    }
}

@Suite struct FeedStateStorageContractTests {
    @Test func postgresIsThereWhenTheTestScriptAsksForIt() {
        if ProcessInfo.processInfo.environment["NEWSWIRED_REQUIRE_PG"] == "1" {
            #expect(StorageBackend.pgURL != nil, "NEWSWIRED_REQUIRE_PG=1 but NEWSWIRED_PG_URL is not set")
        }
    }

    static func everyField(_ url: String) -> FeedState {
        var s = FeedState(url: url)
        s.title = "Ünïcode 'quoted' \"title\" ✓"
        s.etag = "W/\"abc\""
        s.lastModified = "Sat, 26 Jul 2025 10:00:00 GMT"
        s.lastStatus = 503
        s.lastError = "status 503: Service Unavailable\nsecond line"
        s.lastFetchAt = 1_753_500_000
        s.lastSuccessAt = 1_753_400_000
        s.lastNewItemAt = 1_753_300_000
        s.consecutiveErrors = 4
        s.nextDueAt = 1_753_503_600
        s.disabled = true
        s.currentURL = "https://example.org/moved.xml"
        return s
    }

    @Test(arguments: StorageBackend.available)
    func aSavedStateReadsBackFieldForField(_ backend: StorageBackend) throws {
        let (store, dispose) = try backend.make()
        defer { dispose() }
        #expect(try store.feedState(url: "http://127.0.0.1/a.xml") == nil)
        let full = Self.everyField("http://127.0.0.1/a.xml")
        try store.saveFeedState(full)
        #expect(try store.feedState(url: full.url) == full)
        let bare = FeedState(url: "http://127.0.0.1/b.xml")  // every optional field nil
        try store.saveFeedState(bare)
        #expect(try store.feedState(url: bare.url) == bare)
    }

    @Test(arguments: StorageBackend.available)
    func savingAgainReplacesEveryField(_ backend: StorageBackend) throws {
        let (store, dispose) = try backend.make()
        defer { dispose() }
        let url = "http://127.0.0.1/a.xml"
        try store.saveFeedState(Self.everyField(url))
        var recovered = FeedState(url: url)
        recovered.lastStatus = 200
        recovered.lastFetchAt = 1_753_600_000
        try store.saveFeedState(recovered)  // the old title, error, etag … are gone, not kept
        #expect(try store.feedState(url: url) == recovered)
        #expect(try store.allFeedStates() == [recovered])
    }

    @Test(arguments: StorageBackend.available)
    func allStatesComeInByteOrderOfTheirURL(_ backend: StorageBackend) throws {
        let (store, dispose) = try backend.make()
        defer { dispose() }
        let urls = ["http://127.0.0.1/b.xml", "http://127.0.0.1/B.xml", "http://127.0.0.1/a.xml", "http://127.0.0.1/é.xml", "http://127.0.0.1/_.xml"]
        for u in urls { try store.saveFeedState(FeedState(url: u)) }
        #expect(try store.allFeedStates().map(\.url) == urls.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
    }
}

/// What only the PostgreSQL backend has: a shared server that several daemons connect to.
@Suite(.enabled(if: StorageBackend.pgURL != nil, "NEWSWIRED_PG_URL not set: no PostgreSQL server to test"))
struct PostgresStoreTests {
    @Test func aSecondConnectionSeesTheFirstsWritesAndTheSchemaIsAppliedOnce() throws {
        let url = try #require(StorageBackend.pgURL)
        let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let a = try PostgresStore(url: url, schema: schema)
        defer { try? a.db.execute("DROP SCHEMA \(schema) CASCADE") }
        let b = try PostgresStore(url: url, schema: schema)  // migrates an up-to-date schema: nothing to do
        #expect(try a.schemaVersion == PostgresStore.steps.count)
        #expect(try b.db.query("SELECT count(*) FROM schema_version").first?.first == String(PostgresStore.steps.count))
        try a.saveFeedState(FeedStateStorageContractTests.everyField("http://127.0.0.1/a.xml"))
        #expect(try b.feedState(url: "http://127.0.0.1/a.xml") == FeedStateStorageContractTests.everyField("http://127.0.0.1/a.xml"))
    }

    /// Daemons started together each migrate: the advisory lock lets one apply the steps, and the others find
    /// them applied.
    @Test func storesOpenedTogetherApplyTheSchemaOnce() throws {
        let url = try #require(StorageBackend.pgURL)
        let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let admin = try PostgresConnection(url: url)
        try admin.execute("CREATE SCHEMA \(schema)")
        defer { try? admin.execute("DROP SCHEMA \(schema) CASCADE") }
        let errors = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            do { _ = try PostgresStore(url: url, schema: schema) } catch { errors.withLock { $0.append("\(error)") } }
        }
        #expect(errors.withLock { $0 } == [])
        try admin.execute("SET search_path TO \(schema)")
        #expect(try admin.query("SELECT count(*), max(version) FROM schema_version").first == [String(PostgresStore.steps.count), String(PostgresStore.steps.count)])
    }

    @Test func aServerThatIsNotThereIsAClearErrorWithoutThePassword() {
        do {
            _ = try PostgresStore(url: "postgresql://newswired:secret@127.0.0.1:1/nothing?connect_timeout=2")
            Issue.record("connected to port 1")
        } catch {
            #expect(error.description.contains("cannot connect"))
            #expect(error.description.contains("postgresql://newswired@127.0.0.1:1/nothing"))
            #expect(!error.description.contains("secret"))
        }
    }

    @Test func aBadSchemaNameIsRefused() throws {
        let url = try #require(StorageBackend.pgURL)
        #expect(throws: StoreError.self) { try PostgresStore(url: url, schema: "x; DROP TABLE feeds") }
    }
}
