import Foundation

/// What a finished transfer means for its feed, decided from the transport result and the HTTP status before
/// anything is parsed (miniflux's `response_handler.go`): a document, 304, a failure the schedule backs off
/// from, or a transfer the daemon aborted at shutdown.
public enum FetchOutcome: Sendable {
    /// 2xx: a document to parse.
    case document(FetchResponse)
    /// 304: nothing changed since the validators sent.
    case notModified(FetchResponse)
    /// The feed failed this time: a transport error or an HTTP status that brings no document.
    case failed(FeedFailure)
    /// Stopped at shutdown: says nothing about the feed, whose state stays as it was.
    case aborted(FetchError)

    /// 410 disables the feed; 429 and 503 carry the server's Retry-After; any other status outside 2xx and 304
    /// is an `http` failure.
    public init(_ result: Result<FetchResponse, FetchError>, now: Date) {
        switch result {
        case .failure(let error):
            self = error.code == .aborted
                ? .aborted(error)
                : .failed(FeedFailure(code: error.code.rawValue, message: error.message, elapsedMs: error.elapsedMs))
        case .success(let r):
            switch r.status {
            case 304:
                self = .notModified(r)
            case 200...299:
                self = .document(r)
            case 410:
                self = .failed(FeedFailure(code: "gone", message: "the server says the feed is gone for good (410); feed disabled, asked again after poll.gone_recheck",
                                           status: 410, disablesFeed: true, elapsedMs: r.elapsedMs, bytes: r.body.count))
            case 429, 503:
                self = .failed(FeedFailure(code: "http", message: "HTTP \(r.status)", status: r.status,
                                           retryAfter: FetchOutcome.retryAfterSeconds(r.headers["retry-after"], now: now),
                                           elapsedMs: r.elapsedMs, bytes: r.body.count))
            default:
                self = .failed(FeedFailure(code: "http", message: "HTTP \(r.status)", status: r.status,
                                           elapsedMs: r.elapsedMs, bytes: r.body.count))
            }
        }
    }

    /// Where the feed moved for good: the final URL of a response that reached it only through 301/308 and
    /// ended in 2xx or 3xx.
    public static func permanentMove(_ result: Result<FetchResponse, FetchError>) -> String? {
        guard case .success(let r) = result, (200...399).contains(r.status) else { return nil }
        return r.permanentlyMovedTo
    }

    /// `Retry-After` as seconds from `now`: either delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
    public static func retryAfterSeconds(_ value: String?, now: Date) -> Int? {
        guard let v = value?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
        if let s = Int(v) { return max(0, s) }
        guard let date = HTTPDate.parse(v) else { return nil }
        return max(0, Int(date.timeIntervalSince(now).rounded(.up)))
    }
}

/// Why a fetch of a feed failed, as the schedule and the `fetch` log line need it.
public struct FeedFailure: Sendable, Equatable {
    /// The log's `error_code` and the metric's outcome: a `FetchError.Code`, `gone`, `http` or `parse`.
    public var code: String
    public var message: String
    public var status: Int?
    /// Seconds the server asked to wait (429, 503).
    public var retryAfter: Int?
    /// 410: the feed is disabled, and only asked again after `poll.gone_recheck`.
    public var disablesFeed: Bool
    public var elapsedMs: Int
    public var bytes: Int

    public init(code: String, message: String, status: Int? = nil, retryAfter: Int? = nil, disablesFeed: Bool = false,
                elapsedMs: Int, bytes: Int = 0) {
        self.code = code
        self.message = message
        self.status = status
        self.retryAfter = retryAfter
        self.disablesFeed = disablesFeed
        self.elapsedMs = elapsedMs
        self.bytes = bytes
    }
}
