/// State kept in memory in step with the store's write transactions (the dedup caches): told when one begins,
/// before it commits (to write back what it held), how it ended, and when a savepoint inside it begins and
/// ends, so that what a savepoint rolled back added is taken back. The shape of GRDB's `TransactionObserver`.
/// Every store backend calls these from its transactions.
public protocol TransactionObserver: AnyObject {
    /// A write transaction began. `dataVersion` differs from the last one when another connection committed
    /// in between, so counts cached from the store may be stale.
    func transactionDidBegin(dataVersion: Int64)
    /// Inside the transaction, just before its commit.
    func transactionWillCommit() throws(StoreError)
    func transactionDidEnd(committed: Bool)
    func savepointDidBegin()
    func savepointDidEnd(committed: Bool)
}
