using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SsePluginHost.Mounts;
using SsePluginHost.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// A stream over a mount's limit is answered <c>200 text/event-stream</c> with only a retry delay
/// and ends, because an EventSource gives up for good on any other status: on the wire, and in a
/// real browser (headless Chromium driven by tests/browser/eventsource-retry.mjs), whose
/// EventSource keeps retrying by itself and gets in once there is room.
/// </summary>
[Collection(BrowserTestsCollection.Name)]
public sealed class BrowserReconnectTests(ITestOutputHelper output)
{
    private const string Script = "eventsource-retry.mjs";
    private const string OneSlot = """{ "/echo": { "Plugin": "Faulty", "Type": "EchoService", "MaxStreams": 1, "RetryMilliseconds": 500 } }""";
    private static readonly TimeSpan RefusedTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ConnectedTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan HostStateTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_stream_over_the_limit_gets_200_event_stream_with_a_retry_delay_and_ends()
    {
        await using TestHost host = await TestHost.StartAsync(OneSlot);
        await using SseStream occupant = await host.OpenStreamAsync("/echo");
        Assert.Equal(1, host.ClientCount("/echo"));

        using HttpRequestMessage request = new(HttpMethod.Get, "/echo");
        request.Headers.TryAddWithoutValidation("Accept", "text/event-stream");
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(5));
        using HttpResponseMessage response = await host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.RetryAfter is not null, $"No Retry-After header; headers:\n{response.Headers}");

        // A refusal asks for at least a second, whatever the mount's own retry, so that refused
        // browsers do not hammer the host.
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter.Delta);

        string? body = null;
        try
        {
            body = await response.Content.ReadAsStringAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
        }

        Assert.True(body is not null, "The refused stream's response did not end within 5 s: a refused stream must end at once.");

        Assert.Contains("retry: 1000\n", body, StringComparison.Ordinal);
        Assert.DoesNotContain("session-id", body, StringComparison.Ordinal);

        // The refusal cost nothing: the one client is still there, and its stream still delivers.
        Assert.Equal(1, host.ClientCount("/echo"));
        using HttpResponseMessage sent = await host.Client.GetAsync($"/echo?session={occupant.SessionId}&event=still&data=here");
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        Assert.Equal("here", (await occupant.NextAsync("still")).Data);
    }

    [Fact]
    public async Task A_browser_refused_over_the_limit_retries_by_itself_and_gets_in_once_there_is_room()
    {
        string chromium = NodeScript.RequireBrowser();

        await using TestHost host = await TestHost.StartAsync(OneSlot);
        SseStream? occupant = await host.OpenStreamAsync("/echo");
        try
        {
            Assert.Equal(1, host.ClientCount("/echo"));
            string url = $"{host.BaseAddress}echo";
            await using NodeScript script = NodeScript.Start(chromium, Script, url);
            Stopwatch elapsed = Stopwatch.StartNew();

            string? refused = await script.WaitForLineAsync(line => line == "REFUSED-AND-RETRYING", RefusedTimeout);
            await FailUnlessAsync(refused is not null, script, $"The script did not print REFUSED-AND-RETRYING within {RefusedTimeout.TotalSeconds:0} s.");
            TimeSpan refusedAt = elapsed.Elapsed;

            // The browser is still kept out: the only client is the test's own stream.
            Assert.Equal(new[] { occupant.SessionId }, SessionIds(host));

            await occupant.DisposeAsync();
            occupant = null;
            await script.WriteLineAsync("GO");
            TimeSpan freedAt = elapsed.Elapsed;

            string? connected = await script.WaitForLineAsync(line => line.StartsWith("CONNECTED ", StringComparison.Ordinal), ConnectedTimeout);
            await FailUnlessAsync(connected is not null, script, $"The script did not print CONNECTED <sessionId> within {ConnectedTimeout.TotalSeconds:0} s of GO.");
            TimeSpan connectedAt = elapsed.Elapsed;
            string sessionId = connected!["CONNECTED ".Length..];

            // While the browser is connected, the host has exactly its one client, and can reach it.
            bool one = await PollAsync(() => host.ClientCount("/echo") == 1 && SessionIds(host).SequenceEqual(new[] { sessionId }), HostStateTimeout);
            await FailUnlessAsync(one, script, $"The host did not settle on 1 client of /echo with session {sessionId} within {HostStateTimeout.TotalSeconds:0} s; it has {host.ClientCount("/echo")}: [{string.Join(", ", SessionIds(host))}].");

            string data = $"back-{Guid.NewGuid():N}";
            using HttpResponseMessage sent = await host.Client.GetAsync($"/echo?session={sessionId}&event=echo&data={data}");
            await FailUnlessAsync(sent.StatusCode == HttpStatusCode.OK, script, $"GET /echo?session={sessionId}&event=echo answered {(int)sent.StatusCode}: {await sent.Content.ReadAsStringAsync()}");
            await script.WriteLineAsync($"ECHO {data}");

            bool exited = await script.WaitForExitAsync(ScriptTimeout);
            string report = await script.ReportAsync();
            output.WriteLine(report);
            output.WriteLine(
                $"REFUSED-AND-RETRYING after {refusedAt.TotalSeconds:0.0} s (browser start included); "
                + $"CONNECTED {(connectedAt - freedAt).TotalSeconds:0.00} s after the slot was freed; "
                + $"total {elapsed.Elapsed.TotalSeconds:0.0} s.");

            Assert.True(exited, report);
            Assert.True(script.ExitCode == 0, report);
            Assert.True(report.Contains($"\nECHOED {data}\n", StringComparison.Ordinal), report);

            // The browser has closed: its session ends with its connection (no grace period here).
            bool gone = await PollAsync(() => host.ClientCount("/echo") == 0, HostStateTimeout);
            Assert.True(gone, $"/echo still has {host.ClientCount("/echo")} client(s) {HostStateTimeout.TotalSeconds:0} s after the browser closed.");
        }
        finally
        {
            if (occupant is not null)
            {
                await occupant.DisposeAsync();
            }
        }
    }

    private static string[] SessionIds(TestHost host) =>
        host.Services.GetRequiredService<MountTable>().Find("/echo")?.Clients.Select(c => c.SessionId).ToArray() ?? [];

    /// <summary>Checks a condition every 50 ms until it holds or the time is up.</summary>
    private static async Task<bool> PollAsync(Func<bool> condition, TimeSpan timeout)
    {
        Stopwatch waited = Stopwatch.StartNew();
        while (!condition())
        {
            if (waited.Elapsed >= timeout)
            {
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }

    /// <summary>Fails with the message and the script's report (ending the script first) unless the condition holds.</summary>
    private async Task FailUnlessAsync(bool condition, NodeScript script, string message)
    {
        if (condition)
        {
            return;
        }

        script.CloseInput();
        await script.WaitForExitAsync(TimeSpan.FromSeconds(15));
        string report = await script.ReportAsync();
        output.WriteLine(report);
        Assert.Fail($"{message}\n{report}");
    }
}
