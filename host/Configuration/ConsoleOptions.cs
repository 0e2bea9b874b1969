namespace SsePluginHost.Configuration;

/// <summary>Operator commands on standard input (<c>SseHost:Console</c>).</summary>
public sealed class ConsoleOptions
{
    /// <summary>Whether the host reads commands from standard input.</summary>
    public bool Enabled { get; set; } = true;
}
