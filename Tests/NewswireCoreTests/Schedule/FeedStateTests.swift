import Foundation
import Testing
@testable import NewswireCore

/// The feed's state machine: each outcome sets exactly the fields it decides.
@Suite struct FeedStateTests {
    let policy = SchedulePolicy(poll: DaemonConfig.Poll(), backoff: DaemonConfig.Backoff())
    let now = 1_753_524_000

    func response(_ status: Int, headers: [String: String] = [:]) -> FetchResponse {
        FetchResponse(status: status, headers: headers, body: Data(), effectiveURL: "https://a.example/rss", redirects: 0,
                      elapsedMs: 5)
    }

    @Test func failuresCountUpAndBackOffUntilASuccessResetsThem() {
        var rng = SplitMix64(seed: 3)
        var s = FeedState(url: "https://a.example/rss")
        let failure = FeedFailure(code: "http", message: "HTTP 500", status: 500, elapsedMs: 5)
        s.failed(failure, at: now, policy: policy, using: &rng)
        s.failed(failure, at: now, policy: policy, using: &rng)
        #expect(s.consecutiveErrors == 2 && s.isFailing && !s.disabled)
        #expect(s.lastStatus == 500 && s.lastError == "http: HTTP 500")
        #expect(s.nextDueAt! >= now + 108 && s.nextDueAt! <= now + 132)  // 2 minutes ±10 %
        s.fetched(response(200, headers: ["etag": "\"v2\""]), title: "A", newItems: 1, at: now + 200, interval: 900,
                  policy: policy, using: &rng)
        #expect(!s.isFailing && s.consecutiveErrors == 0 && s.lastError == nil && s.lastStatus == 200)
        #expect(s.etag == "\"v2\"" && s.title == "A" && s.lastNewItemAt == now + 200 && s.lastSuccessAt == now + 200)
    }

    @Test func goneDisablesAndRetryAfterWinsOverTheBackoff() {
        var rng = SplitMix64(seed: 3)
        var s = FeedState(url: "https://a.example/rss")
        guard case .failed(let busy) = FetchOutcome(.success(response(503, headers: ["retry-after": "3600"])), now: Date()) else {
            Issue.record("503 is a failure")
            return
        }
        s.failed(busy, at: now, policy: policy, using: &rng)
        #expect(s.nextDueAt == now + 3600 && !s.disabled)
        guard case .failed(let gone) = FetchOutcome(.success(response(410)), now: Date()) else {
            Issue.record("410 is a failure")
            return
        }
        s.failed(gone, at: now, policy: policy, using: &rng)
        #expect(s.disabled && !s.isFailing && gone.code == "gone")
        let day = policy.poll.goneRecheck, spread = Int(Double(day) * policy.poll.jitter)
        #expect((now + day - spread...now + day + spread).contains(s.nextDueAt!), "asked again in a day")
    }

    /// A gone feed's re-check: anything short of an answer keeps it disabled until the next one; an answer
    /// (a document or a 304) enables it; `enable` makes it due at once.
    @Test func aGoneFeedIsAskedAgainAndEnabledWhenItAnswers() {
        var rng = SplitMix64(seed: 5)
        var s = FeedState(url: "https://a.example/rss")
        let gone = FeedFailure(code: "gone", message: "410", status: 410, disablesFeed: true, elapsedMs: 1)
        s.failed(gone, at: now, policy: policy, using: &rng)
        #expect(!s.recheckDue(at: now + 3600) && s.recheckDue(at: s.nextDueAt!))
        let later = s.nextDueAt!
        s.failed(FeedFailure(code: "http", message: "HTTP 404", status: 404, elapsedMs: 1), at: later, policy: policy, using: &rng)
        #expect(s.disabled && s.nextDueAt! > later + policy.poll.goneRecheck / 2, "still gone: next re-check a day on, not a backoff")
        s.fetched(response(200), title: nil, newItems: 0, at: s.nextDueAt!, interval: 900, policy: policy, using: &rng)
        #expect(!s.disabled && s.consecutiveErrors == 0)

        s.failed(gone, at: now, policy: policy, using: &rng)
        s.notModified(response(304), at: now + 10, interval: 900, policy: policy, using: &rng)
        #expect(!s.disabled)

        s.failed(gone, at: now, policy: policy, using: &rng)
        s.enable(at: now + 5)
        #expect(!s.disabled && s.nextDueAt == now + 5 && s.consecutiveErrors == 0 && s.lastError == nil)
    }

