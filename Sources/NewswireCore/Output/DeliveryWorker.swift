import Foundation
import Logging
import Metrics
import Synchronization

/// Delivers the outbox: a thread of its own, with its own store connection and libcurl handle, POSTs every due
/// delivery of a configured output, one at a time, and records the outcome (`DeliveryPolicy`): delivered rows
/// leave the outbox, failed ones are retried later, expired ones are dead. A row leaves the outbox only after
/// its 2xx, so a crash at any moment resends it, with the same `X-Newswired-Delivery` key, at the next start.
///
/// | metric | type | labels |
/// |---|---|---|
/// | newswired_output_deliveries_total | counter | output; outcome: delivered, failed (to be retried), dead |
/// | newswired_output_delivery_duration_seconds | histogram | output (every attempt) |
/// | newswired_output_delivery_delay_seconds | histogram | output (queued to delivered, whole seconds) |
/// | newswired_output_backlog | gauge | output; state: queued, retrying, dead |
public final class DeliveryWorker: Sendable {
    private struct State {
        var outputs: [OutputConfig]
        var stopping = false
        var woken = false
        var started = false
    }
    private let state: Mutex<State>
    /// Signalled by `wake` and `stop`; its lock guards nothing of `state`.
    private let condition = NSCondition()
    private let done = DispatchSemaphore(value: 0)
    private let stateDirectory: URL
    private let fetchOptions: FetchOptions
    /// How often the thread looks for due deliveries when nothing wakes it, seconds.
    private let pollSeconds: Double

    /// `fetch`: the config's fetch section, for the User-Agent and the connect timeout.
    public init(stateDirectory: URL, outputs: [OutputConfig], fetch: DaemonConfig.Fetch, pollSeconds: Double = 1) {
        state = Mutex(State(outputs: outputs))
        self.stateDirectory = stateDirectory
        fetchOptions = FetchOptions(fetch)
        self.pollSeconds = pollSeconds
    }

    /// Starts the thread (once).
    public func start() {
        guard state.withLock({ s in defer { s.started = true }; return !s.started }) else { return }
        let thread = Thread { [self] in
            run()
            done.signal()
        }
        thread.name = "deliver"
        thread.start()
    }

    /// New outputs after a reload: deliveries of an output no longer configured wait in the outbox.
    public func update(outputs: [OutputConfig]) {
        state.withLock { $0.outputs = outputs }
        wake()
    }

