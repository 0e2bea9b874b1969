namespace SsePluginHost.Configuration;

/// <summary>How the host waits for and watches its plugins (<c>SseHost:Plugins</c>).</summary>
public sealed class PluginOptions
{
    /// <summary>
    /// How long the host, at start and on a reload, waits for plugin constructors before it goes
    /// on without them; a mount whose constructor has not returned answers 503 until it does.
    /// </summary>
    public double StartWaitSeconds { get; set; } = 1;

    /// <summary>A plugin callback or constructor that runs longer than this is reported in the log.</summary>
    public double WatchdogSeconds { get; set; } = 5;

    /// <summary>
    /// Whether the host watches the mounts' plugin DLLs and loads a new build copied over one (or
    /// a file that appears for a mount that failed) without a restart.
    /// </summary>
    public bool WatchFiles { get; set; } = true;

    /// <summary>
    /// How long apart the looks at the plugin DLLs are, once the file system notified a change in
    /// their folder (or always, with <see cref="PollFiles"/>); a new build is loaded once its file
    /// has been quiet for one more look.
    /// </summary>
    public double WatchIntervalSeconds { get; set; } = 1;

    /// <summary>
    /// Whether the plugin DLLs are looked at every <see cref="WatchIntervalSeconds"/> instead of
    /// after the file system's change notifications: for file systems that send none (some
    /// network file systems).
    /// </summary>
    public bool PollFiles { get; set; }

    /// <summary>Says what is out of range, naming the setting, or returns null.</summary>
    public string? Validate()
    {
        List<string> problems = [];
        if (!(StartWaitSeconds is >= 0 and <= 600))
        {
            problems.Add($"SseHost:Plugins:StartWaitSeconds must be between 0 and 600, not {StartWaitSeconds}.");
        }

        if (!(WatchdogSeconds is >= 0.1 and <= 3600))
        {
            problems.Add($"SseHost:Plugins:WatchdogSeconds must be between 0.1 and 3600, not {WatchdogSeconds}.");
        }

        if (!(WatchIntervalSeconds is >= 0.1 and <= 3600))
        {
            problems.Add($"SseHost:Plugins:WatchIntervalSeconds must be between 0.1 and 3600, not {WatchIntervalSeconds}.");
        }

        return problems.Count == 0 ? null : string.Join(" ", problems);
    }
}
