/// The store's schema steps, each registered in one shape: a version and a body that changes the schema. A
/// step runs under the write lock (`BEGIN IMMEDIATE`), re-reading `PRAGMA user_version` once it holds it, so
/// two processes opening an old store at once apply it once; the body and the new version commit together,
/// or neither does. (GRDB's `DatabaseMigrator` has the same contract, keyed by name instead of number.)
struct Migrator: Sendable {
    struct Step: Sendable {
        let version: Int
        let apply: @Sendable (SQLiteConnection) throws(StoreError) -> Void
    }

    private(set) var steps: [Step] = []

    var latestVersion: Int { steps.last?.version ?? 0 }

    /// Registers the step to `version`, which must follow the last one registered.
    mutating func register(_ version: Int, _ apply: @escaping @Sendable (SQLiteConnection) throws(StoreError) -> Void) {
        precondition(version == latestVersion + 1, "schema steps are registered in order")
        steps.append(Step(version: version, apply: apply))
    }

    /// Registers a step that is SQL only.
    mutating func register(_ version: Int, sql: String) {
        register(version) { db throws(StoreError) in try db.execute(sql) }
    }

    /// Applies every step the store at `path` lacks. A store newer than the latest step is refused.
    func migrate(_ db: SQLiteConnection, path: String) throws(StoreError) {
        let current = try db.int("PRAGMA user_version") ?? 0
        if current > Int64(latestVersion) {
            throw StoreError(path: path, message: "store schema \(current) is newer than this newswired understands (\(latestVersion))")
        }
        for step in steps where Int64(step.version) > current {
            try apply(step, to: db)
        }
    }

    /// Applies one step unless the store has it already (checked under the write lock).
    func apply(version: Int, to db: SQLiteConnection) throws(StoreError) {
        guard let step = steps.first(where: { $0.version == version }) else { return }
        try apply(step, to: db)
    }

    private func apply(_ step: Step, to db: SQLiteConnection) throws(StoreError) {
        try db.execute("BEGIN IMMEDIATE")
        do throws(StoreError) {
            if try db.int("PRAGMA user_version") ?? 0 < Int64(step.version) {
                try step.apply(db)
                try db.execute("PRAGMA user_version = \(step.version)")
            }
            try db.execute("COMMIT")
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
    }
}
