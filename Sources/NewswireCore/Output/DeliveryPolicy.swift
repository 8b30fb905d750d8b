import Foundation

/// What one attempt's outcome means for a delivery: done, retried when, or given up (dead).
public enum DeliveryPolicy {
    public enum Decision: Equatable, Sendable {
        case delivered
        case retry(at: Int)
        case dead
    }

    /// `status`: the HTTP status, nil when no response came (timeout, refused, blocked address). Only a 2xx is
    /// delivered; anything else is retried after `retry_initial` doubled per attempt, ±20 % jitter, at most
    /// `retry_max`, or after `Retry-After` on 429/503 (whatever the backoff says); never past `created + max_age`,
    /// where the last attempt is made, and a failure then is dead.
    public static func decide(status: Int?, retryAfter: Int?, attempts: Int, createdAt: Int, now: Int,
                              output: OutputConfig, random: Double) -> Decision {
        if let status, (200...299).contains(status) { return .delivered }
        let deadline = createdAt + output.maxAge
        if now >= deadline { return .dead }
        var delay: Double
        if let status, status == 429 || status == 503, let retryAfter {
            delay = Double(max(1, retryAfter))
        } else {
            let exponent = min(max(attempts - 1, 0), 30)
            let base = min(Double(output.retryMax), Double(output.retryInitial) * pow(2, Double(exponent)))
            delay = max(1, base * (0.8 + 0.4 * random))
        }
        return .retry(at: min(now + Int(delay.rounded(.up)), deadline))
    }
}
