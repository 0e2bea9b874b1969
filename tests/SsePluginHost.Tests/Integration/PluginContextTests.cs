using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SsePluginHost.Operator;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// What the contract's 1.1 additions give a plugin, with the real host and the Faulty plugin's
/// <c>ContextService</c>: the typed <c>SseServiceContext</c>, <c>StartAsync</c> before it
/// serves and <c>StopAsync</c> before it is disposed, <c>BroadcastAsync</c> with the event's id,
/// and events made from UTF-8 bytes.
/// </summary>
public sealed class PluginContextTests
{
    private const string Context = """{ "/ctx": { "Plugin": "Faulty", "Type": "ContextService", "Settings": { "Greeting": "hi" } } }""";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_service_made_from_the_context_alone_gets_its_settings_logger_and_clock_and_is_started_before_it_serves()
    {
        await using TestHost host = await TestHost.StartAsync(Context);

        Assert.Equal($"started greeting=hi year={DateTime.UtcNow.Year}", await host.Client.GetStringAsync("/ctx"));
        Assert.Contains(host.Logs.Lines, l => l.Contains("ContextService started on /ctx", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_mount_answers_503_still_starting_until_StartAsync_has_completed()
    {
        await using TestHost host = await TestHost.StartAsync(
            """{ "/slow": { "Plugin": "Faulty", "Type": "ContextService", "Settings": { "StartDelayMs": "1500" } } }""",
            """{ "Plugins": { "StartWaitSeconds": 0 } }""");

        using HttpResponseMessage early = await host.Client.GetAsync("/slow");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, early.StatusCode);
        Assert.Contains("still starting", await early.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        string body = await Eventually.ValueAsync(
            async () => (await host.Client.GetAsync("/slow")).StatusCode == HttpStatusCode.OK ? await host.Client.GetStringAsync("/slow") : "503",
            v => v != "503", Patience);
        Assert.StartsWith("started ", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_StartAsync_that_throws_fails_its_mount_with_why_and_the_other_mounts_serve()
    {
        await using TestHost host = await TestHost.StartAsync(
            """{ "/bad": { "Plugin": "Faulty", "Type": "FailingStartService" }, "/ctx": { "Plugin": "Faulty", "Type": "ContextService" } }""");

        using HttpResponseMessage bad = await host.Client.GetAsync("/bad");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, bad.StatusCode);
        Assert.Contains("StartAsync of Faulty.FailingStartService threw InvalidOperationException: the database is not there",
            await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.StartsWith("started ", await host.Client.GetStringAsync("/ctx"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_replaced_instance_sees_Stopping_signalled_then_is_stopped_then_disposed_after_its_clients_left()
    {
        await using TestHost host = await TestHost.StartAsync(Context, """{ "ReloadOnChange": false }""");
        await using SseStream client = await host.OpenStreamAsync("/ctx");

        await host.RewriteServicesAsync("""{ "/ctx": { "Plugin": "Faulty", "Type": "ContextService", "Settings": { "Greeting": "hello" } } }""");
        Assert.Equal("reload: replaced /ctx", Run(host.Services.GetRequiredService<ConsoleCommands>(), "reload").TrimEnd());
        await client.WaitForEndAsync(Patience);
        await host.Logs.WaitForAsync(l => l.Contains("ContextService disposed on /ctx", StringComparison.Ordinal), Patience);

        List<string> lines = [.. host.Logs.Lines];
        int stopping = lines.FindIndex(l => l.Contains("ContextService stopping on /ctx: Stopping signalled True", StringComparison.Ordinal));
        int disposed = lines.FindIndex(l => l.Contains("ContextService disposed on /ctx", StringComparison.Ordinal));
        Assert.True(stopping >= 0 && stopping < disposed, string.Join(Environment.NewLine, lines));
        Assert.Equal($"started greeting=hello year={DateTime.UtcNow.Year}", await host.Client.GetStringAsync("/ctx"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task BroadcastAsync_answers_the_id_the_clients_receive_the_event_with(bool directStreams)
    {
        await using TestHost host = await TestHost.StartAsync(Context, $$"""{ "Streams": { "DirectStreams": {{(directStreams ? "true" : "false")}} } }""");
        await using SseStream client = await host.OpenStreamAsync("/ctx");

        string id = await host.Client.GetStringAsync("/ctx?broadcast=news");

        System.Net.ServerSentEvents.SseItem<string> note = await client.NextAsync("note");
        Assert.Equal("news", note.Data);
        Assert.Equal(id, note.EventId);
        Assert.False(string.IsNullOrEmpty(id));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_event_made_from_UTF8_bytes_arrives_as_its_text_with_its_lines(bool directStreams)
    {
        await using TestHost host = await TestHost.StartAsync(Context, $$"""{ "Streams": { "DirectStreams": {{(directStreams ? "true" : "false")}} } }""");
        await using SseStream client = await host.OpenStreamAsync("/ctx");

        string id = await host.Client.GetStringAsync("/ctx?utf8=1");

        System.Net.ServerSentEvents.SseItem<string> bytes = await client.NextAsync("bytes");
        Assert.Equal("é\nline 2", bytes.Data);
        Assert.Equal(id, bytes.EventId);
    }

    private static string Run(ConsoleCommands commands, string line)
    {
        using StringWriter output = new();
        commands.Execute(line, output);
        return output.ToString();
    }
}
