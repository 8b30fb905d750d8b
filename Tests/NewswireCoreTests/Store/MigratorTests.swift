import Foundation
import Testing
@testable import NewswireCore

/// Schema steps: applied in order, each with its version under the write lock; a failing step leaves the store
/// at the version before it; a store newer than the binary is refused.
@Suite struct MigratorTests {
    func connection(_ t: TempState) throws -> SQLiteConnection {
        try SQLiteConnection(path: t.url.appendingPathComponent("m.sqlite3").path, readOnly: false)
    }

    @Test func stepsRunOnceInOrderAndAFailingStepRollsBack() throws {
        let t = TempState()
        try FileManager.default.createDirectory(at: t.url, withIntermediateDirectories: true)
        let db = try connection(t)
        var m = Migrator()
        m.register(1, sql: "CREATE TABLE a(x);")
        m.register(2, sql: "INSERT INTO a VALUES(2);")
        try m.migrate(db, path: "m")
        try m.migrate(db, path: "m")  // nothing left to do: step 2 ran once
        #expect(try db.int("SELECT count(*) FROM a") == 1 && db.int("PRAGMA user_version") == 2)

        var broken = m
        broken.register(3) { db throws(StoreError) in
            try db.execute("INSERT INTO a VALUES(3);")
            throw StoreError(path: "m", message: "step 3 fails")
        }
        #expect(throws: StoreError.self) { try broken.migrate(db, path: "m") }
        #expect(try db.int("SELECT count(*) FROM a") == 1 && db.int("PRAGMA user_version") == 2)

        try db.execute("PRAGMA user_version = 7")
        #expect(throws: StoreError.self) { try m.migrate(db, path: "m") }
    }

    @Test func theStoreRegistersEveryStepItsSchemaNumberSays() {
        #expect(ItemStore.migrator.steps.map(\.version) == Array(1...ItemStore.schemaVersion))
    }
}
