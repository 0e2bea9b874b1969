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

        return problems.Count == 0 ? null : string.Join(" ", problems);
    }
}
