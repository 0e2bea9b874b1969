using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using SsePluginHost.Abstractions;

namespace SsePluginHost.Tests.Unit;

/// <summary>
/// The members contract 1.1 added keep what implementations written against 1.0 did: a mount
/// (a plugin's test fake, say) without <c>BroadcastAsync</c> broadcasts and answers the event's
/// own id; a service without <c>StartAsync</c>/<c>StopAsync</c> starts and stops at once; and a
/// plugin's test can build a service from a context it makes itself.
/// </summary>
public sealed class ContractDefaultsTests
{
    [Fact]
    public async Task A_mount_written_before_BroadcastAsync_broadcasts_and_answers_the_events_own_id()
    {
        OldMount mount = new();

        SseBroadcastReceipt receipt = await ((ISseMount)mount).BroadcastAsync(new SseEvent("e", "d", "42"));

        Assert.Equal("42", receipt.EventId);
        Assert.Equal(3, receipt.Delivered);
        Assert.Equal("d", Assert.Single(mount.Broadcasts).Data);
    }

    [Fact]
    public async Task A_service_written_before_StartAsync_and_StopAsync_starts_and_stops_at_once()
    {
        ISseService service = new OldService();

        Assert.True(service.StartAsync(CancellationToken.None).IsCompletedSuccessfully);
        Assert.True(service.StopAsync(CancellationToken.None).IsCompletedSuccessfully);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task A_plugins_test_can_make_the_context_and_a_service_on_SseServiceBase_gets_it()
    {
        using CancellationTokenSource life = new();
        IConfiguration settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Greeting"] = "hi" }).Build();
        FakeTimeProvider time = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        SseServiceContext context = new(new OldMount(), settings, NullLogger.Instance, time, life.Token);

        ContextualService service = new(context);
        await ((ISseService)service).StartAsync(CancellationToken.None);

        Assert.Same(context, service.Given);
        Assert.Equal("hi 2030", service.Started);
        Assert.Throws<ArgumentNullException>(() => new SseServiceContext(new OldMount(), settings, NullLogger.Instance, null!, life.Token));
    }

    private sealed class ContextualService(SseServiceContext context) : SseServiceBase(context)
    {
        public SseServiceContext? Given => Context;

        public string? Started { get; private set; }

        public override ValueTask StartAsync(CancellationToken cancellationToken)
        {
            Started = $"{Context!.Settings["Greeting"]} {Context.Time.GetUtcNow().Year}";
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>An <see cref="ISseService"/> as written against contract 1.0.</summary>
    private sealed class OldService : ISseService
    {
        public ValueTask<SseResponse> HandleRequestAsync(SseRequest request, CancellationToken cancellationToken) => ValueTask.FromResult(SseResponse.NoContent());

        public void OnClientConnected(ISseClient client)
        {
        }

        public void OnClientDisconnected(ISseClient client, SseDisconnectReason reason)
        {
        }
    }

    /// <summary>An <see cref="ISseMount"/> as written against contract 1.0 (a plugin's test fake).</summary>
    private sealed class OldMount : ISseMount
    {
        public List<SseEvent> Broadcasts { get; } = [];

        public string Path => "/old";

        public IReadOnlyCollection<ISseClient> Clients => [];

        public int ClientCount => 0;

        public ISseClient? FindClient(SseRequest request) => null;

        public ISseClient? FindClient(string sessionId) => null;

        public int Broadcast(SseEvent sseEvent)
        {
            Broadcasts.Add(sseEvent);
            return 3;
        }

        public int Broadcast(string eventType, string data) => Broadcast(new SseEvent(eventType, data));
    }
}
