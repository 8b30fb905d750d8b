import Dispatch
import Foundation

/// Logs and appends committed batches to the archive on a worker thread, in commit order, while the store's thread
/// goes on with the next batch: encoding the lines, writing them and the fsync of each day file were ~4 % of the
/// store thread's instructions in the 1,000-feed benchmark, and its fsyncs waited on the disk besides; the `item`
/// log lines another ~5 %.
///
/// At most one batch is in flight: `submit` is only called once the one before is `finish`ed, so memory holds one
/// batch's records at most, lines reach the files in commit order, and what a crash can leave undone is what it
/// could before: items committed but not yet marked archived, which the start-up reconcile appends.
///
/// `submit` and `finish` are called from one thread (the pipeline's).
final class ArchiveQueue: @unchecked Sendable {
    private let archive: ArchiveWriter
    private let worker = DispatchQueue(label: "newswired.archive")
    private let done = DispatchSemaphore(value: 0)
    /// The outcome of the batch in flight, set by the worker before it signals `done`.
    private var outcome: (ids: [String], error: ArchiveError?)?
    /// A batch was submitted and not yet finished (the pipeline's thread only).
    private(set) var inFlight = false

    init(archive: ArchiveWriter) {
        self.archive = archive
    }

    /// Appends and syncs `records` on the worker, after `announce` has logged them (`Pipeline.ItemLines`). The
    /// batch before must be finished.
    func submit(_ records: [ArchiveRecord], announce: Pipeline.ItemLines) {
        precondition(!inFlight, "one archive batch at a time")
        inFlight = true
        worker.async { [self] in
            announce.emit(records)
            var error: ArchiveError?
            do throws(ArchiveError) {
                try archive.append(records)
            } catch let e {
                error = e
            }
            outcome = (records.map(\.id), error)
            done.signal()
        }
    }

    /// Waits for the batch in flight (without `wait`, only takes it when it is finished already): its ids, and
    /// the error when its lines are not all written and synced. Nil when nothing is in flight (or unfinished).
    func finish(wait: Bool = true) -> (ids: [String], error: ArchiveError?)? {
        guard inFlight else { return nil }
        if wait {
            done.wait()
        } else if done.wait(timeout: .now()) == .timedOut {
            return nil
        }
        inFlight = false
        defer { outcome = nil }
        return outcome
    }
}
