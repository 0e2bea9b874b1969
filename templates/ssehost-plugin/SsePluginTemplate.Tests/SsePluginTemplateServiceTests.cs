using System.Net;
using System.Net.ServerSentEvents;
using System.Reflection;
using System.Text.Json;

namespace SsePluginTemplate.Tests;

/// <summary>The plugin in a real host: its build output mounted at <c>/sseplugintemplate</c>.</summary>
public sealed class SsePluginTemplateServiceTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>The plugin's DLL in its build output (the test project's build writes it in as metadata).</summary>
    private static string PluginAssembly { get; } =
        typeof(SsePluginTemplateServiceTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "PluginAssembly").Value!;

    [Fact]
    public async Task A_client_is_greeted_and_receives_what_a_request_sends()
    {
        string settings = $$"""
            {
              "SseHost": {
                "Console": { "Enabled": false },
                "Ping": { "Enabled": false },
                "Services": {
                  "/sseplugintemplate": { "Assembly": {{JsonSerializer.Serialize(PluginAssembly)}}, "Settings": { "Greeting": "Hi" } }
                }
              }
            }
            """;
        await using HostProcess host = await HostProcess.StartAsync(settings, Timeout);
        using CancellationTokenSource timeout = new(Timeout);
        using HttpClient http = new(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = host.Address };

        using HttpRequestMessage open = new(HttpMethod.Get, "/sseplugintemplate");
        open.Headers.Accept.ParseAdd("text/event-stream");
        using HttpResponseMessage response = await http.SendAsync(open, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            Assert.Fail($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(timeout.Token)}\n{host.Output}");
        }

        await using Stream body = await response.Content.ReadAsStreamAsync(timeout.Token);
        await using IAsyncEnumerator<SseItem<string>> events = SseParser.Create(body).EnumerateAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);

        // The host's first event is the session's id; then the plugin's greeting.
        SseItem<string> session = await NextAsync(events);
        Assert.Equal("session-id", session.EventType);
        SseItem<string> greeting = await NextAsync(events);
        Assert.Equal("greeting", greeting.EventType);
        Assert.Equal($"Hi, {session.Data}", greeting.Data);

        // Any other request to the mount is the plugin's: it broadcasts the text.
        Assert.Equal("sent to 1", await http.GetStringAsync("/sseplugintemplate?text=hi", timeout.Token));
        SseItem<string> message = await NextAsync(events);
        Assert.Equal("message", message.EventType);
        Assert.Equal("hi", message.Data);
    }

    private static async Task<SseItem<string>> NextAsync(IAsyncEnumerator<SseItem<string>> events)
    {
        Assert.True(await events.MoveNextAsync(), "The stream ended.");
        return events.Current;
    }
}
