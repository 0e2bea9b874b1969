using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// Where the fast lane sits: by default in front of Kestrel, so that a direct stream is never one
/// of Kestrel's connections (which Kestrel's heartbeat walks every second: an idle host's largest
/// cost) while everything else still reaches Kestrel; where Kestrel limits its connections, as
/// Kestrel's connection middleware, so that direct streams count against that limit.
/// </summary>
public sealed class FastLanePlacementTests
{
    private const string Path = "/echo";
    private const string Echo = """{ "/echo": { "Plugin": "Faulty", "Type": "EchoService" } }""";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_direct_stream_is_held_in_front_of_Kestrel_and_other_requests_still_reach_it()
    {
        await using TestHost host = await TestHost.StartAsync(Echo);
        using HostConnections connections = new(host);
        using RawHttpConnection raw = await RawHttpConnection.OpenAsync(host.BaseAddress);
        await raw.SendAsync(RawHttpConnection.EventSourceGet(Path));
        RawResponseHead head = await raw.ReadHeadAsync();
        Assert.Equal("close", head.Get("Connection"));
        await Eventually.TrueAsync(() => host.ClientCount(Path) == 1, Patience);

        Assert.Equal(1, connections.ByFastLane);
        Assert.Equal(0, connections.ByKestrel);

        // A plain request is handed to Kestrel, which answers it and keeps its connection alive.
        using RawHttpConnection plain = await RawHttpConnection.OpenAsync(host.BaseAddress);
        await plain.SendAsync("GET /_host/mounts HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        Assert.Equal(200, (await plain.ReadHeadAsync()).StatusCode);
        await Eventually.TrueAsync(() => connections.ByKestrel == 1 && connections.ByFastLane == 1, Patience);

        host.Broadcast(Path, "news", "still here");
        Assert.Equal("still here", (await raw.NextEventAsync("news")).Data);
    }

    [Fact]
    public async Task Where_Kestrel_limits_its_connections_direct_streams_are_its_connections_and_count_against_the_limit()
    {
        await using TestHost host = await TestHost.StartAsync(
            Echo, configure: b => b.WebHost.ConfigureKestrel(k => k.Limits.MaxConcurrentConnections = 2));
        using HostConnections connections = new(host);
        using RawHttpConnection first = await RawHttpConnection.OpenAsync(host.BaseAddress);
        using RawHttpConnection second = await RawHttpConnection.OpenAsync(host.BaseAddress);
        foreach (RawHttpConnection raw in new[] { first, second })
        {
            await raw.SendAsync(RawHttpConnection.EventSourceGet(Path));
            Assert.Equal("close", (await raw.ReadHeadAsync()).Get("Connection"));
        }

        await Eventually.TrueAsync(() => host.ClientCount(Path) == 2, Patience);
        Assert.Equal(2, connections.ByKestrel);
        Assert.Equal(0, connections.ByFastLane);

        // A third connection is over Kestrel's limit: closed unanswered.
        using Socket third = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using CancellationTokenSource timeout = new(Patience);
        await third.ConnectAsync(IPAddress.Loopback, host.BaseAddress.Port, timeout.Token);
        await third.SendAsync(Encoding.ASCII.GetBytes(RawHttpConnection.EventSourceGet(Path)), SocketFlags.None, timeout.Token);
        int read;
        try
        {
            read = await third.ReceiveAsync(new byte[256], SocketFlags.None, timeout.Token);
        }
        catch (SocketException)
        {
            read = 0;
        }

        Assert.Equal(0, read);
        Assert.Equal(2, host.ClientCount(Path));
    }
}
