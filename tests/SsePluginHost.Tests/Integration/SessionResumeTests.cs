using System.Net;
using System.Net.ServerSentEvents;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>A session outlives its connection for a grace period and can be resumed.</summary>
public sealed class SessionResumeTests
{
    private const string Echo = """{ "/echo": { "Plugin": "Faulty", "Type": "EchoService", "SessionGraceSeconds": 3 } }""";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_client_that_reconnects_within_the_grace_period_gets_the_same_session_and_what_was_sent_while_away(bool withLastEventId)
    {
        await using TestHost host = await TestHost.StartAsync(Echo);
        await using SseStream watcher = await host.OpenStreamAsync("/echo");
        SseStream first = await host.OpenStreamAsync("/echo?state=alice");
        string id = first.SessionId;
        host.Broadcast("/echo", "news", "before");
        SseItem<string> before = await first.NextAsync("news");
        await first.DisposeAsync();

        // While it is away: the plugin still finds it, keeps its state, and can send to it alone.
        await Eventually.TrueAsync(() => !IsAttached(host, id));
        Assert.Equal("alice", (await host.Client.GetStringAsync($"/echo?session={id}&whoami=1")).Trim());
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync($"/echo?session={id}&event=private&data=while-away")).StatusCode);
        host.Broadcast("/echo", "news", "missed");

        Dictionary<string, string> headers = withLastEventId ? new() { ["Last-Event-ID"] = before.EventId! } : [];
        await using SseStream resumed = await host.OpenStreamAsync($"/echo?session={id}", headers);

        Assert.Equal(id, resumed.SessionId);
        Assert.Equal("missed", (await resumed.NextAsync("news")).Data);
        Assert.Equal("while-away", (await resumed.NextAsync("private")).Data);
        host.Broadcast("/echo", "news", "live");
        Assert.Equal("live", (await resumed.NextAsync("news")).Data);
        Assert.Equal("alice", (await host.Client.GetStringAsync($"/echo?session={id}&whoami=1")).Trim());
        Assert.Null(await TryNextOfTypeAsync(watcher, "left", TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task After_the_grace_period_the_plugin_is_told_the_client_left()
    {
        await using TestHost host = await TestHost.StartAsync(
            """{ "/echo": { "Plugin": "Faulty", "Type": "EchoService", "SessionGraceSeconds": 1 } }""");
        await using SseStream watcher = await host.OpenStreamAsync("/echo");
        SseStream leaver = await host.OpenStreamAsync("/echo");
        string id = leaver.SessionId;
        DateTime closedAt = DateTime.UtcNow;

        await leaver.DisposeAsync();

        Assert.Equal($"{id} ClosedByClient", (await watcher.NextAsync("left", TimeSpan.FromSeconds(10))).Data);
        Assert.True(DateTime.UtcNow - closedAt >= TimeSpan.FromSeconds(0.9), "told before the grace period ended");
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync($"/echo?session={id}&whoami=1")).StatusCode);

        await using SseStream fresh = await host.OpenStreamAsync($"/echo?session={id}");
        Assert.NotEqual(id, fresh.SessionId);
    }

    [Fact]
    public async Task A_second_connection_for_a_live_session_takes_it_over()
    {
        await using TestHost host = await TestHost.StartAsync(Echo);
        await using SseStream first = await host.OpenStreamAsync("/echo");

        await using SseStream second = await host.OpenStreamAsync($"/echo?session={first.SessionId}");

        Assert.Equal(first.SessionId, second.SessionId);
        await first.WaitForEndAsync();
        host.Broadcast("/echo", "news", "to the new connection");
        Assert.Equal("to the new connection", (await second.NextAsync("news")).Data);
        Assert.Equal(1, host.ClientCount("/echo"));
    }

    private static bool IsAttached(TestHost host, string sessionId) =>
        host.Services.GetService(typeof(SsePluginHost.Mounts.MountTable)) is SsePluginHost.Mounts.MountTable table
        && table.FindSession(sessionId) is { IsAttached: true };


    private static async Task<SseItem<string>?> TryNextOfTypeAsync(SseStream stream, string type, TimeSpan within)
    {
        DateTime end = DateTime.UtcNow + within;
        while (DateTime.UtcNow < end)
        {
            SseItem<string>? item = await stream.TryNextAsync(end - DateTime.UtcNow);
            if (item?.EventType == type)
            {
                return item;
            }
        }

        return null;
    }
}
