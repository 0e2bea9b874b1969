using System.Globalization;
using System.Net.ServerSentEvents;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using SsePluginHost.Abstractions;
using SsePluginHost.Mounts;
using SsePluginHost.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// Twenty clients that never read (a 4 KiB receive buffer, nothing read) and five that read, then
/// a burst of 2,000 events of 8 KiB (some 16 MB, in runs of 100 each read by the readers before
/// the next run): every non-reading client is dropped as a slow consumer (the plugin hears
/// <c>SlowConsumer</c> for each, the mount counts 20), each reader gets all 2,000 events in order,
/// and the managed memory of the process (the host's) stays within a generous bound throughout,
/// far below a copy of the burst per client; a second burst with twenty new stalled clients goes
/// the same way and leaves the memory where the first left it. With direct streams on and off.
/// <see cref="SlowConsumerAndLimitsTests"/> has one stalled client against one reader, event by
/// event, on the default way in; this is many of each, in a burst, on both.
/// </summary>
[Collection(MemoryMeasuringCollection.Name)]
public sealed class StalledClientsInBurstTests(ITestOutputHelper output)
{
    private const string Path = "/echo";
    private const string Echo = """{ "/echo": { "Plugin": "Faulty", "Type": "EchoService", "History": { "Count": 10 } } }""";
    private const int Stalled = 20;
    private const int Readers = 5;
    private const int Events = 2000;
    private const int Run = 100;
    private const long MiB = 1024 * 1024;

    /// <summary>Generous: the burst is some 16 MB; a copy of it per client would be 400 MB.</summary>
    private const long MaxGrowth = 64 * MiB;

    private static readonly string Payload = new('x', 8 * 1024);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Clients_that_stop_reading_during_a_burst_are_dropped_as_slow_consumers_while_readers_get_every_event_in_order(bool directStreams)
    {
        // A 2 MiB queue: a run of 100 events (800 KB) fits a reader's; the burst is far more than a
        // stalled client's queue and socket take. Warnings only: the log capture keeps every line.
        await using TestHost host = await TestHost.StartAsync(
            Echo,
            $$"""{ "Streams": { "DirectStreams": {{(directStreams ? "true" : "false")}}, "QueueBytes": 2097152 } }""",
            """{ "Logging": { "LogLevel": { "Default": "Warning" } } }""",
            NoResponseRateLimit);
        Mount mount = host.Services.GetRequiredService<MountTable>().Find(Path)!;
        List<SseStream> readers = [];
        try
        {
            for (int i = 0; i < Readers; i++)
            {
                readers.Add(await host.OpenStreamAsync(Path));
            }

            ReaderState[] states = [.. readers.Select(r => new ReaderState(r))];
            await Eventually.TrueAsync(() => host.ClientCount(Path) == Readers && mount.Sessions.All(s => s.IsAttached));
            long before = GC.GetTotalMemory(forceFullCollection: true);

            // Two bursts, each with its own stalled clients: the second shows that what the first
            // left (pooled buffers) is not more with each burst.
            long first = await BurstAsync(host, mount, states, 0, 1, before);
            long between = GC.GetTotalMemory(forceFullCollection: true);
            long second = await BurstAsync(host, mount, states, Events, 2, before);
            long after = GC.GetTotalMemory(forceFullCollection: true);
            output.WriteLine(
                $"Managed memory {before / (double)MiB:F1} MiB before, at most {first / (double)MiB:F1} MiB during the first burst, {between / (double)MiB:F1} MiB after it, " +
                $"at most {second / (double)MiB:F1} MiB during the second, {after / (double)MiB:F1} MiB after it.");
            Assert.True(after - between < 8 * MiB, $"Managed memory grew by {(after - between) / (double)MiB:F1} MiB over the second burst, whose stalled clients have all gone.");
            Assert.True(after - before < MaxGrowth / 2, $"Managed memory is {(after - before) / (double)MiB:F1} MiB over what it was before the bursts.");

            // The readers are still served.
            host.Broadcast(Path, "after", "still here");
            foreach (SseStream reader in readers)
            {
                Assert.Equal("still here", (await reader.NextAsync("after")).Data);
            }
        }
        finally
        {
            foreach (SseStream reader in readers)
            {
                await reader.DisposeAsync();
            }
        }

        await Eventually.TrueAsync(() => host.TotalStreams() == 0 && host.ClientCount(Path) == 0);
    }

