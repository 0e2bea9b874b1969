using SsePluginHost.Configuration;
using SsePluginHost.RateLimits;

namespace SsePluginHost.Tests.Unit;

/// <summary>Rate-limit settings are checked with messages that name them; the limiters count per address.</summary>
public sealed class RateLimitSettingsTests
{
    [Fact]
    public void Out_of_range_values_are_named()
    {
        string problems = new RateLimitSettings { StreamOpensPerSecond = -1, RequestsPerSecond = double.NaN, ConcurrentStreamsPerAddress = -2, StreamOpensBurst = -3 }.Validate()!;

        Assert.Contains("RateLimits:StreamOpensPerSecond must be between 0 (no limit) and 100000, not -1", problems, StringComparison.Ordinal);
        Assert.Contains("RateLimits:RequestsPerSecond must be between 0 (no limit) and 100000, not NaN", problems, StringComparison.Ordinal);
        Assert.Contains("RateLimits:ConcurrentStreamsPerAddress must be between 0 (no limit) and 1000000, not -2", problems, StringComparison.Ordinal);
        Assert.Contains("RateLimits:StreamOpensBurst must be between 0", problems, StringComparison.Ordinal);
        Assert.Null(new RateLimitSettings().Validate());
        Assert.False(new RateLimitSettings().Any);
    }

    [Fact]
    public async Task Each_address_has_its_own_budget_and_a_stream_s_lease_gives_its_place_back()
    {
        await using MountRateLimits limits = new(new RateLimitSettings { ConcurrentStreamsPerAddress = 1, StreamOpensPerSecond = 1000, StreamOpensBurst = 1000 });

        RateCheck first = limits.Check("192.0.2.1", stream: true);
        RateCheck second = limits.Check("192.0.2.1", stream: true);
        RateCheck elsewhere = limits.Check("192.0.2.2", stream: true);
        RateCheck plain = limits.Check("192.0.2.1", stream: false);

        Assert.NotNull(first.Lease);
        Assert.Equal("concurrent streams per address", second.Exceeded);
        Assert.Null(elsewhere.Exceeded);
        Assert.Null(plain.Exceeded);
        first.Lease!.Dispose();
        RateCheck again = limits.Check("192.0.2.1", stream: true);
        Assert.Null(again.Exceeded);
        again.Lease!.Dispose();
        elsewhere.Lease!.Dispose();
    }

    [Fact]
    public async Task A_token_bucket_lets_its_burst_through_then_says_when_to_come_back()
    {
        await using MountRateLimits limits = new(new RateLimitSettings { StreamOpensPerSecond = 0.5, StreamOpensBurst = 3 });

        for (int i = 0; i < 3; i++)
        {
            Assert.Null(limits.Check("192.0.2.1", stream: true).Exceeded);
        }

        RateCheck over = limits.Check("192.0.2.1", stream: true);
        Assert.Equal("stream opens per second", over.Exceeded);
        Assert.InRange(over.RetryAfterSeconds, 1, 2);
        Assert.Null(limits.Check("192.0.2.1", stream: false).Exceeded);
    }
}
