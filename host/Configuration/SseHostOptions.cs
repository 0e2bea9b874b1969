namespace SsePluginHost.Configuration;

/// <summary>The host's settings, read from the <c>SseHost</c> section.</summary>
public sealed class SseHostOptions
{
    /// <summary>The configuration section the options are read from.</summary>
    public const string SectionName = "SseHost";

    /// <summary>The folder plugins are loaded from, relative to the content root.</summary>
    public string PluginsPath { get; set; } = "plugins";

    /// <summary>
    /// Whether a change to appsettings.json is applied to the mounts at once (the console's
    /// <c>reload</c> command does it on demand either way).
    /// </summary>
    public bool ReloadOnChange { get; set; } = true;

    /// <summary>Pinging of idle clients.</summary>
    public PingOptions Ping { get; set; } = new();

    /// <summary>How long to wait for plugin constructors, and when to report a plugin callback that runs long.</summary>
    public PluginOptions Plugins { get; set; } = new();

    /// <summary>Operator commands on standard input.</summary>
    public ConsoleOptions Console { get; set; } = new();

    /// <summary>Per-stream limits.</summary>
    public StreamOptions Streams { get; set; } = new();

    /// <summary>The publish API for other processes: HTTP under <c>/_host/</c>, a Unix socket, UDP.</summary>
    public PublishOptions Publish { get; set; } = new();

    /// <summary>The reverse proxies whose forwarded headers the host believes.</summary>
    public ForwardedHeadersSettings ForwardedHeaders { get; set; } = new();

    /// <summary>What carries events between hosts: nothing (the default) or a shared Redis.</summary>
    public BackplaneOptions Backplane { get; set; } = new();

    /// <summary>Delivery settings for every mount; a mount's entry may override each of them.</summary>
    public MountSettings MountDefaults { get; set; } = new();

    /// <summary>How long a graceful shutdown may take before open streams are cut, in seconds.</summary>
    public double ShutdownTimeoutSeconds { get; set; } = 5;
}
