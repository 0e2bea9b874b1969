namespace SsePluginHost.Configuration;

/// <summary>The UDP listener (<c>SseHost:Publish:Udp</c>): off unless enabled, loopback unless told otherwise.</summary>
public sealed class UdpOptions
{
    /// <summary>Whether the host listens for datagrams.</summary>
    public bool Enabled { get; set; }

    /// <summary>The address to bind.</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>The port to bind; 0 picks a free one (logged at start).</summary>
    public int Port { get; set; } = 3081;

    /// <summary>Datagrams larger than this are refused and counted.</summary>
    public int MaxDatagramBytes { get; set; } = 8192;

    /// <summary>
    /// UDP carries no authentication: binding an address other than loopback needs this set to
    /// true, on a network where every sender is trusted.
    /// </summary>
    public bool AllowRemote { get; set; }
}
