import Foundation
import Metrics
import Prometheus
import Synchronization

/// The daemon's metrics, through swift-metrics (a no-op until `bootstrapPrometheus` is called).
///
/// | metric | type | labels |
/// |---|---|---|
/// | newswired_fetches_total | counter | outcome: ok, not_modified, http, dns, connect, timeout, too_large, tls, parse, gone, … |
/// | newswired_fetch_bytes_total | counter | |
/// | newswired_fetch_duration_seconds | histogram | |
/// | newswired_items_total | counter | kind: new, duplicate, near_duplicate, revision |
/// | newswired_relevant_items_total | counter | topic (one per assigned topic; "none" when relevant without a topic) |
/// | newswired_feeds | gauge | state: ok, failing, disabled |
/// | newswired_schedule_lag_seconds | gauge | how late the most overdue feed was started at the last pass |
/// | newswired_loop_last_tick_timestamp_seconds | gauge | Unix time of the scheduling loop's last tick |
public enum DaemonMetrics {
    /// Installs a Prometheus registry as the metrics backend and returns it (for the /metrics endpoint).
    /// Once per process.
    public static func bootstrapPrometheus() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30),
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }

    static func fetch(outcome: String, bytes: Int, milliseconds: Int) {
        Counter(label: "newswired_fetches_total", dimensions: [("outcome", outcome)]).increment()
        if bytes > 0 { Counter(label: "newswired_fetch_bytes_total").increment(by: bytes) }
        Metrics.Timer(label: "newswired_fetch_duration_seconds").recordMilliseconds(milliseconds)
    }

    static func items(kind: String, count: Int) {
        guard count > 0 else { return }
        Counter(label: "newswired_items_total", dimensions: [("kind", kind)]).increment(by: count)
    }

    static func relevant(topics: [String]) {
        for t in topics.isEmpty ? ["none"] : topics {
            Counter(label: "newswired_relevant_items_total", dimensions: [("topic", t)]).increment()
        }
    }

    static func feeds(ok: Int, failing: Int, disabled: Int) {
        Gauge(label: "newswired_feeds", dimensions: [("state", "ok")]).record(ok)
        Gauge(label: "newswired_feeds", dimensions: [("state", "failing")]).record(failing)
        Gauge(label: "newswired_feeds", dimensions: [("state", "disabled")]).record(disabled)
    }

    /// On PostgreSQL: the feeds this daemon leases now, and whether it writes the cluster's archive.
    static func cluster(leases: Int, archiveWriter: Bool) {
        Gauge(label: "newswired_cluster_leases").record(leases)
        Gauge(label: "newswired_cluster_archive_writer").record(archiveWriter ? 1 : 0)
    }

    static func scheduleLag(seconds: Int) {
        Gauge(label: "newswired_schedule_lag_seconds").record(seconds)
    }

    static func tick(at time: Date) {
        Gauge(label: "newswired_loop_last_tick_timestamp_seconds").record(time.timeIntervalSince1970)
    }
}

/// When the scheduling loop last ticked, and the daemon's alarm then, shared with the health endpoint.
public final class LoopHeartbeat: Sendable {
    private let last = Mutex<UInt64>(DispatchTime.now().uptimeNanoseconds)
    private let currentAlarm = Mutex<String?>(nil)

    public init() {}

    /// A tick of the loop; `alarm` is what the operator must see (the endpoint answers 503 while there is one).
    public func beat(alarm: String? = nil) {
        last.withLock { $0 = DispatchTime.now().uptimeNanoseconds }
        currentAlarm.withLock { $0 = alarm }
    }

    public var alarm: String? { currentAlarm.withLock { $0 } }

    public var secondsSinceLastBeat: Double {
        Double(DispatchTime.now().uptimeNanoseconds - last.withLock { $0 }) / 1e9
    }
}
