using System.Net.ServerSentEvents;
using System.Text.Json;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>A <c>Last-Event-ID</c> of junk or a huge number is a position the host never gave: the stream opens with a reset, on both ways in.</summary>
public sealed class HostileLastEventIdTests
{
    private const string Chat = """{ "/chat": "Chat" }""";

    [Theory]
    [InlineData("99999999999999999999999999999999999999", true)]
    [InlineData("-1", true)]
    [InlineData("%00%ff<script>", true)]
    [InlineData("99999999999999999999999999999999999999", false)]
    [InlineData("1733000000000-0", false)]
    public async Task A_position_the_host_never_gave_is_a_reset(string lastEventId, bool directStreams)
    {
        await using TestHost host = await TestHost.StartAsync(Chat, $$"""{ "Streams": { "DirectStreams": {{(directStreams ? "true" : "false")}} } }""");
        await using SseStream stream = await host.OpenStreamAsync("/chat", new Dictionary<string, string> { ["Last-Event-ID"] = lastEventId });

        SseItem<string> reset = await stream.NextAsync("reset");

        Assert.Equal(lastEventId, JsonDocument.Parse(reset.Data).RootElement.GetProperty("lastEventId").GetString());
        host.Broadcast("/chat", "after", "still served");
        Assert.Equal("still served", (await stream.NextAsync("after")).Data);
    }
}
