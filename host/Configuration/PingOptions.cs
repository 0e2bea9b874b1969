namespace SsePluginHost.Configuration;

/// <summary>Pinging of idle clients (<c>SseHost:Ping</c>).</summary>
public sealed class PingOptions
{
    /// <summary>Whether idle clients are pinged.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>A client that received nothing for this many seconds gets a ping.</summary>
    public int IdleSeconds { get; set; } = 60;
}
