/// The one backoff of bkcc: how long to wait before attempt `attempt + 1` of a request the server did nothing
/// with (never reached, rate limited, or a read that got no answer).
public enum Backoff {
    /// The most a server's `Retry-After` is honoured for; a larger value is cut to it.
    public static let maxRetryAfter = Duration.seconds(60)

    /// Exponential with jitter: 200 ms, 400 ms, 800 ms … capped at 10 s, a random point in the upper half of it
    /// (so that many clients refused at once do not come back at once, yet each waits at least half the step).
    /// `retryAfter` (seconds, from the server) wins when given, capped at `maxRetryAfter`.
    public static func delay(afterAttempt attempt: Int, retryAfter: Int? = nil) -> Duration {
        if let retryAfter { return min(.seconds(max(retryAfter, 0)), maxRetryAfter) }
        let ceiling = min(10_000, 200 << min(max(attempt - 1, 0), 10))
        return .milliseconds(Int.random(in: ceiling / 2...ceiling))
    }
}

extension Duration {
    /// Whole milliseconds, rounded down; negative durations are 0.
    var wholeMilliseconds: Int {
        max(0, Int(components.seconds) * 1000 + Int(components.attoseconds / 1_000_000_000_000_000))
    }
}
