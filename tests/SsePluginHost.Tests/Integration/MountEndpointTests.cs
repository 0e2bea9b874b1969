using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SsePluginHost.Endpoints;
using SsePluginHost.Operator;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>Each mount is an ASP.NET Core endpoint carrying its definition, rebuilt when the mounts change.</summary>
public sealed class MountEndpointTests
{
    [Fact]
    public async Task The_mount_endpoints_follow_a_reload_through_aspnet_core()
    {
        await using TestHost host = await TestHost.StartAsync(
            """{ "/echo": { "Plugin": "Faulty", "Type": "EchoService" } }""", """{ "ReloadOnChange": false, "Streams": { "DirectStreams": false } }""");
        ConsoleCommands commands = host.Services.GetRequiredService<ConsoleCommands>();
        Assert.Equal(["/echo"], MountPaths(host));
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync("/second")).StatusCode);

        await host.RewriteServicesAsync("""{ "/second": { "Plugin": "Faulty", "Type": "EchoService" } }""");
        using (StringWriter output = new())
        {
            commands.Execute("reload", output);
            Assert.Contains("added /second", output.ToString(), StringComparison.Ordinal);
        }

        Assert.Equal(["/second"], MountPaths(host));
        Assert.Equal(HttpStatusCode.Conflict, (await host.Client.GetAsync("/second/below?refuse=409")).StatusCode);
        await using SseStream stream = await host.OpenStreamAsync("/second");
        Assert.NotEmpty(stream.SessionId);
        HttpResponseMessage gone = await host.Client.GetAsync("/echo");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Contains("Nothing is mounted at /echo", await gone.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static string[] MountPaths(TestHost host) =>
        [.. host.Services.GetRequiredService<MountEndpointDataSource>().Endpoints
            .Select(e => e.Metadata.GetMetadata<MountEndpointMetadata>()?.Definition.Path)
            .OfType<string>()
            .Order(StringComparer.Ordinal)];
}
