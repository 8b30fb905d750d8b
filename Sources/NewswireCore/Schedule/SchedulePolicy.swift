import Foundation

/// Decides when a feed is fetched next: its interval after a success, exponential backoff with jitter
/// after a failure (never giving up), `Retry-After` when the server asks for it.
public struct SchedulePolicy: Sendable {
    public var poll: DaemonConfig.Poll
    public var backoff: DaemonConfig.Backoff

    public init(poll: DaemonConfig.Poll, backoff: DaemonConfig.Backoff) {
        self.poll = poll
        self.backoff = backoff
    }

    /// Seconds between two polls of a healthy feed: the strictest of what everyone asks, clamped to
    /// [min_interval, max_interval]. Each source is a lower bound: the configured interval (per feed, else
    /// the default), RSS `ttl`, `sy:updatePeriod`/`sy:updateFrequency`, HTTP freshness (`Cache-Control:
    /// max-age`, else `Expires`), and a quarter of the observed gap between the feed's recent items (a feed
    /// that publishes once a day is not polled every 15 minutes).
    public func interval(feed: FeedConfig, hint: PollHint?, httpFreshness: Int? = nil, observedGap: Int? = nil) -> Int {
        var seconds = feed.interval ?? poll.interval
        if let ttl = hint?.ttlMinutes, ttl > 0 { seconds = max(seconds, ttl * 60) }
        if let sy = hint?.syndicationPeriodSeconds, sy > 0 { seconds = max(seconds, sy) }
        if let fresh = httpFreshness, fresh > 0 { seconds = max(seconds, fresh) }
        if let gap = observedGap, gap > 0 { seconds = max(seconds, gap / 4) }
        return min(max(seconds, poll.minInterval), poll.maxInterval)
    }

    /// How long the response stays fresh by its headers: `Cache-Control: max-age` (s-maxage ignored: we
    /// are a private cache), else `Expires` minus `Date` (or now). nil when neither says, or `no-cache`.
    public static func httpFreshness(headers: [String: String], now: Date) -> Int? {
        if let cc = headers["cache-control"]?.lowercased() {
            let directives = cc.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            if directives.contains(where: { $0 == "no-cache" || $0 == "no-store" }) { return nil }
            for d in directives where d.hasPrefix("max-age=") {
                if let v = Int(d.dropFirst(8).trimmingCharacters(in: CharacterSet(charactersIn: "\""))) { return max(0, v) }
            }
        }
        if let expires = headers["expires"].flatMap(HTTPDate.parse) {
            let reference = headers["date"].flatMap(HTTPDate.parse) ?? now
            return max(0, Int(expires.timeIntervalSince(reference)))
        }
        return nil
    }

    /// The median gap between the newest (up to 20) dated items, in seconds; nil with fewer than 3 dates.
    public static func observedGap(dates: [Date]) -> Int? {
        let recent = dates.sorted(by: >).prefix(20)
        guard recent.count >= 3 else { return nil }
        var gaps: [Int] = []
        for (a, b) in zip(recent, recent.dropFirst()) { gaps.append(Int(a.timeIntervalSince(b))) }
        gaps.sort()
        return gaps[gaps.count / 2]
    }

    /// The next due time after a success.
    public func nextAfterSuccess(now: Int, interval: Int, using rng: inout some RandomNumberGenerator) -> Int {
        now + jittered(interval, fraction: poll.jitter, using: &rng)
    }

    /// The next time a feed gone for good (410) is asked again.
    public func nextGoneRecheck(now: Int, using rng: inout some RandomNumberGenerator) -> Int {
        now + jittered(poll.goneRecheck, fraction: poll.jitter, using: &rng)
    }

    /// The delay after the `failures`-th failure in a row: initial × 2^(failures−1), capped, ±10 % jitter.
    public func backoffDelay(failures: Int, using rng: inout some RandomNumberGenerator) -> Int {
        let exponent = min(max(failures - 1, 0), 30)
        let raw = min(Double(backoff.initial) * pow(2, Double(exponent)), Double(backoff.max))
        return min(jittered(Int(raw), fraction: 0.1, using: &rng), backoff.max)
    }

    /// The next due time after a failure; a server's `Retry-After` wins when it asks for longer
    /// (but never beyond the backoff cap).
    public func nextAfterFailure(now: Int, failures: Int, retryAfter: Int? = nil,
                                 using rng: inout some RandomNumberGenerator) -> Int {
        var delay = backoffDelay(failures: failures, using: &rng)
        if let retryAfter { delay = min(max(delay, retryAfter), backoff.max) }
        return now + delay
    }

    private func jittered(_ seconds: Int, fraction: Double, using rng: inout some RandomNumberGenerator) -> Int {
        guard fraction > 0, seconds > 1 else { return seconds }
        let spread = Double(seconds) * fraction
        return max(1, Int((Double(seconds) + Double.random(in: -spread...spread, using: &rng)).rounded()))
    }
}