    /// New deliveries were committed: look now rather than at the next poll.
    public func wake() {
        state.withLock { $0.woken = true }
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    /// Stops the thread: a POST in flight is aborted (the delivery stays queued, unattempted) and the thread joined.
    public func stop() {
        let started = state.withLock { s in
            s.stopping = true
            return s.started
        }
        wake()
        if started { done.wait() }
    }

    private var stopping: Bool { state.withLock { $0.stopping } }

    private func run() {
        let log = Logger(label: "output")
        let store: ItemStore
        do {
            store = try ItemStore(stateDirectory: stateDirectory)
        } catch {
            log.error("delivery", metadata: ["error": "\(error)", "reason": "no store connection: nothing is delivered until a restart"])
            return
        }
        let fetcher = Fetcher(options: fetchOptions)
        var storeFailing = false
        var lastBacklog = DispatchTime(uptimeNanoseconds: 0)
        while !stopping {
            var more = false
            do {
                more = try sweep(store: store, fetcher: fetcher, log: log)
                if storeFailing { log.notice("delivery", metadata: ["recovered": "true"]) }
                storeFailing = false
            } catch {
                if !storeFailing {
                    log.error("delivery", metadata: ["error": "\(error)", "reason": "the outbox cannot be read or updated; retried"])
                }
                storeFailing = true
            }
            if DispatchTime.now().uptimeNanoseconds - lastBacklog.uptimeNanoseconds > 5_000_000_000 {
                lastBacklog = .now()
                publishBacklog(store: store)
            }
            if !more { waitForWork() }
        }
        publishBacklog(store: store)
    }

    private func waitForWork() {
        condition.lock()
        let deadline = Date().addingTimeInterval(pollSeconds)
        while !state.withLock({ s in defer { s.woken = false }; return s.woken || s.stopping }) {
            if !condition.wait(until: deadline) { break }
        }
        condition.unlock()
    }

    /// Attempts every delivery due now (at most a batch of them); true when more may be due.
    @discardableResult
    func sweep(store: some OutboxStorage, fetcher: Fetcher, log: Logger) throws(StoreError) -> Bool {
        let outputs = state.withLock { $0.outputs }
        guard !outputs.isEmpty else { return false }
        let byName = Dictionary(outputs.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let due = try store.dueDeliveries(at: Int(Date().timeIntervalSince1970), outputs: outputs.map(\.name), limit: 32)
        for d in due {
            if stopping { return false }
            guard let o = byName[d.output] else { continue }
            try attempt(d, output: o, store: store, fetcher: fetcher, log: log)
        }
        return due.count == 32
    }

    /// Delivers what is due once, on the calling thread, without waiting for retries (`newswired once`).
    public func deliverDueOnce() {
        let log = Logger(label: "output")
        do {
            let store = try ItemStore(stateDirectory: stateDirectory)
            let fetcher = Fetcher(options: fetchOptions)
            while try sweep(store: store, fetcher: fetcher, log: log) {}
            publishBacklog(store: store)
        } catch {
            log.error("delivery", metadata: ["error": "\(error)", "reason": "the outbox cannot be read or updated"])
        }
    }

    private func attempt(_ d: Delivery, output o: OutputConfig, store: some OutboxStorage, fetcher: Fetcher,
                         log: Logger) throws(StoreError) {
        // Claimed first: a newer item of the story no longer replaces what this key carries. A delivery replaced
        // since it was read is read again at the next sweep.
        guard try store.claim(key: d.key, version: d.version) else { return }
        let body = OutputPayload.body(key: d.key, sentAt: Date(), members: d.payload)
        var headers = ["X-Newswired-Delivery: \(d.key)", "X-Newswired-Event: \(d.event.rawValue)"]
        if let secret = o.secret {
            headers.append("X-Newswired-Signature-256: \(OutputPayload.signature(body: body, secret: secret))")
        }
        let request = FetchRequest(url: o.url, allowPrivate: o.allowPrivate,
                                   post: PostBody(body: body, headers: headers, timeout: o.timeout))
        var result: Result<FetchResponse, FetchError> = .failure(FetchError(.transport, "no response"))
        let started = DispatchTime.now()
        fetcher.fetch([request], control: { self.stopping ? .abortAll : .proceed }) { _, r in result = r }
        let ms = Int((DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1_000_000)
        let now = Date()
        let status: Int?, retryAfter: Int?, error: String
        switch result {
        case .success(let r):
            status = r.status
            retryAfter = FetchOutcome.retryAfterSeconds(r.headers["retry-after"], now: now)
            error = "HTTP \(r.status)"
        case .failure(let e):
            if e.code == .aborted { return }  // at shutdown: sent again at the next start
            status = nil
            retryAfter = nil
            error = e.description
        }
        Metrics.Timer(label: "newswired_output_delivery_duration_seconds", dimensions: [("output", o.name)]).recordMilliseconds(ms)
        let attempts = d.attempts + 1
        var meta: Logger.Metadata = [
            "output": .string(o.name), "delivery": .string(d.key), "kind": .string(d.event.rawValue),
            "item": .string(d.itemID), "story": .string(d.story), "attempt": "\(attempts)", "ms": "\(ms)",
        ]
        if let status { meta["status"] = "\(status)" }
        let decision = DeliveryPolicy.decide(status: status, retryAfter: retryAfter, attempts: attempts,
                                             createdAt: d.createdAt, now: Int(now.timeIntervalSince1970),
                                             output: o, random: Double.random(in: 0..<1))
        switch decision {
        case .delivered:
            _ = try store.deliveryDone(key: d.key, version: d.version)
            Metrics.Timer(label: "newswired_output_delivery_delay_seconds", dimensions: [("output", o.name)])
                .recordSeconds(max(0, Int(now.timeIntervalSince1970) - d.createdAt))
            meta["outcome"] = "delivered"
            Counter(label: "newswired_output_deliveries_total", dimensions: [("output", o.name), ("outcome", "delivered")]).increment()
            log.info("delivery", metadata: meta)
        case .retry(let at):
            try store.deliveryFailed(key: d.key, attempts: attempts, nextAt: at, error: error, dead: false)
            meta["outcome"] = "retry"
            meta["error"] = .string(error)
            meta["retry_at"] = .string(ISOTime.format(Date(timeIntervalSince1970: TimeInterval(at))))
            Counter(label: "newswired_output_deliveries_total", dimensions: [("output", o.name), ("outcome", "failed")]).increment()
            log.warning("delivery", metadata: meta)
        case .dead:
            try store.deliveryFailed(key: d.key, attempts: attempts, nextAt: d.nextAt, error: error, dead: true)
            meta["outcome"] = "dead"
            meta["error"] = .string(error)
            meta["reason"] = .string("still failing \(Durations.format(o.maxAge)) after it was queued; `newswired outputs retry` replays it")
            Counter(label: "newswired_output_deliveries_total", dimensions: [("output", o.name), ("outcome", "dead")]).increment()
            log.error("delivery", metadata: meta)
        }
    }

    /// The backlog gauges, zero for a configured output with nothing waiting.
    private func publishBacklog(store: some OutboxStorage) {
        guard let rows = try? store.outboxBacklog() else { return }
        var backlog = Dictionary(rows.map { ($0.output, $0) }, uniquingKeysWith: { a, _ in a })
        for o in state.withLock({ $0.outputs }) where backlog[o.name] == nil { backlog[o.name] = OutputBacklog(output: o.name) }
        for b in backlog.values {
            Gauge(label: "newswired_output_backlog", dimensions: [("output", b.output), ("state", "queued")]).record(b.queued)
            Gauge(label: "newswired_output_backlog", dimensions: [("output", b.output), ("state", "retrying")]).record(b.retrying)
            Gauge(label: "newswired_output_backlog", dimensions: [("output", b.output), ("state", "dead")]).record(b.dead)
        }
    }
}
