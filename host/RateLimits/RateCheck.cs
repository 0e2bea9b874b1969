namespace SsePluginHost.RateLimits;

/// <summary>What a mount's rate limits make of a request: let through (holding a lease for a stream), or over a limit.</summary>
/// <param name="Lease">For a stream let through under a concurrency limit, what to give back when it ends; else <see langword="null"/>.</param>
/// <param name="Exceeded">Which limit was exceeded, for the answer and the log; <see langword="null"/> when let through.</param>
/// <param name="RetryAfterSeconds">How long to wait before trying again, when over a limit.</param>
internal readonly record struct RateCheck(IDisposable? Lease, string? Exceeded, int RetryAfterSeconds = 1)
{
    public static readonly RateCheck Allowed = new(null, null);
}
