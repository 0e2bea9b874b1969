using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SsePluginHost.Operator;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>The console's <c>reload</c> and the reload on a change of appsettings.json.</summary>
public sealed class ReloadTests
{
    private const string Before = """
        {
          "/a": { "Plugin": "Faulty", "Type": "EchoService", "Settings": { "Greeting": "v1" } },
          "/keep": { "Plugin": "Faulty", "Type": "EchoService" },
          "/gone": { "Plugin": "Faulty", "Type": "EchoService" }
        }
        """;

    private const string After = """
        {
          "/a": { "Plugin": "Faulty", "Type": "EchoService", "Settings": { "Greeting": "v2" } },
          "/keep": { "Plugin": "Faulty", "Type": "EchoService" },
          "/b": "Clock"
        }
        """;

    [Fact]
    public async Task Reload_replaces_changed_mounts_adds_new_ones_removes_old_ones_and_keeps_the_rest()
    {
        await using TestHost host = await TestHost.StartAsync(Before, """{ "ReloadOnChange": false }""");
        ConsoleCommands commands = host.Services.GetRequiredService<ConsoleCommands>();
        await using SseStream a = await host.OpenStreamAsync("/a");
        Assert.Equal("v1", (await a.NextAsync("greeting")).Data);
        await using SseStream keep = await host.OpenStreamAsync("/keep");
        await using SseStream gone = await host.OpenStreamAsync("/gone");

        await host.RewriteServicesAsync(After);
        string answer = Run(commands, "reload");

        Assert.Equal("reload: replaced /a, added /b, removed /gone", answer.TrimEnd());
        await a.WaitForEndAsync();
        await gone.WaitForEndAsync();
        await using SseStream a2 = await host.OpenStreamAsync("/a");
        Assert.Equal("v2", (await a2.NextAsync("greeting")).Data);
        await using SseStream b = await host.OpenStreamAsync("/b");
        Assert.NotEmpty(b.SessionId);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync("/gone")).StatusCode);

        Assert.False(keep.Completion.IsCompleted);
        HttpResponseMessage stillThere = await host.Client.GetAsync($"/keep?session={keep.SessionId}&data=still");
        Assert.Equal(HttpStatusCode.OK, stillThere.StatusCode);
        Assert.Equal("still", (await keep.NextAsync("echo")).Data);
        Assert.Equal("reload: no changes", Run(commands, "reload").TrimEnd());
    }

    [Fact]
    public async Task A_malformed_file_at_reload_is_refused_and_the_mounts_stay()
    {
        await using TestHost host = await TestHost.StartAsync(Before, """{ "ReloadOnChange": false }""");
        ConsoleCommands commands = host.Services.GetRequiredService<ConsoleCommands>();
        await using SseStream keep = await host.OpenStreamAsync("/keep");

        await host.WriteSettingsFileAsync("""{ "SseHost": { "Services": { "/keep": """);
        string answer = Run(commands, "reload");

        Assert.StartsWith("reload: not reloaded, the mounts stay as they were: cannot read ", answer, StringComparison.Ordinal);
        Assert.Contains("appsettings.json", answer, StringComparison.Ordinal);
        Assert.False(keep.Completion.IsCompleted);
        await using SseStream again = await host.OpenStreamAsync("/gone");
        Assert.NotEmpty(again.SessionId);
    }

    [Fact]
    public async Task A_change_to_the_file_is_applied_by_itself()
    {
        await using TestHost host = await TestHost.StartAsync(Before);

        await host.WriteSettingsFileAsync("""{ "SseHost": { "Services": { "/keep": """);
        await host.Logs.WaitForAsync(l => l.Contains("Configuration not reloaded, the mounts stay as they were", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        await using (SseStream stillServing = await host.OpenStreamAsync("/gone"))
        {
            Assert.NotEmpty(stillServing.SessionId);
        }

        await host.RewriteServicesAsync(After);

        await host.Logs.WaitForAsync(l => l.Contains("Reloaded mounts: replaced /a, added /b", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        await using SseStream b = await host.OpenStreamAsync("/b");
        Assert.NotEmpty(b.SessionId);
    }

    private static string Run(ConsoleCommands commands, string line)
    {
        using StringWriter output = new();
        commands.Execute(line, output);
        return output.ToString();
    }
}
