using Microsoft.Extensions.DependencyInjection;
using SsePluginHost.Admission;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>The fast lane serves only what admission lets it serve exactly, and says at start what it leaves to ASP.NET Core.</summary>
public sealed class FastLaneTests
{
    [Fact]
    public async Task A_mount_with_a_policy_the_fast_lane_cannot_apply_is_served_through_aspnet_core_and_says_so_at_start()
    {
        await using TestHost host = await TestHost.StartAsync(
            """{ "/fast": { "Plugin": "Faulty", "Type": "EchoService" }, "/slow": { "Plugin": "Faulty", "Type": "EchoService", "Settings": { "TestAspNetOnly": "1" } } }""",
            configure: builder => builder.Services.AddSingleton<IMountPolicy, AspNetOnlyPolicy>());

        Assert.Contains(host.Logs.Lines, l => l.Contains("Mount /slow: its streams are served through ASP.NET Core, not straight off the connection: test-aspnet-only", StringComparison.Ordinal));
        Assert.DoesNotContain(host.Logs.Lines, l => l.Contains("Mount /fast: its streams are served through ASP.NET Core", StringComparison.Ordinal));

        using RawHttpConnection fast = await RawHttpConnection.OpenAsync(host.BaseAddress);
        await fast.SendAsync(RawHttpConnection.EventSourceGet("/fast"));
        RawResponseHead fastHead = await fast.ReadHeadAsync();
        using RawHttpConnection slow = await RawHttpConnection.OpenAsync(host.BaseAddress);
        await slow.SendAsync(RawHttpConnection.EventSourceGet("/slow"));
        RawResponseHead slowHead = await slow.ReadHeadAsync();

        Assert.Equal(200, fastHead.StatusCode);
        Assert.Equal("close", fastHead.Get("Connection"));
        Assert.False(fastHead.IsChunked);
        Assert.Equal(200, slowHead.StatusCode);
        Assert.True(slowHead.IsChunked, "a stream through ASP.NET Core is chunked");
        Assert.Equal("text/event-stream", slowHead.Get("Content-Type"));
    }

    [Fact]
    public async Task A_restricted_allowed_hosts_setting_keeps_streams_off_the_fast_lane_and_says_so_at_start()
    {
        await using TestHost host = await TestHost.StartAsync(
            """{ "/echo": { "Plugin": "Faulty", "Type": "EchoService" } }""", rootExtraJson: """{ "AllowedHosts": "127.0.0.1" }""");

        Assert.Contains(host.Logs.Lines, l => l.Contains("Streams are served through ASP.NET Core only, not straight off the connection: AllowedHosts (127.0.0.1)", StringComparison.Ordinal));
        using RawHttpConnection raw = await RawHttpConnection.OpenAsync(host.BaseAddress);
        await raw.SendAsync(RawHttpConnection.EventSourceGet("/echo"));
        RawResponseHead head = await raw.ReadHeadAsync();
        Assert.Equal(200, head.StatusCode);
        Assert.True(head.IsChunked);
    }
}
