using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// A plugin's answer goes out as HTTP allows, on both ways in: no body after 204 or 304 (on the
/// direct path one would read as a second, forged response), and a status outside 200 to 599 is
/// the plugin's fault: 500 and a log line.
/// </summary>
public sealed class PluginStatusTests
{
    private const string Status = """{ "/status": { "Plugin": "Faulty", "Type": "StatusService" } }""";
    private const string Forged = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged";

    [Theory]
    [InlineData(204, true)]
    [InlineData(304, true)]
    [InlineData(204, false)]
    [InlineData(304, false)]
    public async Task No_body_follows_204_or_304_even_when_the_plugin_gives_one(int status, bool directStreams)
    {
        await using TestHost host = await TestHost.StartAsync(Status, DirectStreams(directStreams));
        using RawHttpConnection connection = await RawHttpConnection.OpenAsync(host.BaseAddress);

        await connection.SendAsync(RawHttpConnection.EventSourceGet($"/status?status={status}&body={Uri.EscapeDataString(Forged)}", "Connection: close"));
        RawResponseHead head = await connection.ReadHeadAsync();
        string rest = await connection.ReadBodyToEndAsync();

        Assert.Equal(status, head.StatusCode);
        Assert.Equal(string.Empty, rest);
    }

    [Theory]
    [InlineData(99, true)]
    [InlineData(100, true)]
    [InlineData(600, true)]
    [InlineData(-1, false)]
    [InlineData(199, false)]
    [InlineData(1000, false)]
    public async Task A_status_no_HTTP_response_may_have_is_a_500_with_a_log_line(int status, bool directStreams)
    {
        await using TestHost host = await TestHost.StartAsync(Status, DirectStreams(directStreams));
        using RawHttpConnection connection = await RawHttpConnection.OpenAsync(host.BaseAddress);

        await connection.SendAsync(RawHttpConnection.EventSourceGet($"/status?status={status}&body=x", "Connection: close"));
        RawResponseHead head = await connection.ReadHeadAsync();
        string body = await connection.ReadBodyToEndAsync();

        Assert.Equal(500, head.StatusCode);
        Assert.Equal("The service at /status gave an answer with an invalid status.\n", body);
        await host.Logs.WaitForAsync(l => l.Contains($"/status: the plugin answered with status {status}, which no HTTP response may have", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
    }

    private static string DirectStreams(bool on) => $$"""{ "Streams": { "DirectStreams": {{(on ? "true" : "false")}} } }""";
}
