using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using SsePluginHost.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// Slowloris: 2,000 connections that each send half a head (the request line and <c>Host</c>,
/// half of them <c>Accept: text/event-stream</c> too, and never the blank line) and then nothing.
/// While the host holds all of them, a normal client opens a stream and gets a broadcast, and
/// plain requests are answered; once the half heads are closed, the host holds no connection and
/// no stream. With direct streams on (the direct path holds the half heads) and off (Kestrel does).
/// </summary>
public sealed class SlowlorisTests(ITestOutputHelper output)
{
    private const string Path = "/echo";
    private const string Echo = """{ "/echo": { "Plugin": "Faulty", "Type": "EchoService" } }""";
    private const int Connections = 2000;
    private const int ConnectAtOnce = 100;

    /// <summary>Generous: the normal client is served promptly, not within a measured time.</summary>
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Two_thousand_half_heads_do_not_keep_a_normal_client_from_being_served_and_leave_nothing_once_closed(bool directStreams)
    {
        // The head timeout well past the test's length, so that every half head is held throughout.
        await using TestHost host = await TestHost.StartAsync(
            Echo,
            $$"""{ "Streams": { "DirectStreams": {{(directStreams ? "true" : "false")}} } }""",
            configure: b => b.WebHost.ConfigureKestrel(k => k.Limits.RequestHeadersTimeout = TimeSpan.FromMinutes(2)));
        using HostConnections connections = new(host);
        List<Socket> halfHeads = new(Connections);
        Stopwatch elapsed = Stopwatch.StartNew();
        try
        {
            for (int i = 0; i < Connections; i += ConnectAtOnce)
            {
                halfHeads.AddRange(await Task.WhenAll(Enumerable.Range(i, ConnectAtOnce).Select(n => SendHalfHeadAsync(host.BaseAddress, n % 2 == 0))));
            }

            await Eventually.TrueAsync(() => connections.Active == Connections, Prompt);
            output.WriteLine($"{Connections} half heads held after {elapsed.ElapsedMilliseconds} ms.");

            await using (SseStream client = await host.OpenStreamAsync(Path))
            {
                await Eventually.TrueAsync(() => host.ClientCount(Path) == 1, Prompt);
                host.Broadcast(Path, "news", "through the crowd");
                Assert.Equal("through the crowd", (await client.NextAsync("news", Prompt)).Data);

                using HttpClient plain = new() { BaseAddress = host.BaseAddress, Timeout = Prompt };
                using HttpResponseMessage mounts = await plain.GetAsync("/_host/mounts");
                Assert.Equal(HttpStatusCode.OK, mounts.StatusCode);
                using HttpResponseMessage status = await plain.GetAsync("/");
                Assert.Equal(HttpStatusCode.OK, status.StatusCode);
            }

            output.WriteLine($"Normal client served after {elapsed.ElapsedMilliseconds} ms.");

            // The half heads are all still held: none was answered or closed meanwhile.
            Assert.All(halfHeads, s => Assert.Equal(0, s.Available));
            Assert.True(connections.Active >= Connections, $"{connections.Active} connections open; the {Connections} half heads should all be held.");
        }
        finally
        {
            foreach (Socket socket in halfHeads)
            {
                socket.Dispose();
            }
        }

        await Eventually.TrueAsync(() => connections.Active == 0 && host.TotalStreams() == 0 && host.ClientCount(Path) == 0, Prompt);
        output.WriteLine($"All closed after {elapsed.ElapsedMilliseconds} ms.");
    }

    /// <summary>Connects and sends a head without its blank line.</summary>
    private static async Task<Socket> SendHalfHeadAsync(Uri baseAddress, bool eventStream)
    {
        Socket socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(10));
            await socket.ConnectAsync(IPAddress.Loopback, baseAddress.Port, timeout.Token);
            string half = $"GET {Path} HTTP/1.1\r\nHost: x\r\n" + (eventStream ? "Accept: text/event-stream\r\n" : string.Empty);
            await socket.SendAsync(Encoding.ASCII.GetBytes(half), SocketFlags.None, timeout.Token);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
