namespace SsePluginHost.Configuration;

/// <summary>
/// What carries each mount's events between hosts (<c>SseHost:Backplane</c>): nothing by default
/// (events stay in this process), or one Redis that several hosts share.
/// </summary>
public sealed class BackplaneOptions
{
    /// <summary>
    /// A StackExchange.Redis configuration string (<c>127.0.0.1:6379</c>,
    /// <c>redis1:6379,password=...,ssl=true</c>); empty (the default) keeps events in this process.
    /// </summary>
    public string Redis { get; set; } = string.Empty;

    /// <summary>What every key and channel name this host uses in Redis starts with, so that several deployments can share one Redis.</summary>
    public string KeyPrefix { get; set; } = "ssehost";

    /// <summary>
    /// How many events each mount keeps for Redis while it is away; they go out, in order, once
    /// it is back. Past that the publish API answers 503 and the mount's clients get a
    /// <c>reset</c> event when Redis is back.
    /// </summary>
    public int OutageBufferEvents { get; set; } = 10_000;

    /// <summary>
    /// How many entries each mount's Redis stream keeps at least (more when its history is
    /// longer), so that a host that is briefly behind catches up instead of resetting its
    /// clients. Replay still gives only what the mount's <c>History</c> allows.
    /// </summary>
    public int StreamLength { get; set; } = 10_000;

    /// <summary>Whether a Redis is configured.</summary>
    public bool UsesRedis => !string.IsNullOrWhiteSpace(Redis);

    /// <summary>Says what is wrong, naming the setting, or returns null.</summary>
    public string? Validate()
    {
        List<string> problems = [];
        if (UsesRedis)
        {
            try
            {
                StackExchange.Redis.ConfigurationOptions.Parse(Redis);
            }
            catch (ArgumentException ex)
            {
                problems.Add($"SseHost:Backplane:Redis is not a StackExchange.Redis configuration string ({ex.Message}).");
            }
        }

        if (string.IsNullOrWhiteSpace(KeyPrefix) || KeyPrefix.Any(char.IsWhiteSpace))
        {
            problems.Add($"SseHost:Backplane:KeyPrefix must be a word without spaces, not '{KeyPrefix}'.");
        }

        if (OutageBufferEvents is < 0 or > 10_000_000)
        {
            problems.Add($"SseHost:Backplane:OutageBufferEvents must be between 0 and 10000000, not {OutageBufferEvents}.");
        }

        if (StreamLength is < 100 or > 10_000_000)
        {
            problems.Add($"SseHost:Backplane:StreamLength must be between 100 and 10000000, not {StreamLength}.");
        }

        return problems.Count == 0 ? null : string.Join(" ", problems);
    }
}
