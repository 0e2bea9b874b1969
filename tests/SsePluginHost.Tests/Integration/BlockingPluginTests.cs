using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SsePluginHost.Mounts;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// A plugin whose request handler blocks its thread synchronously costs its own mount only: at
/// most <c>MaxConcurrentRequests</c> of its calls run at once, the rest are answered at once (503
/// with <c>Retry-After</c>, an EventSource told to retry later), and the host's other mounts keep
/// serving because the thread pool is let grow by the threads plugin code holds.
/// </summary>
public sealed class BlockingPluginTests
{
    private const string Mounts = """
        {
          "/block": { "Plugin": "Faulty", "Type": "BlockingRequestService", "MaxConcurrentRequests": 8, "Settings": { "BlockSeconds": 12 } },
          "/clock": { "Plugin": "Clock", "Settings": { "IntervalSeconds": 1 } }
        }
        """;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Fifty_blocking_requests_take_only_their_mount_s_share_and_another_mount_still_streams(bool directStreams)
    {
        await using TestHost host = await TestHost.StartAsync(Mounts, $$"""{ "Streams": { "DirectStreams": {{(directStreams ? "true" : "false")}} } }""");
        Mount block = host.Services.GetRequiredService<MountTable>().Find("/block")!;
        using HttpClient client = new(new SocketsHttpHandler { MaxConnectionsPerServer = 100 }) { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

        Task<HttpResponseMessage>[] requests = [.. Enumerable.Range(0, 50).Select(i => client.GetAsync($"/block?n={i}"))];

        // The mount takes its share and answers the rest at once.
        await Eventually.TrueAsync(() => requests.Count(r => r.IsCompleted) == 42, TimeSpan.FromSeconds(20));
        Assert.Equal(8, block.RequestsInPlugin);
        foreach (Task<HttpResponseMessage> done in requests.Where(r => r.IsCompleted))
        {
            using HttpResponseMessage busy = await done;
            Assert.Equal(HttpStatusCode.ServiceUnavailable, busy.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(1), busy.Headers.RetryAfter?.Delta);
            Assert.Equal("The service at /block is busy (8 requests in hand); try again shortly.\n", await busy.Content.ReadAsStringAsync());
        }

        // An EventSource to the busy mount is told to come back later, not refused for good.
        using HttpRequestMessage eventSource = new(HttpMethod.Get, "/block");
        eventSource.Headers.TryAddWithoutValidation("Accept", "text/event-stream");
        using HttpResponseMessage later = await host.Client.SendAsync(eventSource);
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
        Assert.Contains(": the service is busy, retry later\n", await later.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Meanwhile another mount opens a stream and tells the time, while the eight are still blocked.
        await using (SseStream clock = await host.OpenStreamAsync("/clock"))
        {
            await clock.NextAsync("time");
        }

        Assert.Equal(8, block.RequestsInPlugin);
        await host.Logs.WaitForAsync(l => l.Contains("/block: the plugin has 8 requests in hand (MaxConcurrentRequests)", StringComparison.Ordinal), TimeSpan.FromSeconds(5));

        // Once they return, the mount serves again.
        HttpResponseMessage[] answered = await Task.WhenAll(requests).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(8, answered.Count(r => r.StatusCode == HttpStatusCode.OK));
        foreach (HttpResponseMessage response in answered)
        {
            response.Dispose();
        }

        Assert.Equal(0, block.RequestsInPlugin);
        Assert.Equal("0", (await host.Client.GetStringAsync("/block?blocked=1")).Trim());
    }
}
