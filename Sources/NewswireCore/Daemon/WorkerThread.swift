import Foundation
import Synchronization

/// A thread of the daemon's own that runs submitted jobs one at a time, in order, and hands their results back
/// in that order: the prepare worker (parse and classify the next feed while the store takes this one) and
/// the archive worker (log and write a committed batch while the next one is stored). The caller bounds how
/// many jobs are in flight, so a slow side holds the other back instead of growing memory. `close()` (or the
/// last reference going away) lets the thread finish its jobs and joins it: no thread outlives its owner.
///
/// `submit`, `next` and `inFlight` belong to one thread (the owner's).
final class WorkerThread<Output: Sendable>: Sendable {
    private let queue: JobQueue<Output>
    private let done = DispatchSemaphore(value: 0)
    private let inFlightCount = Atomic<Int>(0)

    init(name: String) {
        let queue = JobQueue<Output>()
        self.queue = queue
        let done = self.done
        let thread = Thread {
            queue.run()
            done.signal()
        }
        thread.name = name
        thread.start()
    }

    deinit { close() }

    /// Submitted and not yet taken.
    var inFlight: Int { inFlightCount.load(ordering: .relaxed) }

    func submit(_ job: @escaping @Sendable () -> Output) {
        inFlightCount.add(1, ordering: .relaxed)
        queue.push(job)
    }

    /// The next result in submission order: nil when nothing is in flight, or (without `wait`) when the next
    /// one is not ready yet.
    func next(wait: Bool) -> Output? {
        guard inFlight > 0, let output = queue.pop(wait: wait) else { return nil }
        inFlightCount.subtract(1, ordering: .relaxed)
        return output
    }

    /// Lets the thread finish what was submitted, then waits for it to exit. Idempotent.
    func close() {
        guard queue.close() else { return }
        done.wait()
    }
}

/// The jobs and results between the owner and the worker thread, behind one lock.
private final class JobQueue<Output: Sendable>: Sendable {
    private struct State {
        var jobs: [@Sendable () -> Output] = []
        var results: [Output] = []
        var closed = false
    }
    private let state = Mutex(State())
    /// Signalled when a job or a result is added, or the queue closes. Its lock guards nothing of `state`.
    private let wake = NSCondition()

    func push(_ job: @escaping @Sendable () -> Output) {
        state.withLock { $0.jobs.append(job) }
        signal()
    }

    /// Marks the queue closed; false when it was already.
    func close() -> Bool {
        let first = state.withLock { s in
            defer { s.closed = true }
            return !s.closed
        }
        signal()
        return first
    }

    func pop(wait: Bool) -> Output? {
        wake.lock()
        defer { wake.unlock() }
        while true {
            if let r = state.withLock({ $0.results.isEmpty ? nil : $0.results.removeFirst() }) { return r }
            guard wait else { return nil }
            wake.wait()
        }
    }

    /// The worker thread's loop: until closed and drained.
    func run() {
        while true {
            wake.lock()
            var job: (@Sendable () -> Output)?
            while true {
                let (next, closed) = state.withLock { s in (s.jobs.isEmpty ? nil : s.jobs.removeFirst(), s.closed) }
                if let next {
                    job = next
                    break
                }
                if closed {
                    wake.unlock()
                    return
                }
                wake.wait()
            }
            wake.unlock()
            let output = job!()
            state.withLock { $0.results.append(output) }
            signal()
        }
    }

    private func signal() {
        wake.lock()
        wake.broadcast()
        wake.unlock()
    }
}
