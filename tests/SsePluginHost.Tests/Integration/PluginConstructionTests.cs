using System.Net;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>What a plugin's constructor is given lives as long as the plugin.</summary>
public sealed class PluginConstructionTests
{
    [Fact]
    public async Task An_IServiceProvider_kept_from_the_constructor_still_serves_the_plugin_on_later_requests()
    {
        await using TestHost host = await TestHost.StartAsync(
            """{ "/p": { "Plugin": "Faulty", "Type": "ProviderService", "Settings": { "Greeting": "hello" } } }""");

        using HttpResponseMessage first = await host.Client.GetAsync("/p");
        using HttpResponseMessage second = await host.Client.GetAsync("/p");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal($"hello at {DateTime.UtcNow.Year}", await first.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
    }
}
