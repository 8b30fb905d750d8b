/// Logs and appends committed batches to the archive on a worker thread, in commit order, while the store's thread
/// goes on with the next batch: encoding and writing the lines, the fsync of each day file and the `item` log
/// lines stay off the thread that holds the write lock.
///
/// At most one batch is in flight: `submit` is only called once the one before is `finish`ed, so memory holds one
/// batch's records at most, lines reach the files in commit order, and what a crash can leave undone is what it
/// could before: items committed but not yet marked archived, which the start-up reconcile appends.
///
/// `submit` and `finish` are called from one thread (the pipeline's); `close` joins the worker.
final class ArchiveQueue: Sendable {
    typealias Written = (lines: [ArchivedLine], submitted: Int, error: ArchiveError?)

    private let archive: ArchiveWriter
    private let worker = WorkerThread<Written>(name: "newswired-archive")

    init(archive: ArchiveWriter) {
        self.archive = archive
    }

    /// A batch was submitted and not yet finished.
    var inFlight: Bool { worker.inFlight > 0 }

    /// Appends and syncs `records` on the worker, after `announce` has logged them (`ItemLogLines`). The
    /// batch before must be finished.
    func submit(_ records: [ArchiveRecord], announce: ItemLogLines) {
        precondition(!inFlight, "one archive batch at a time")
        let archive = self.archive
        worker.submit {
            announce.emit(records)
            do throws(ArchiveError) {
                return (try archive.append(records), records.count, nil)
            } catch {
                return ([], records.count, error)
            }
        }
    }

    /// Waits for the batch in flight (without `wait`, only takes it when it is finished already): where its lines went, and
    /// the error when its lines are not all written and synced. Nil when nothing is in flight (or unfinished).
    func finish(wait: Bool = true) -> Written? {
        worker.next(wait: wait)
    }

    /// Waits for the worker thread to end (after the batch in flight).
    func close() {
        worker.close()
    }
}
