namespace SsePluginHost.Configuration;

/// <summary>The publish API for other processes (<c>SseHost:Publish</c>).</summary>
public sealed class PublishOptions
{
    /// <summary>Whether the API under <c>/_host/</c> answers at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The bearer token the API requires (<c>Authorization: Bearer TOKEN</c>); set it in the
    /// environment as <c>SseHost__Publish__Token</c>. Without one the API answers only callers on
    /// loopback and on the Unix socket.
    /// </summary>
    public string? Token { get; set; }

    /// <summary>The Unix domain socket that serves the same API (and the mounts).</summary>
    public UnixSocketOptions UnixSocket { get; set; } = new();

    /// <summary>The optional UDP listener: one datagram, one event.</summary>
    public UdpOptions Udp { get; set; } = new();
}