    @Test func notModifiedKeepsValidatorsTheResponseDoesNotRepeat() {
        var rng = SplitMix64(seed: 3)
        var s = FeedState(url: "https://a.example/rss")
        s.etag = "\"v1\""
        s.lastModified = "Sat, 26 Jul 2025 10:00:00 GMT"
        s.consecutiveErrors = 3
        s.notModified(response(304), at: now, interval: 900, policy: policy, using: &rng)
        #expect(s.etag == "\"v1\"" && s.lastModified == "Sat, 26 Jul 2025 10:00:00 GMT")
        #expect(s.consecutiveErrors == 0 && s.lastStatus == 304 && s.lastSuccessAt == now)
    }

    @Test func aPermanentMoveChangesTheRequestOnce() {
        var s = FeedState(url: "https://a.example/rss")
        #expect(s.movedPermanently(to: "https://b.example/rss") == "https://a.example/rss")
        #expect(s.movedPermanently(to: "https://b.example/rss") == nil)
        #expect(s.request(for: FeedConfig(url: "https://a.example/rss")).url == "https://b.example/rss")
        #expect(s.movedPermanently(to: "https://a.example/rss") == "https://b.example/rss")
        #expect(s.currentURL == nil)
    }

    @Test func theOutcomeOfEachStatus() {
        let moved = FetchResponse(status: 200, headers: [:], body: Data(), effectiveURL: "https://b.example/rss",
                                  redirects: 1, permanentlyMovedTo: "https://b.example/rss", elapsedMs: 1)
        #expect(FetchOutcome.permanentMove(.success(moved)) == "https://b.example/rss")
        if case .document = FetchOutcome(.success(moved), now: Date()) {} else { Issue.record("2xx is a document") }
        if case .notModified = FetchOutcome(.success(response(304)), now: Date()) {} else { Issue.record("304") }
        if case .aborted = FetchOutcome(.failure(FetchError(.aborted, "shutdown")), now: Date()) {} else { Issue.record("aborted") }
        guard case .failed(let f) = FetchOutcome(.success(response(404)), now: Date()) else {
            Issue.record("404 is a failure")
            return
        }
        #expect(f == FeedFailure(code: "http", message: "HTTP 404", status: 404, elapsedMs: 5))
    }
}

@Suite struct DueQueueTests {
    @Test func takesWhatIsDueSoonestFirstAndSkipsRescheduledEntries() {
        var q = DueQueue()
        q.schedule("c", at: 30)
        q.schedule("a", at: 10)
        q.schedule("b", at: 20)
        q.schedule("a", at: 40)  // rescheduled: its entry at 10 is stale
        q.remove("c")
        #expect(q.nextDue() == 20)
        #expect(q.takeDue(by: 25).map(\.url) == ["b"])
        #expect(q.count == 1 && q.dueTime(of: "a") == 40 && q.dueTime(of: "b") == nil)
        #expect(q.takeDue(by: 39).isEmpty)
        #expect(q.takeDue(by: 100).map(\.url) == ["a"])
        #expect(q.nextDue() == nil)
    }

    @Test func manyFeedsComeOutInDueOrder() {
        var q = DueQueue()
        var rng = SplitMix64(seed: 9)
        var times: [String: Int] = [:]
        for i in 0..<500 {
            let at = Int(rng.next() % 10_000)
            q.schedule("f\(i)", at: at)
            times["f\(i)"] = at
        }
        let taken = q.takeDue(by: 5_000)
        #expect(taken.map(\.at) == taken.map(\.at).sorted())
        #expect(Set(taken.map(\.url)) == Set(times.filter { $0.value <= 5_000 }.keys))
    }
}
