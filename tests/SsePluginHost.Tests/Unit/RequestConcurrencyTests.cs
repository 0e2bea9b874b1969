using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using SsePluginHost.Configuration;
using SsePluginHost.Diagnostics;
using SsePluginHost.Mounts;
using SsePluginHost.Streaming;

namespace SsePluginHost.Tests.Unit;

/// <summary>
/// A mount's <c>MaxConcurrentRequests</c>, with a <see cref="FakeTimeProvider"/>: calls past the
/// limit are refused once those in hand are stuck (none has returned for 50 ms), and let in while
/// calls keep returning (quick calls that overlap on a loaded machine), up to four times the limit.
/// </summary>
public sealed class RequestConcurrencyTests : IAsyncDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly Mount _mount;

    public RequestConcurrencyTests()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SseHost:Services:/one:Plugin"] = "Fake",
            ["SseHost:Services:/one:MaxConcurrentRequests"] = "2",
        }).Build();
        (IReadOnlyList<MountDefinition> mounts, _) = MountDefinitionReader.Read(configuration);
        HostMetrics metrics = new(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        _mount = new Mount(Assert.Single(mounts), new FakeMountChannelFactory(), new StreamCounter(), metrics, NullLogger.Instance, _time);
    }

    public async ValueTask DisposeAsync()
    {
        await _mount.DisposeAsync();
        await _services.DisposeAsync();
    }

    [Fact]
    public void Past_the_limit_calls_are_refused_while_those_in_hand_are_stuck()
    {
        Assert.True(_mount.TryEnterRequest());
        Assert.True(_mount.TryEnterRequest());

        Assert.False(_mount.TryEnterRequest());
        Assert.Equal(2, _mount.RequestsInPlugin);
    }

    [Fact]
    public void Past_the_limit_calls_are_let_in_while_calls_keep_returning_up_to_four_times_the_limit()
    {
        Assert.True(_mount.TryEnterRequest());
        Assert.True(_mount.TryEnterRequest());
        _mount.ExitRequest();

        // One returned just now: the others are not stuck, and up to four times the limit get in.
        int admitted = 0;
        while (_mount.TryEnterRequest())
        {
            admitted++;
        }

        Assert.Equal(7, admitted);
        Assert.Equal(8, _mount.RequestsInPlugin);

        // Nothing returns for 50 ms: stuck, and the next is refused even under four times the limit.
        for (int i = 0; i < 4; i++)
        {
            _mount.ExitRequest();
        }

        _time.Advance(TimeSpan.FromMilliseconds(50));
        Assert.False(_mount.TryEnterRequest());
        Assert.Equal(4, _mount.RequestsInPlugin);
    }

    [Fact]
    public async Task Without_a_limit_every_call_is_let_in()
    {
        await using Mount unlimited = UnlimitedMount();
        for (int i = 0; i < 1000; i++)
        {
            Assert.True(unlimited.TryEnterRequest());
        }
    }

    private Mount UnlimitedMount()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SseHost:Services:/free:Plugin"] = "Fake",
            ["SseHost:Services:/free:MaxConcurrentRequests"] = "0",
        }).Build();
        (IReadOnlyList<MountDefinition> mounts, _) = MountDefinitionReader.Read(configuration);
        HostMetrics metrics = new(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        return new Mount(Assert.Single(mounts), new FakeMountChannelFactory(), new StreamCounter(), metrics, NullLogger.Instance, _time);
    }
}
