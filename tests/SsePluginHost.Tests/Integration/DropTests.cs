using System.Diagnostics;
using System.Globalization;
using System.Net;
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
/// Dropping a stream (<c>DELETE /_host/sessions/&lt;id&gt;</c>) whose client reads nothing and
/// whose socket buffer is full: the host does not wait for the client to take what is queued.
/// It ends the stream promptly (a direct stream at once, rather than after the short drain a
/// reading client gets), the plugin hears <c>Dropped</c>, and the client, reading at last, sees
/// the end of the stream without the rest of its queue. With direct streams on and off.
/// </summary>
public sealed class DropTests(ITestOutputHelper output)
{
    private const string Path = "/echo";
    private const string Echo = """{ "/echo": { "Plugin": "Faulty", "Type": "EchoService", "History": { "Count": 10 } } }""";
    private const int Count = 200;

    /// <summary>The drain a dropped client that is reading gets (SseSession.DrainTimeout); a direct stream that is not reading is cut before it ends.</summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(2);

    /// <summary>64 KB per event: 200 of them, some 13 MB, are far more than a socket takes.</summary>
    private static readonly string Payload = new('x', 64 * 1024);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Dropping_a_stream_whose_client_is_not_reading_and_whose_socket_is_full_ends_it_promptly_and_tells_the_plugin(bool directStreams)
    {
        // Queues large enough that the stalled client is not dropped as a slow consumer first.
        await using TestHost host = await TestHost.StartAsync(
            Echo,
            $$"""{ "Streams": { "DirectStreams": {{(directStreams ? "true" : "false")}}, "QueueCapacity": 10000, "QueueBytes": 67108864 } }""",
            configure: NoResponseRateLimit);
        Mount mount = host.Services.GetRequiredService<MountTable>().Find(Path)!;
        SseStream watcher = await host.OpenStreamAsync(Path);
        try
        {
            using StalledEventStream stalled = await StalledEventStream.OpenAsync(host.BaseAddress, Path);
            await Eventually.TrueAsync(() => host.ClientCount(Path) == 2 && mount.Sessions.All(s => s.IsAttached));
            SseSession session = mount.Sessions.Single(s => s.SessionId != watcher.SessionId);
            string id = session.SessionId;

            for (int i = 0; i < Count; i++)
            {
                host.Broadcast(Path, "big", i.ToString(CultureInfo.InvariantCulture) + " " + Payload);
            }

            // The writer sends what the socket takes and is then held with the rest queued.
            long written = await Steady.UntilUnchangedAsync(() => session.LastWrittenSequence, s => s > 0, TimeSpan.FromMilliseconds(300));
            Assert.True(written < Count / 2, $"The stalled client's writer got to sequence {written} of {Count}: its socket should be full long before.");
            Assert.True(session.IsConnected, "With these limits the stalled client should not be dropped as a slow consumer.");
            Assert.True(stalled.Available > 0, "The host should have sent the socket what it takes.");
            for (int i = 0; i < Count; i++)
            {
                Assert.StartsWith(i.ToString(CultureInfo.InvariantCulture) + " ", (await watcher.NextAsync("big")).Data, StringComparison.Ordinal);
            }

            Stopwatch sinceDrop = Stopwatch.StartNew();
            using HttpResponseMessage dropped = await host.Client.DeleteAsync($"/_host/sessions/{id}");
            Assert.Equal(HttpStatusCode.OK, dropped.StatusCode);

            Assert.Equal($"{id} Dropped", (await watcher.NextAsync("left", TimeSpan.FromSeconds(5))).Data);
            await Eventually.TrueAsync(() => host.TotalStreams() == 1 && host.ClientCount(Path) == 1, TimeSpan.FromSeconds(5));
            TimeSpan ended = sinceDrop.Elapsed;
            if (directStreams)
            {
                Assert.True(ended < DrainTimeout, $"The dropped direct stream ended {ended} after the drop: one that is not reading should be cut at once, not drained.");
            }

            Assert.Equal(SseDisconnectReason.Dropped, session.Reason);
            Assert.Equal(0, mount.SlowConsumerCount);
            await host.Logs.WaitForAsync(l => l.Contains($"session {id} left (Dropped)", StringComparison.Ordinal), TimeSpan.FromSeconds(5));

            // Reading at last, the client gets what its socket held and then the end of the
            // stream, not the rest of its queue.
            (long read, bool closed) = await stalled.ReadToEndAsync();
            output.WriteLine($"Writer held at sequence {written} of {Count}; stream ended {ended.TotalMilliseconds:F0} ms after the drop; the client then read {read} bytes and {(closed ? "the connection's end" : "the body's last chunk")}.");
            long broadcastBytes = (long)Count * Payload.Length;
            Assert.True(read < broadcastBytes / 2, $"The dropped client read {read} bytes of the {broadcastBytes} broadcast: the rest of its queue should have been discarded.");
        }
        finally
        {
            await watcher.DisposeAsync();
        }

        await Eventually.TrueAsync(() => host.TotalStreams() == 0 && host.ClientCount(Path) == 0);
    }

    /// <summary>
    /// Kestrel's minimum response data rate off: through ASP.NET Core it would otherwise cut the
    /// client that reads nothing after a few seconds, and the drop would find it gone.
    /// </summary>
    private static void NoResponseRateLimit(WebApplicationBuilder builder) =>
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MinResponseDataRate = null);
}
