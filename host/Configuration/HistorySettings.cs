namespace SsePluginHost.Configuration;

/// <summary>How many broadcasts a mount keeps for replay, and for how long.</summary>
public sealed class HistorySettings
{
    /// <summary>The most events kept; 0 keeps none (every reconnect with an id gets <c>reset</c>).</summary>
    public int Count { get; set; } = 1000;

    /// <summary>Events older than this are dropped from the history; 0 for no age limit.</summary>
    public double MaxAgeSeconds { get; set; } = 600;
}
