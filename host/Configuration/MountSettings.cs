namespace SsePluginHost.Configuration;

/// <summary>
/// Delivery settings of one mount: <c>SseHost:MountDefaults</c> gives them for every mount, and
/// a mount's own entry may override any of them (<c>"/chat": { "Plugin": "Chat", "History": { "Count": 100 } }</c>).
/// </summary>
public sealed class MountSettings
{
    /// <summary>The broadcasts kept for clients that reconnect with <c>Last-Event-ID</c>.</summary>
    public HistorySettings History { get; set; } = new();

    /// <summary>The reconnection delay sent to clients in a <c>retry:</c> field on connect, in milliseconds.</summary>
    public int RetryMilliseconds { get; set; } = 3000;

    /// <summary>
    /// How long a session outlives its connection: a client that reconnects with its session id
    /// within this time gets the same session back. 0 ends the session with the connection.
    /// </summary>
    public double SessionGraceSeconds { get; set; } = 30;

    /// <summary>The most streams this mount serves at once; 0 for no limit of its own.</summary>
    public int MaxStreams { get; set; }

    /// <summary>
    /// The most requests (streams being opened included) the plugin handles at once; past it the
    /// mount answers 503 with <c>Retry-After</c>, so that a plugin that blocks threads costs only
    /// its own mount. 0 for no limit.
    /// </summary>
    public int MaxConcurrentRequests { get; set; } = 64;

    /// <summary>Who may use the mount: anonymous (the default) or JWT, and where the token may come from.</summary>
    public AuthSettings Auth { get; set; } = new();

    /// <summary>Which other origins' pages may use the mount; none by default (same origin only).</summary>
    public CorsSettings Cors { get; set; } = new();

    /// <summary>Limits per client address: stream opens and requests per second, streams at once; none by default.</summary>
    public RateLimitSettings RateLimits { get; set; } = new();

    /// <summary>A copy, for a mount's entry to override.</summary>
    public MountSettings Clone() => new()
    {
        History = new HistorySettings { Count = History.Count, MaxAgeSeconds = History.MaxAgeSeconds },
        RetryMilliseconds = RetryMilliseconds,
        SessionGraceSeconds = SessionGraceSeconds,
        MaxStreams = MaxStreams,
        MaxConcurrentRequests = MaxConcurrentRequests,
        Auth = Auth.Clone(),
        Cors = Cors.Clone(),
        RateLimits = RateLimits.Clone(),
    };

    /// <summary>Says what is out of range, naming the setting, or returns null.</summary>
    public string? Validate()
    {
        List<string> problems = [];
        if (History.Count is < 0 or > 1_000_000)
        {
            problems.Add($"History:Count must be between 0 and 1000000, not {History.Count}");
        }

        if (!(History.MaxAgeSeconds >= 0) || double.IsInfinity(History.MaxAgeSeconds))
        {
            problems.Add($"History:MaxAgeSeconds must be a number of seconds, 0 or more, not {History.MaxAgeSeconds}");
        }

        if (RetryMilliseconds is < 0 or > 3_600_000)
        {
            problems.Add($"RetryMilliseconds must be between 0 and 3600000, not {RetryMilliseconds}");
        }

        if (!(SessionGraceSeconds >= 0) || SessionGraceSeconds > 86_400)
        {
            problems.Add($"SessionGraceSeconds must be between 0 and 86400, not {SessionGraceSeconds}");
        }

        if (MaxConcurrentRequests is < 0 or > 10_000)
        {
            problems.Add($"MaxConcurrentRequests must be between 0 (no limit) and 10000, not {MaxConcurrentRequests}");
        }

        if (MaxStreams < 0)
        {
            problems.Add($"MaxStreams must be 0 (no limit) or more, not {MaxStreams}");
        }

        if (RateLimits.Validate() is { } rateProblem)
        {
            problems.Add(rateProblem);
        }

        if (Cors.Validate("Cors:") is { } corsProblem)
        {
            problems.Add(corsProblem);
        }

        if (Auth.Validate() is { } authProblem)
        {
            problems.Add(authProblem);
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);
    }
}
