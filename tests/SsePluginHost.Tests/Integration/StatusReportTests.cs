using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SsePluginHost.Operator;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>The console's <c>list</c>, <c>GET /</c> and <c>GET /_host/mounts</c> render one read model of the mounts.</summary>
public sealed class StatusReportTests
{
    [Fact]
    public async Task Every_report_says_the_same_of_a_serving_a_starting_and_a_failed_mount()
    {
        await using TestHost host = await TestHost.StartAsync(
            """{ "/echo": { "Plugin": "Faulty", "Type": "EchoService" }, "/stuck": { "Plugin": "Faulty", "Type": "HangingCtorService" }, "/broken": { "Plugin": "Faulty", "Type": "ThrowingCtorService" } }""");
        await using SseStream client = await host.OpenStreamAsync("/echo");
        host.Broadcast("/echo", "n", "kept for replay");
        await client.NextAsync("n");

        using StringWriter console = new();
        host.Services.GetRequiredService<ConsoleCommands>().Execute("list", console);
        string[] list = console.ToString().TrimEnd().Split('\n');
        string[] root = (await host.Client.GetStringAsync("/")).TrimEnd().Split('\n');
        using JsonDocument api = JsonDocument.Parse(await host.Client.GetStringAsync("/_host/mounts"));

        Assert.Equal(["/broken", "/echo", "/stuck"], api.RootElement.EnumerateArray().Select(m => m.GetProperty("path").GetString()));
        Assert.Equal(["failed", "serving", "starting"], api.RootElement.EnumerateArray().Select(m => m.GetProperty("state").GetString()));
        JsonElement echo = api.RootElement[1];
        Assert.Equal(1, echo.GetProperty("clients").GetInt32());
        Assert.Equal(1, echo.GetProperty("history").GetInt32());

        Assert.StartsWith("/broken\tFaulty\tFAILED: the constructor of Faulty.ThrowingCtorService threw", list[0], StringComparison.Ordinal);
        Assert.StartsWith("/echo\tFaulty\tFaulty.EchoService", list[1], StringComparison.Ordinal);
        Assert.EndsWith("\t1 clients\t0 dropped as slow", list[1], StringComparison.Ordinal);
        Assert.StartsWith("/stuck\tFaulty\tSTARTING: its plugin is still starting", list[2], StringComparison.Ordinal);

        Assert.Equal("SsePluginHost mounts:", root[0]);
        Assert.StartsWith("/broken\tFaulty\tunavailable: the constructor of Faulty.ThrowingCtorService threw", root[1], StringComparison.Ordinal);
        Assert.Equal("/echo\tFaulty\t1 clients\t0 dropped as slow", root[2]);
        Assert.StartsWith("/stuck\tFaulty\tunavailable: its plugin is still starting", root[3], StringComparison.Ordinal);
        Assert.Equal(api.RootElement[0].GetProperty("error").GetString(), list[0].Split("FAILED: ")[1]);
    }
}
