using System.Globalization;
using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using SsePluginHost.Abstractions;
using SsePluginHost.Mounts;
using SsePluginHost.Streaming;
using SsePluginHost.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// A replay counts against the client's queue limits and is made of the history's own frames:
/// one that does not fit is a <c>reset</c>, one that fits is delivered whole and then the live
/// events, and clients that ask for a large replay and never read cost no copy of it each (the
/// denial of service this guards against: 20 such sockets once held about 680 MB) and are cut
/// when dropped. Each case runs with direct streams on and off.
/// </summary>
[Collection(MemoryMeasuringCollection.Name)]
public sealed class ReplayWithinLimitsTests(ITestOutputHelper output)
{
    private const string Path = "/echo";
    private const string Services = """{ "/echo": { "Plugin": "Faulty", "Type": "SecondService", "History": { "Count": 1000 } } }""";
    private const int HistoryCount = 1000;
    private const long MiB = 1024 * 1024;

    /// <summary>About 24 KB per event: 1,000 of them make a history of about 24 MB.</summary>
    private static readonly string Payload = new('x', 24 * 1024);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_client_resuming_from_an_early_id_whose_replay_is_over_its_queue_limits_gets_one_reset_then_live_events(bool directStreams)
    {
        await using TestHost host = await TestHost.StartAsync(Services, StreamsJson(directStreams));
        Mount mount = MountOf(host);
        List<string> ids = BroadcastNumbered(mount, 0, HistoryCount);

        // The replay after the fifth event is 995 events of 24 KB: some 24 MB against 4 MiB.
        await using SseStream client = await host.OpenStreamAsync(Path, LastEventId(ids[4]));

        SseItem<string> reset = await client.NextAsync();
        Assert.Equal("reset", reset.EventType);
        JsonElement notice = JsonDocument.Parse(reset.Data).RootElement;
        Assert.Equal(ids[4], notice.GetProperty("lastEventId").GetString());
        Assert.Contains("queue", notice.GetProperty("reason").GetString(), StringComparison.Ordinal);
        await host.Logs.WaitForAsync(
            l => l.Contains($"session {client.SessionId} asked to resume after {ids[4]}", StringComparison.Ordinal) && l.Contains("sent reset", StringComparison.Ordinal),
            TimeSpan.FromSeconds(5));

        for (int i = 0; i < 3; i++)
        {
            host.Broadcast(Path, "live", i.ToString(CultureInfo.InvariantCulture));
        }

        for (int i = 0; i < 3; i++)
        {
            SseItem<string> live = await client.NextAsync();
            Assert.Equal("live", live.EventType);
            Assert.Equal(i.ToString(CultureInfo.InvariantCulture), live.Data);
        }

        Assert.Null(await client.TryNextAsync(TimeSpan.FromMilliseconds(200)));
        Assert.Equal(1, host.ClientCount(Path));
        Assert.Equal(0, mount.SlowConsumerCount);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_replay_within_the_queue_limits_is_delivered_whole_and_in_order_then_live_events_with_no_gap_and_no_duplicate(bool directStreams)
    {
        await using TestHost host = await TestHost.StartAsync(Services, StreamsJson(directStreams));
        Mount mount = MountOf(host);
        List<string> ids = BroadcastNumbered(mount, 0, HistoryCount);

        // After event 899: 100 events of 24 KB, some 2.4 MB, within 4 MiB and 1,024 events.
        const int From = 900;
        const int Live = 20;
        Task<SseStream> opening = host.OpenStreamAsync(Path, LastEventId(ids[From - 1]));

        // Live events race the replay: half while the client connects, half while it is written.
        ids.AddRange(BroadcastNumbered(mount, HistoryCount, Live / 2));
        await using SseStream client = await opening;
        ids.AddRange(BroadcastNumbered(mount, HistoryCount + (Live / 2), Live / 2));

        for (int expected = From; expected < HistoryCount + Live; expected++)
        {
            SseItem<string> item = await client.NextAsync();
            Assert.Equal("n", item.EventType);
            Assert.Equal(expected, Number(item));
            Assert.Equal(ids[expected], item.EventId);
        }

        Assert.Null(await client.TryNextAsync(TimeSpan.FromMilliseconds(200)));
        Assert.DoesNotContain(host.Logs.Lines, l => l.Contains("sent reset", StringComparison.Ordinal));
        Assert.Equal(1, host.ClientCount(Path));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Twenty_stalled_sockets_resuming_from_an_early_id_cost_no_copy_of_the_replay_each_and_are_cut_when_dropped(bool directStreams)
    {
        const int Clients = 20;
        await using TestHost host = await TestHost.StartAsync(
            Services, StreamsJson(directStreams, """, "QueueCapacity": 2000, "QueueBytes": 67108864"""), configure: NoResponseRateLimit);
        Mount mount = MountOf(host);
        List<string> ids = BroadcastNumbered(mount, 0, HistoryCount);

        long before = GC.GetTotalMemory(forceFullCollection: true);
        List<StalledEventStream> sockets = [];
        try
        {
            for (int i = 0; i < Clients; i++)
            {
                sockets.Add(await StalledEventStream.OpenAsync(host.BaseAddress, Path, $"Last-Event-ID: {ids[0]}"));
            }

            await Eventually.TrueAsync(() => host.ClientCount(Path) == Clients && mount.Sessions.All(s => s.IsAttached));

            // Each has its 999-event replay (some 24 MB) queued; each writer sends what its socket
            // takes (a session that has written some replay has a last-written sequence below the
            // head's) and is then held.
            long written = await Steady.UntilUnchangedAsync(
                () => mount.Sessions.Sum(s => s.LastWrittenSequence),
                _ => mount.Sessions.All(s => s.LastWrittenSequence < HistoryCount),
                TimeSpan.FromMilliseconds(300));
            long after = GC.GetTotalMemory(forceFullCollection: true);
            long growth = after - before;
            output.WriteLine($"Managed memory {before / MiB} MiB before the {Clients} clients, {after / MiB} MiB with them: {growth / MiB} MiB more; written up to (sum of sequences) {written}.");

            Assert.True(growth < 100 * MiB, $"Managed memory grew by {growth / MiB} MiB for {Clients} replays of 24 MB: copying them would cost 480 MB or more.");
            Assert.All(mount.Sessions, s => Assert.True(s.LastWrittenSequence < HistoryCount / 2, $"Session {s.SessionId} wrote up to sequence {s.LastWrittenSequence}: its socket should hold only a little of the replay."));
            Assert.Equal(Clients, host.ClientCount(Path));
            Assert.Equal(0, mount.SlowConsumerCount);
            Assert.DoesNotContain(host.Logs.Lines, l => l.Contains("sent reset", StringComparison.Ordinal));
            Assert.All(sockets, s => Assert.True(s.Available > 0, "The host should have sent each socket what it takes."));

            using JsonDocument clients = JsonDocument.Parse(await host.Client.GetStringAsync("/_host/clients/echo"));
            List<string> sessionIds = [.. clients.RootElement.EnumerateArray().Select(c => c.GetProperty("session").GetString()!)];
            Assert.Equal(Clients, sessionIds.Count);
            foreach (string id in sessionIds)
            {
                using HttpResponseMessage dropped = await host.Client.DeleteAsync($"/_host/sessions/{id}");
                Assert.Equal(HttpStatusCode.OK, dropped.StatusCode);
            }

            // None of the sockets has read anything: the host cuts them rather than wait for them.
            await Eventually.TrueAsync(() => host.ClientCount(Path) == 0 && host.TotalStreams() == 0);
            foreach (string id in sessionIds)
            {
                await host.Logs.WaitForAsync(l => l.Contains($"session {id} left (Dropped)", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
            }

            Assert.Equal(0, mount.SlowConsumerCount);
        }
        finally
        {
            foreach (StalledEventStream socket in sockets)
            {
                socket.Dispose();
            }
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_stalled_client_with_a_replay_queued_is_dropped_as_a_slow_consumer_once_live_events_overflow_its_queue_while_a_reading_client_gets_everything(bool directStreams)
    {
        // A replay of 599 events of 24 KB (some 14 MB) within 16 MiB: more than a socket takes,
        // so that most of it is still queued when the live events come.
        const int Replayed = 600;
        const int MaxLive = 1000;
        await using TestHost host = await TestHost.StartAsync(
            Services, StreamsJson(directStreams, """, "QueueBytes": 16777216"""), configure: NoResponseRateLimit);
        Mount mount = MountOf(host);
        List<string> ids = BroadcastNumbered(mount, 0, Replayed);

        await using SseStream reader = await host.OpenStreamAsync(Path, LastEventId(ids[0]));
        for (int expected = 1; expected < Replayed; expected++)
        {
            Assert.Equal(expected, Number(await reader.NextAsync("n")));
        }

        using StalledEventStream stalled = await StalledEventStream.OpenAsync(host.BaseAddress, Path, $"Last-Event-ID: {ids[0]}");
        await Eventually.TrueAsync(() => host.ClientCount(Path) == 2 && mount.Sessions.All(s => s.IsAttached));
        SseSession stalledSession = mount.Sessions.Single(s => s.SessionId != reader.SessionId);
        long held = await Steady.UntilUnchangedAsync(() => stalledSession.LastWrittenSequence, s => s < Replayed, TimeSpan.FromMilliseconds(300));
        Assert.True(held < Replayed / 2, $"The stalled client wrote up to sequence {held} of {Replayed}: most of its replay should still be queued.");

        // Live events, a few at a time (each read by the reader before the next few), until the
        // stalled client's queue is over its limits.
        const int Batch = 8;
        int next = Replayed;
        while (stalledSession.IsConnected && next < Replayed + MaxLive)
        {
            BroadcastNumbered(mount, next, Batch);
            for (int i = 0; i < Batch; i++, next++)
            {
                Assert.Equal(next, Number(await reader.NextAsync("n")));
            }
        }

        output.WriteLine($"The stalled client held at sequence {held}; dropped after {next - Replayed} live events.");
        string dropped = await host.Logs.WaitForAsync(l => l.Contains("dropped as a slow consumer", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        Assert.Contains(stalledSession.SessionId, dropped, StringComparison.Ordinal);
        Assert.Equal(SseDisconnectReason.SlowConsumer, stalledSession.Reason);
        Assert.DoesNotContain(host.Logs.Lines, l => l.Contains("sent reset", StringComparison.Ordinal));

        for (int i = 0; i < 5; i++, next++)
        {
            BroadcastNumbered(mount, next, 1);
            Assert.Equal(next, Number(await reader.NextAsync("n")));
        }

        Assert.Equal(1, host.ClientCount(Path));
        Assert.Equal(1, mount.SlowConsumerCount);
        await Eventually.TrueAsync(() => host.TotalStreams() == 1);
    }

    private static string StreamsJson(bool directStreams, string more = "") =>
        $$"""{ "Streams": { "DirectStreams": {{(directStreams ? "true" : "false")}}{{more}} } }""";

    /// <summary>
    /// Kestrel's minimum response data rate off: through ASP.NET Core it would otherwise cut a
    /// client that reads nothing after a few seconds, before the host's own limits are tested.
    /// </summary>
    private static void NoResponseRateLimit(WebApplicationBuilder builder) =>
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MinResponseDataRate = null);

    private static Mount MountOf(TestHost host) => host.Services.GetRequiredService<MountTable>().Find(Path)!;

    private static Dictionary<string, string> LastEventId(string id) => new() { ["Last-Event-ID"] = id };

    /// <summary>Broadcasts events <c>n</c> numbered from <paramref name="first"/>, each with 24 KB of data; returns their ids.</summary>
    private static List<string> BroadcastNumbered(Mount mount, int first, int count)
    {
        List<string> ids = new(count);
        for (int i = first; i < first + count; i++)
        {
            ids.Add(mount.BroadcastAsync(new SseEvent("n", i.ToString(CultureInfo.InvariantCulture) + " " + Payload)).Result.Id);
        }

        return ids;
    }

    private static int Number(SseItem<string> item) =>
        int.Parse(item.Data.AsSpan(0, item.Data.IndexOf(' ', StringComparison.Ordinal)), NumberStyles.None, CultureInfo.InvariantCulture);
}
