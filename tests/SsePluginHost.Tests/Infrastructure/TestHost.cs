using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SsePluginHost.Tests.Infrastructure;

/// <summary>
/// The real host, in this process, on 127.0.0.1 with an ephemeral port, loading the real plugin
/// DLLs, with its own content root and appsettings.json.
/// </summary>
internal sealed class TestHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private JsonObject _settings = new();

    private TestHost(WebApplication app, Uri baseAddress, CapturedLogs logs, string contentRoot)
    {
        _app = app;
        BaseAddress = baseAddress;
        Logs = logs;
        ContentRoot = contentRoot;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri BaseAddress { get; }

    public CapturedLogs Logs { get; }

    public string ContentRoot { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Starts a host whose <c>SseHost:Services</c> is the given JSON object; pinging, the console
    /// and the session grace period are off unless <paramref name="sseHostExtraJson"/> says otherwise.
    /// <paramref name="rootExtraJson"/>, a JSON object, adds top-level settings (such as
    /// <c>AllowedHosts</c>) to appsettings.json; <paramref name="configure"/> adjusts the builder
    /// after the host has (for what configuration does not reach, such as Kestrel's limits).
    /// </summary>
    public static async Task<TestHost> StartAsync(
        string servicesJson, string? sseHostExtraJson = null, string? rootExtraJson = null, Action<WebApplicationBuilder>? configure = null)
    {
        string contentRoot = TestPaths.NewTempDirectory();
        JsonObject sseHost = new()
        {
            ["PluginsPath"] = TestPaths.PluginsDirectory,
            ["Ping"] = new JsonObject { ["Enabled"] = false },
            ["Console"] = new JsonObject { ["Enabled"] = false },

            // Sessions end with their connection unless a test asks for a grace period, so that
            // tests of leave notifications need not wait for it.
            ["MountDefaults"] = new JsonObject { ["SessionGraceSeconds"] = 0 },
        };
        if (sseHostExtraJson is not null)
        {
            foreach (KeyValuePair<string, JsonNode?> pair in JsonNode.Parse(sseHostExtraJson)!.AsObject().ToList())
            {
                sseHost[pair.Key] = pair.Value?.DeepClone();
            }
        }

        sseHost["Services"] = JsonNode.Parse(servicesJson);
        JsonObject root = new()
        {
            ["Logging"] = new JsonObject { ["LogLevel"] = new JsonObject { ["Default"] = "Debug", ["Microsoft"] = "Warning" } },
            ["SseHost"] = sseHost,
        };
        if (rootExtraJson is not null)
        {
            foreach (KeyValuePair<string, JsonNode?> pair in JsonNode.Parse(rootExtraJson)!.AsObject().ToList())
            {
                root[pair.Key] = pair.Value?.DeepClone();
            }
        }

        await File.WriteAllTextAsync(Path.Combine(contentRoot, "appsettings.json"), root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

        CapturedLogs logs = new();
        WebApplication app = SseHostApplication.Build(
            ["--contentRoot", contentRoot, "--urls", "http://127.0.0.1:0"],
            builder =>
            {
                builder.Logging.ClearProviders().AddProvider(logs);
                configure?.Invoke(builder);
            });
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .First(a => !a.Contains("unix:", StringComparison.Ordinal));
        return new TestHost(app, new Uri(address), logs, contentRoot) { _settings = root };
    }

    /// <summary>Rewrites appsettings.json with another <c>SseHost:Services</c>, as an operator edits it.</summary>
    public Task RewriteServicesAsync(string servicesJson)
    {
        _settings["SseHost"]!["Services"] = JsonNode.Parse(servicesJson);
        return File.WriteAllTextAsync(Path.Combine(ContentRoot, "appsettings.json"), _settings.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Overwrites appsettings.json with any text.</summary>
    public Task WriteSettingsFileAsync(string text) => File.WriteAllTextAsync(Path.Combine(ContentRoot, "appsettings.json"), text);

    /// <summary>The number of clients connected at a mount now.</summary>
    public int ClientCount(string mountPath) =>
        Services.GetRequiredService<SsePluginHost.Mounts.MountTable>().Find(mountPath)?.ClientCount ?? -1;

    /// <summary>The number of streams being written now, over all mounts.</summary>
    public int TotalStreams() => Services.GetRequiredService<SsePluginHost.Mounts.MountTable>().TotalStreams;

    /// <summary>Broadcasts through a mount, as its plugin would.</summary>
    public int Broadcast(string mountPath, string eventType, string data) =>
        Services.GetRequiredService<SsePluginHost.Mounts.MountTable>().Find(mountPath)!.Broadcast(eventType, data);

    /// <summary>Opens an event stream at a path.</summary>
    public Task<SseStream> OpenStreamAsync(string pathAndQuery, IDictionary<string, string>? headers = null) =>
        SseStream.OpenAsync(new Uri(BaseAddress, pathAndQuery), headers);

    /// <summary>Stops the host gracefully, as on SIGTERM.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(15));
            await _app.StopAsync(timeout.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(ContentRoot, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
