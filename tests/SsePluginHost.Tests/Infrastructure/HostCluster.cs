using System.Globalization;

namespace SsePluginHost.Tests.Infrastructure;

/// <summary>
/// Several host executables that share one Redis (each with its own content root, the example
/// Chat plugin and the same key prefix): one host, many nodes. Disposing stops every node.
/// </summary>
internal sealed class HostCluster : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly List<HostProcess> _nodes = [];

    private HostCluster(string redis, string prefix)
    {
        Redis = redis;
        Prefix = prefix;
    }

    public string Redis { get; }

    public string Prefix { get; }

    public IReadOnlyList<HostProcess> Nodes => _nodes;

    public IReadOnlyList<Uri> Addresses { get; private set; } = [];

    /// <summary>
    /// Starts <paramref name="count"/> nodes; <paramref name="sseHostExtra"/> gives each node's
    /// extra <c>SseHost</c> settings (JSON members, with a leading comma) by its index.
    /// </summary>
    /// <remarks><paramref name="backplaneExtra"/> adds members (with a leading comma) to every node's <c>SseHost:Backplane</c>.</remarks>
    public static async Task<HostCluster> StartAsync(RedisServer redis, int count, Func<int, string>? sseHostExtra = null, string services = """{ "/chat": "Chat" }""",
        string backplaneExtra = "", string plugin = "Chat")
    {
        HostCluster cluster = new(redis.Configuration, "cluster-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            for (int i = 0; i < count; i++)
            {
                cluster._nodes.Add(HostProcess.Start(HostProcess.PrepareContentRoot(cluster.Settings(services, sseHostExtra?.Invoke(i) ?? string.Empty, backplaneExtra), plugin), "--urls", "http://127.0.0.1:0"));
            }

            List<Uri> addresses = [];
            foreach (HostProcess node in cluster._nodes)
            {
                addresses.Add(await node.WaitForAddressAsync(StartTimeout));
            }

            cluster.Addresses = addresses;
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The appsettings.json of a node.</summary>
    public string Settings(string services, string sseHostExtra, string backplaneExtra = "") => string.Create(CultureInfo.InvariantCulture, $$"""
        {
          "Logging": { "LogLevel": { "Default": "Information", "Microsoft": "Warning", "Microsoft.Hosting.Lifetime": "Information", "SsePluginHost.Mounts": "Warning" } },
          "SseHost": {
            "PluginsPath": "plugins",
            "ReloadOnChange": false,
            "Ping": { "Enabled": false },
            "Console": { "Enabled": true },
            "Backplane": { "Redis": "{{Redis}}", "KeyPrefix": "{{Prefix}}"{{backplaneExtra}} },
            "MountDefaults": { "SessionGraceSeconds": 0 },
            "Services": {{services}}{{sseHostExtra}}
          }
        }
        """);

    public async ValueTask DisposeAsync()
    {
        foreach (HostProcess node in _nodes)
        {
            await node.DisposeAsync();
        }
    }
}
