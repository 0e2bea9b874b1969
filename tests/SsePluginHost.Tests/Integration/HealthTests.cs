using System.Net;
using System.Text.Json;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary><c>GET /_host/health</c>: a host without a backplane has nothing to reach and is healthy.</summary>
public sealed class HealthTests
{
    [Fact]
    public async Task A_host_in_process_is_healthy()
    {
        await using TestHost host = await TestHost.StartAsync("""{ "/quiet": { "Plugin": "Faulty", "Type": "SecondService" } }""");

        using HttpResponseMessage answer = await host.Client.GetAsync(new Uri("/_host/health", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("application/json", answer.Content.Headers.ContentType?.MediaType);
        JsonElement report = JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("healthy", report.GetProperty("status").GetString());
        Assert.Equal("in process: no backplane to reach", report.GetProperty("checks").GetProperty("backplane").GetProperty("description").GetString());
    }
}