    /// <summary>
    /// Opens the stalled clients, broadcasts the burst (events numbered from <paramref name="from"/>),
    /// checks what the readers got and that every stalled client was dropped as a slow consumer;
    /// returns the most managed memory measured during the burst.
    /// </summary>
    private async Task<long> BurstAsync(TestHost host, Mount mount, ReaderState[] states, int from, int round, long before)
    {
        List<StalledEventStream> stalled = [];
        try
        {
            for (int i = 0; i < Stalled; i++)
            {
                stalled.Add(await StalledEventStream.OpenAsync(host.BaseAddress, Path));
            }

            await Eventually.TrueAsync(() => host.ClientCount(Path) == Readers + Stalled && mount.Sessions.All(s => s.IsAttached));
            HashSet<string> readerIds = [.. states.Select(r => r.SessionId)];
            HashSet<string> stalledIds = [.. mount.Sessions.Select(s => s.SessionId).Where(id => !readerIds.Contains(id))];
            Assert.Equal(Stalled, stalledIds.Count);

            long peak = 0;
            for (int first = from; first < from + Events; first += Run)
            {
                for (int i = first; i < first + Run; i++)
                {
                    host.Broadcast(Path, "n", i.ToString(CultureInfo.InvariantCulture) + " " + Payload);
                }

                await Task.WhenAll(states.Select(s => s.ReadThroughAsync(first + Run - 1)));
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true));
            }

            // Every stalled client has been dropped as a slow consumer, and the plugin told so.
            await Eventually.TrueAsync(() => mount.SlowConsumerCount == round * Stalled && host.ClientCount(Path) == Readers);
            await Task.WhenAll(states.Select(s => s.ReadLeavesAsync(round * Stalled)));
            foreach (ReaderState state in states)
            {
                Assert.Equal(from + Events, state.Received);
                Assert.Equal(stalledIds.Select(id => $"{id} SlowConsumer").Order(), state.Left.Skip((round - 1) * Stalled).Order());
            }

            Assert.All(mount.Sessions, s => Assert.Contains(s.SessionId, readerIds));
            Assert.All(stalledIds, id => Assert.Null(mount.FindSession(id)));
            output.WriteLine($"Burst {round}: {Events} events of {Payload.Length / 1024} KiB to {Readers} readers and {Stalled} stalled clients, all {Stalled} dropped as slow.");
            Assert.True(peak - before < MaxGrowth, $"Managed memory grew by {(peak - before) / (double)MiB:F1} MiB during burst {round}.");
            return peak;
        }
        finally
        {
            foreach (StalledEventStream socket in stalled)
            {
                socket.Dispose();
            }
        }
    }

    /// <summary>
    /// Kestrel's minimum response data rate off: through ASP.NET Core it would otherwise cut a
    /// client that reads nothing after a few seconds, and the host's own limit would not be tested.
    /// </summary>
    private static void NoResponseRateLimit(WebApplicationBuilder builder) =>
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MinResponseDataRate = null);

    /// <summary>What one reader has read: the numbered events (checked in order as they come) and the <c>left</c> events.</summary>
    private sealed class ReaderState(SseStream stream)
    {
        public string SessionId => stream.SessionId;

        public int Received { get; private set; }

        public List<string> Left { get; } = [];

        /// <summary>Reads until event number <paramref name="last"/> has come, failing on any out of order.</summary>
        public async Task ReadThroughAsync(int last)
        {
            while (Received <= last)
            {
                await TakeAsync();
            }
        }

        /// <summary>Reads until <paramref name="count"/> <c>left</c> events have come.</summary>
        public async Task ReadLeavesAsync(int count)
        {
            while (Left.Count < count)
            {
                await TakeAsync();
            }
        }

        private async Task TakeAsync()
        {
            SseItem<string> item = await stream.NextAsync();
            switch (item.EventType)
            {
                case "n":
                    int number = int.Parse(item.Data.AsSpan(0, item.Data.IndexOf(' ', StringComparison.Ordinal)), NumberStyles.None, CultureInfo.InvariantCulture);
                    Assert.True(number == Received, $"Reader {stream.SessionId} got event {number} where {Received} was due.");
                    Assert.Equal(Payload.Length, item.Data.Length - item.Data.IndexOf(' ', StringComparison.Ordinal) - 1);
                    Received++;
                    break;
                case "left":
                    Assert.EndsWith(" " + nameof(SseDisconnectReason.SlowConsumer), item.Data, StringComparison.Ordinal);
                    Left.Add(item.Data);
                    break;
                default:
                    break;
            }
        }
    }
}
