import Foundation
import Testing
@testable import NewswireCore

@Suite struct SchedulePolicyTests {
    let policy = SchedulePolicy(poll: DaemonConfig.Poll(), backoff: DaemonConfig.Backoff())

    @Test func intervalHonoursFeedConfigHintsAndClamps() {
        #expect(policy.interval(feed: FeedConfig(url: "u"), hint: nil) == 900)
        #expect(policy.interval(feed: FeedConfig(url: "u", interval: 60), hint: nil) == 300)  // min 5m
        #expect(policy.interval(feed: FeedConfig(url: "u", interval: 86_400), hint: nil) == 21_600)  // max 6h
        #expect(policy.interval(feed: FeedConfig(url: "u"), hint: PollHint(ttlMinutes: 60)) == 3600)
        #expect(policy.interval(feed: FeedConfig(url: "u"), hint: PollHint(syndicationPeriodSeconds: 43_200)) == 21_600)
    }

    @Test func backoffDoublesWithJitterUpToTheCap() {
        var rng = SplitMix64(seed: 1)
        for failures in 1...12 {
            let d = policy.backoffDelay(failures: failures, using: &rng)
            let base = min(60 * (1 << (failures - 1)), 21_600)
            #expect(Double(d) >= Double(base) * 0.9 - 1)
            #expect(d <= 21_600)
            #expect(Double(d) <= Double(base) * 1.1 + 1)
        }
        #expect(policy.backoffDelay(failures: 1000, using: &rng) <= 21_600)
    }

    @Test func successJitterStaysWithinTheFraction() {
        var rng = SplitMix64(seed: 7)
        let dues = (0..<200).map { _ in policy.nextAfterSuccess(now: 0, interval: 1000, using: &rng) }
        #expect(dues.allSatisfy { (900...1100).contains($0) })
        #expect(Set(dues).count > 20)  // really spread
    }

    @Test func retryAfterWinsWhenLonger() {
        var rng = SplitMix64(seed: 3)
        #expect(policy.nextAfterFailure(now: 0, failures: 1, retryAfter: 3600, using: &rng) == 3600)
        #expect(policy.nextAfterFailure(now: 0, failures: 1, retryAfter: 999_999, using: &rng) == 21_600)
    }

    @Test func parsesRetryAfterInBothForms() {
        let now = ISOTime.parse("2025-07-26T10:00:00Z")!
        #expect(FetchOutcome.retryAfterSeconds("120", now: now) == 120)
        #expect(FetchOutcome.retryAfterSeconds("Sat, 26 Jul 2025 10:05:00 GMT", now: now) == 300)
        #expect(FetchOutcome.retryAfterSeconds("Saturday, 26-Jul-25 10:01:00 GMT", now: now) == 60)
        #expect(FetchOutcome.retryAfterSeconds("Sat Jul 26 10:00:30 2025", now: now) == 30)
        #expect(FetchOutcome.retryAfterSeconds("Fri, 25 Jul 2025 10:00:00 GMT", now: now) == 0)
        #expect(FetchOutcome.retryAfterSeconds("soon", now: now) == nil)
    }
}

@Suite struct AdaptivePollingTests {
    let policy = SchedulePolicy(poll: DaemonConfig.Poll(), backoff: DaemonConfig.Backoff())
    let now = ISOTime.parse("2025-07-26T10:00:00Z")!

    @Test func httpFreshnessFromCacheControlThenExpires() {
        #expect(SchedulePolicy.httpFreshness(headers: ["cache-control": "public, max-age=3600"], now: now) == 3600)
        #expect(SchedulePolicy.httpFreshness(headers: ["cache-control": "no-cache, max-age=3600"], now: now) == nil)
        #expect(SchedulePolicy.httpFreshness(headers: ["expires": "Sat, 26 Jul 2025 12:00:00 GMT"], now: now) == 7200)
        #expect(SchedulePolicy.httpFreshness(headers: ["expires": "Sat, 26 Jul 2025 12:00:00 GMT",
                                                       "date": "Sat, 26 Jul 2025 11:30:00 GMT"], now: now) == 1800)
        #expect(SchedulePolicy.httpFreshness(headers: ["expires": "0"], now: now) == nil)
        #expect(SchedulePolicy.httpFreshness(headers: [:], now: now) == nil)
    }

    @Test func observedGapIsTheMedianOfRecentGaps() {
        let hourly = (0..<10).map { now.addingTimeInterval(Double(-$0) * 3600) }
        #expect(SchedulePolicy.observedGap(dates: hourly.shuffled()) == 3600)
        #expect(SchedulePolicy.observedGap(dates: Array(hourly.prefix(2))) == nil)
    }

    @Test func theStrictestLowerBoundWinsWithinMinAndMax() {
        let feed = FeedConfig(url: "u")
        #expect(policy.interval(feed: feed, hint: nil, httpFreshness: 1800) == 1800)
        #expect(policy.interval(feed: feed, hint: PollHint(ttlMinutes: 60), httpFreshness: 1800) == 3600)
        #expect(policy.interval(feed: feed, hint: nil, observedGap: 86_400) == 21_600)  // daily feed: capped at max
        #expect(policy.interval(feed: feed, hint: nil, observedGap: 120) == 900)  // busy feed: the configured interval
        #expect(policy.interval(feed: feed, hint: nil, httpFreshness: 10) == 900)
    }
}
