using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>A bracketed <c>Host</c> gets Kestrel's answer whether direct streams are on or off: 400 for <c>[:]</c>, <c>[::]</c>, <c>[a]</c>; a stream for <c>[::1]</c>.</summary>
public sealed class HostHeaderParityTests
{
    private const string Chat = """{ "/chat": "Chat" }""";

    [Theory]
    [InlineData("[:]")]
    [InlineData("[::]")]
    [InlineData("[a]")]
    [InlineData("[::1]")]
    [InlineData("[::1]:80")]
    public async Task A_bracketed_host_is_answered_alike_on_both_ways_in(string hostValue)
    {
        await using TestHost direct = await TestHost.StartAsync(Chat, """{ "Streams": { "DirectStreams": true } }""");
        await using TestHost aspNet = await TestHost.StartAsync(Chat, """{ "Streams": { "DirectStreams": false } }""");

        int viaDirect = await StatusAsync(direct, hostValue);
        int viaAspNet = await StatusAsync(aspNet, hostValue);

        Assert.Equal(viaAspNet, viaDirect);
        if (hostValue is "[:]" or "[::]" or "[a]")
        {
            Assert.Equal(400, viaDirect);
        }
    }

    private static async Task<int> StatusAsync(TestHost host, string hostValue)
    {
        using RawHttpConnection connection = await RawHttpConnection.OpenAsync(host.BaseAddress);
        await connection.SendAsync($"GET /chat HTTP/1.1\r\nHost: {hostValue}\r\nAccept: text/event-stream\r\n\r\n");
        return (await connection.ReadHeadAsync()).StatusCode;
    }
}
