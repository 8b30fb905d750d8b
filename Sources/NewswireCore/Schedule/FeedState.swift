import Foundation

/// A feed's HTTP and schedule state, and its state machine: ok, failing with backoff, disabled (410, asked
/// again every `poll.gone_recheck` and enabled when it answers), moved (301/308). Every change after a fetch is one of the methods below, each setting all the fields that
/// outcome decides (miniflux's `model.Feed`: `WithError`, `ResetErrorCounter`, `WithClientResponse`).
/// Times are Unix seconds.
public struct FeedState: Sendable, Equatable {
    public var url: String
    public var title: String?
    public var etag: String?
    public var lastModified: String?
    public var lastStatus: Int?
    public var lastError: String?
    public var lastFetchAt: Int?
    public var lastSuccessAt: Int?
    public var lastNewItemAt: Int?
    public var consecutiveErrors: Int = 0
    public var nextDueAt: Int?
    public var disabled: Bool = false
    /// Where the feed moved for good (301/308), fetched instead of `url` from then on.
    public var currentURL: String?

    public init(url: String) {
        self.url = url
    }

    /// Failing: the last fetch failed and the feed is retried with backoff.
    public var isFailing: Bool { !disabled && consecutiveErrors > 0 }

    /// The conditional GET for this feed: where it lives now, with the validators of the last response.
    public func request(for feed: FeedConfig) -> FetchRequest {
        FetchRequest(url: currentURL ?? feed.url, feedURL: feed.url, etag: etag, lastModified: lastModified,
                     allowFile: feed.allowFile, allowPrivate: feed.allowPrivate)
    }

    /// A fetch of the feed began at `now`.
    mutating func fetchStarted(at now: Int) {
        lastFetchAt = now
    }

    /// Every redirect of the last response was permanent and ended at `location`: the feed is fetched there from
    /// now on. Returns where it was fetched before, or nil when it was there already.
    mutating func movedPermanently(to location: String) -> String? {
        let from = currentURL ?? url
        guard location != from else { return nil }
        currentURL = location == url ? nil : location
        return from
    }

    /// The fetch failed: one more failure in a row, retried after the backoff (or the server's Retry-After).
    /// A 410 disables the feed, and a disabled feed stays so whatever its re-check brings short of an answer:
    /// it is asked again after `poll.gone_recheck`.
    mutating func failed(_ failure: FeedFailure, at now: Int, policy: SchedulePolicy,
                         using rng: inout some RandomNumberGenerator) {
        consecutiveErrors += 1
        lastStatus = failure.status
        lastError = "\(failure.code): \(failure.message)"
        disabled = disabled || failure.disablesFeed
        nextDueAt = disabled ? policy.nextGoneRecheck(now: now, using: &rng)
            : policy.nextAfterFailure(now: now, failures: consecutiveErrors, retryAfter: failure.retryAfter, using: &rng)
    }

    /// Enabled again by hand (`newswired feeds enable`): due at once, its error count cleared.
    public mutating func enable(at now: Int) {
        disabled = false
        consecutiveErrors = 0
        lastError = nil
        nextDueAt = now
    }

    /// A disabled feed whose re-check is due.
    public func recheckDue(at now: Int) -> Bool {
        disabled && (nextDueAt ?? now) <= now
    }

    /// 304: nothing changed. The error count resets; validators the response repeats replace the stored ones.
    mutating func notModified(_ response: FetchResponse, at now: Int, interval: Int, policy: SchedulePolicy,
                              using rng: inout some RandomNumberGenerator) {
        lastStatus = 304
        lastError = nil
        consecutiveErrors = 0
        disabled = false
        lastSuccessAt = now
        etag = response.etag ?? etag
        lastModified = response.lastModified ?? lastModified
        nextDueAt = policy.nextAfterSuccess(now: now, interval: interval, using: &rng)
    }

    /// A document was fetched and stored: the error count resets, the response's validators (or none) are kept
    /// for the next conditional GET, and the feed's title when it has one.
    mutating func fetched(_ response: FetchResponse, title: String?, newItems: Int, at now: Int, interval: Int,
                          policy: SchedulePolicy, using rng: inout some RandomNumberGenerator) {
        lastStatus = response.status
        lastError = nil
        consecutiveErrors = 0
        disabled = false
        lastSuccessAt = now
        if newItems > 0 { lastNewItemAt = now }
        self.title = title ?? self.title
        etag = response.etag
        lastModified = response.lastModified
        nextDueAt = policy.nextAfterSuccess(now: now, interval: interval, using: &rng)
    }
}

/// Where feed states persist, so a restart resumes the schedule. `ItemStore` implements it.
/// The `SET` list of a feed state's upsert (`INSERT ... ON CONFLICT(url) DO UPDATE SET ...`), the same in
/// SQLite and PostgreSQL: every column but the URL takes the new row's value.
let feedStateUpsertAssignments = """
    title = excluded.title, etag = excluded.etag, last_modified = excluded.last_modified,
    last_status = excluded.last_status, last_error = excluded.last_error, last_fetch_at = excluded.last_fetch_at,
    last_success_at = excluded.last_success_at, last_new_item_at = excluded.last_new_item_at,
    consecutive_errors = excluded.consecutive_errors, next_due_at = excluded.next_due_at,
    disabled = excluded.disabled, current_url = excluded.current_url
    """

public protocol FeedStateStorage: AnyObject {
    func feedState(url: String) throws(StoreError) -> FeedState?
    func allFeedStates() throws(StoreError) -> [FeedState]
    func saveFeedState(_ state: FeedState) throws(StoreError)
}
