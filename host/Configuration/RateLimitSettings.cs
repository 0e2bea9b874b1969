namespace SsePluginHost.Configuration;

/// <summary>
/// Limits per client address on one mount (<c>"RateLimits"</c> in a mount's entry or in
/// <c>SseHost:MountDefaults</c>); 0 turns a limit off, and all are off by default. Past a limit an
/// EventSource request is told to come back later (200, <c>retry:</c>, closed: a 429 would make
/// the browser give up for good); any other request gets 429 with <c>Retry-After</c>.
/// </summary>
public sealed class RateLimitSettings
{
    /// <summary>Streams one address may open per second, on average.</summary>
    public double StreamOpensPerSecond { get; set; }

    /// <summary>Streams one address may open at once before <see cref="StreamOpensPerSecond"/> applies; at least 1, by default the rate rounded up.</summary>
    public int StreamOpensBurst { get; set; }

    /// <summary>Requests (streams or not) one address may send per second, on average; bursts of up to twice as many.</summary>
    public double RequestsPerSecond { get; set; }

    /// <summary>Streams one address may hold open at once.</summary>
    public int ConcurrentStreamsPerAddress { get; set; }

    /// <summary>Whether any limit is on.</summary>
    public bool Any => StreamOpensPerSecond > 0 || RequestsPerSecond > 0 || ConcurrentStreamsPerAddress > 0;

    /// <summary>A copy, for a mount's entry to override.</summary>
    public RateLimitSettings Clone() => new()
    {
        StreamOpensPerSecond = StreamOpensPerSecond,
        StreamOpensBurst = StreamOpensBurst,
        RequestsPerSecond = RequestsPerSecond,
        ConcurrentStreamsPerAddress = ConcurrentStreamsPerAddress,
    };

    /// <summary>Says what is out of range, naming the setting, or returns null.</summary>
    public string? Validate()
    {
        List<string> problems = [];
        if (!(StreamOpensPerSecond is >= 0 and <= 100_000))
        {
            problems.Add($"RateLimits:StreamOpensPerSecond must be between 0 (no limit) and 100000, not {StreamOpensPerSecond}");
        }

        if (StreamOpensBurst is < 0 or > 100_000)
        {
            problems.Add($"RateLimits:StreamOpensBurst must be between 0 (the rate, rounded up) and 100000, not {StreamOpensBurst}");
        }

        if (!(RequestsPerSecond is >= 0 and <= 100_000))
        {
            problems.Add($"RateLimits:RequestsPerSecond must be between 0 (no limit) and 100000, not {RequestsPerSecond}");
        }

        if (ConcurrentStreamsPerAddress is < 0 or > 1_000_000)
        {
            problems.Add($"RateLimits:ConcurrentStreamsPerAddress must be between 0 (no limit) and 1000000, not {ConcurrentStreamsPerAddress}");
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);
    }
}
