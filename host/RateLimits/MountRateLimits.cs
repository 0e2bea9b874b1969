using System.Threading.RateLimiting;
using SsePluginHost.Configuration;

namespace SsePluginHost.RateLimits;

/// <summary>
/// One mount's limits per client address (<see cref="RateLimitSettings"/>), as partitioned
/// limiters of <c>System.Threading.RateLimiting</c>: a token bucket for requests, one for stream
/// opens, and a concurrency limit whose lease a stream holds while it lasts. Partitions of
/// addresses that have gone quiet are let go by the limiters themselves.
/// </summary>
internal sealed class MountRateLimits : IAsyncDisposable
{
    private readonly PartitionedRateLimiter<string>? _requests;
    private readonly PartitionedRateLimiter<string>? _opens;
    private readonly PartitionedRateLimiter<string>? _concurrent;

    public MountRateLimits(RateLimitSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.RequestsPerSecond > 0)
        {
            _requests = Bucket(settings.RequestsPerSecond, (int)Math.Ceiling(settings.RequestsPerSecond * 2));
        }

        if (settings.StreamOpensPerSecond > 0)
        {
            _opens = Bucket(settings.StreamOpensPerSecond, settings.StreamOpensBurst > 0 ? settings.StreamOpensBurst : (int)Math.Ceiling(settings.StreamOpensPerSecond));
        }

        if (settings.ConcurrentStreamsPerAddress > 0)
        {
            int permits = settings.ConcurrentStreamsPerAddress;
            _concurrent = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetConcurrencyLimiter(address,
                _ => new ConcurrencyLimiterOptions { PermitLimit = permits, QueueLimit = 0 }));
        }
    }

    /// <summary>Checks a request from an address (a stream, or any other request); a stream let through may hold a lease.</summary>
    public RateCheck Check(string address, bool stream)
    {
        if (_requests is not null && Refused(_requests.AttemptAcquire(address), out int requestsRetry))
        {
            return new RateCheck(null, "requests per second", requestsRetry);
        }

        if (!stream)
        {
            return RateCheck.Allowed;
        }

        if (_opens is not null && Refused(_opens.AttemptAcquire(address), out int opensRetry))
        {
            return new RateCheck(null, "stream opens per second", opensRetry);
        }

        if (_concurrent is null)
        {
            return RateCheck.Allowed;
        }

        RateLimitLease lease = _concurrent.AttemptAcquire(address);
        if (!lease.IsAcquired)
        {
            lease.Dispose();
            return new RateCheck(null, "concurrent streams per address", 1);
        }

        return new RateCheck(lease, null);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (PartitionedRateLimiter<string>? limiter in new[] { _requests, _opens, _concurrent })
        {
            if (limiter is not null)
            {
                await limiter.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>A token bucket per address: <paramref name="perSecond"/> tokens a second (in tenths), up to <paramref name="burst"/>.</summary>
    private static PartitionedRateLimiter<string> Bucket(double perSecond, int burst)
    {
        // Replenished ten times a second, so that a rate below 1 or with a fraction works.
        int perTenth = Math.Max(1, (int)Math.Round(perSecond / 10));
        TimeSpan period = TimeSpan.FromSeconds(perTenth / perSecond);
        return PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetTokenBucketLimiter(address,
            _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = Math.Max(1, burst),
                TokensPerPeriod = perTenth,
                ReplenishmentPeriod = period,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    /// <summary>Whether a lease was refused, and how long its limiter says to wait (1 s at least).</summary>
    private static bool Refused(RateLimitLease lease, out int retryAfterSeconds)
    {
        using (lease)
        {
            retryAfterSeconds = lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan retry) ? Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)) : 1;
            return !lease.IsAcquired;
        }
    }
}
