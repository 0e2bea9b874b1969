using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SsePluginHost.Abstractions;
using SsePluginHost.Configuration;
using SsePluginHost.Diagnostics;
using SsePluginHost.Mounts;
using SsePluginHost.Ping;
using SsePluginHost.Streaming;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Unit;

/// <summary>
/// <see cref="PingService.PingIdleClients"/> on mounts whose clock, like the service's, is a
/// <see cref="FakeTimeProvider"/>: only attached clients that received nothing for the idle time
/// are pinged, with the clock's Unix seconds.
/// </summary>
public sealed class PingServiceTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(60);

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly WriteScheduler _ticker = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly MountTable _table = new();
    private readonly Mount _mount;
    private readonly Mount _other;
    private readonly PingService _ping;
    private readonly List<(Pipe Pipe, CancellationTokenSource Aborted, Task Run)> _connections = [];

    public PingServiceTests()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SseHost:Services:/one:Plugin"] = "Fake",
            ["SseHost:Services:/one:SessionGraceSeconds"] = "600",
            ["SseHost:Services:/two:Plugin"] = "Fake",
            ["SseHost:Services:/two:SessionGraceSeconds"] = "600",
        }).Build();
        (IReadOnlyList<MountDefinition> mounts, IReadOnlyList<MountDefinitionError> errors) = MountDefinitionReader.Read(configuration);
        Assert.Empty(errors);
        Assert.Equal(2, mounts.Count);
        HostMetrics metrics = new(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        _mount = new Mount(mounts.Single(m => m.Path == "/one"), new FakeMountChannelFactory(), _table.Streams, metrics, NullLogger.Instance, _time);
        _other = new Mount(mounts.Single(m => m.Path == "/two"), new FakeMountChannelFactory(), _table.Streams, metrics, NullLogger.Instance, _time);
        _table.Set([_mount, _other]);
        _ping = new PingService(_table, Options.Create(new SseHostOptions()), _time, NullLogger<PingService>.Instance);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach ((Pipe _, CancellationTokenSource aborted, Task run) in _connections)
        {
            await aborted.CancelAsync();
            await run.WaitAsync(Patience);
            aborted.Dispose();
        }

        _ping.Dispose();
        await _table.DisposeAsync();
        _ticker.Dispose();
        await _services.DisposeAsync();
    }

    [Fact]
    public async Task A_client_idle_for_less_than_the_idle_time_is_not_pinged()
    {
        (SseSession session, Pipe pipe) = await AttachedAsync(_mount);

        _time.Advance(Idle - TimeSpan.FromSeconds(1));

        Assert.Equal(0, _ping.PingIdleClients(Idle));
        Assert.True(session.IsAttached);
        Assert.False(pipe.Reader.TryRead(out ReadResult _));
    }

    [Fact]
    public async Task A_client_idle_for_longer_than_the_idle_time_is_pinged_with_the_clocks_Unix_seconds()
    {
        (SseSession session, Pipe pipe) = await AttachedAsync(_mount);
        _time.Advance(Idle + TimeSpan.FromSeconds(1));
        string stamp = _time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        Assert.Equal("1740830461", stamp);

        Assert.Equal(1, _ping.PingIdleClients(Idle));

        Assert.Equal($"event: ping\ndata: {stamp}\n\n", await ReadUntilAsync(pipe, "\n\n"));
        Assert.Equal(_time.GetTimestamp(), session.LastActivity);
        Assert.Equal(0, _ping.PingIdleClients(Idle));
    }

    [Fact]
    public async Task A_client_idle_for_exactly_the_idle_time_is_pinged()
    {
        (SseSession _, Pipe pipe) = await AttachedAsync(_mount);
        _time.Advance(Idle);

        Assert.Equal(1, _ping.PingIdleClients(Idle));
        Assert.StartsWith("event: ping\n", await ReadUntilAsync(pipe, "\n\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_that_got_something_recently_is_not_pinged_while_an_idle_one_is()
    {
        (SseSession recent, Pipe recentPipe) = await AttachedAsync(_mount);
        (SseSession _, Pipe idlePipe) = await AttachedAsync(_other);
        _time.Advance(Idle - TimeSpan.FromSeconds(5));
        Assert.True(recent.Send("private", "fresh"));
        Assert.Equal("event: private\ndata: fresh\n\n", await ReadUntilAsync(recentPipe, "\n\n"));
        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(1, _ping.PingIdleClients(Idle));

        Assert.StartsWith("event: ping\n", await ReadUntilAsync(idlePipe, "\n\n"), StringComparison.Ordinal);
        Assert.False(recentPipe.Reader.TryRead(out ReadResult _));

        _time.Advance(Idle);
        Assert.Equal(2, _ping.PingIdleClients(Idle));
    }

    [Fact]
    public async Task A_client_that_is_away_or_not_yet_attached_is_not_pinged()
    {
        (SseSession away, Pipe _) = await AttachedAsync(_mount);
        (Pipe _, CancellationTokenSource aborted, Task run) = _connections[^1];
        await aborted.CancelAsync();
        await run.WaitAsync(Patience);
        Assert.Equal(SessionState.Away, away.Lifecycle);
        SseSession connecting = NewSession(_other);
        Assert.Equal(SessionState.Connecting, connecting.Lifecycle);

        _time.Advance(Idle * 2);

        Assert.Equal(0, _ping.PingIdleClients(Idle));
        Assert.Equal(SessionState.Away, away.Lifecycle);
        Assert.Equal(2, _mount.ClientCount + _other.ClientCount);
    }

    [Fact]
    public async Task Every_idle_attached_client_of_every_mount_is_pinged_once_per_round()
    {
        List<Pipe> pipes = [];
        foreach (Mount mount in new[] { _mount, _mount, _other })
        {
            pipes.Add((await AttachedAsync(mount)).Pipe);
        }

        _time.Advance(Idle * 3);
        string stamp = _time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

        Assert.Equal(3, _ping.PingIdleClients(Idle));

        foreach (Pipe pipe in pipes)
        {
            Assert.Equal($"event: ping\ndata: {stamp}\n\n", await ReadUntilAsync(pipe, "\n\n"));
        }
    }

    [Fact]
    public async Task A_look_tells_how_long_until_the_next_client_can_be_due()
    {
        // No session: none can be due before the idle time from now.
        Assert.Equal(0, _ping.PingIdleClients(Idle, out TimeSpan untilDue));
        Assert.Equal(Idle, untilDue);

        (SseSession _, Pipe first) = await AttachedAsync(_mount);
        _time.Advance(TimeSpan.FromSeconds(20));
        (SseSession _, Pipe second) = await AttachedAsync(_other);
        _time.Advance(TimeSpan.FromSeconds(10));

        // The first client is due 60 s after it attached: 30 s from now.
        Assert.Equal(0, _ping.PingIdleClients(Idle, out untilDue));
        Assert.Equal(TimeSpan.FromSeconds(30), untilDue);

        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(1, _ping.PingIdleClients(Idle, out untilDue));
        Assert.StartsWith("event: ping\n", await ReadUntilAsync(first, "\n\n"), StringComparison.Ordinal);

        // Now the second is the next one due (it attached 40 s ago); the pinged one only in 60 s.
        Assert.Equal(TimeSpan.FromSeconds(20), untilDue);
        _time.Advance(untilDue);
        Assert.Equal(1, _ping.PingIdleClients(Idle, out untilDue));
        Assert.StartsWith("event: ping\n", await ReadUntilAsync(second, "\n\n"), StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(40), untilDue);
    }

    [Fact]
    public async Task A_session_that_is_away_counts_by_its_last_activity_since_it_may_come_back()
    {
        (SseSession away, Pipe _) = await AttachedAsync(_mount);
        (Pipe _, CancellationTokenSource aborted, Task run) = _connections[^1];
        await aborted.CancelAsync();
        await run.WaitAsync(Patience);
        Assert.Equal(SessionState.Away, away.Lifecycle);
        _time.Advance(Idle * 2);

        Assert.Equal(0, _ping.PingIdleClients(Idle, out TimeSpan untilDue));

        Assert.Equal(TimeSpan.Zero, untilDue);
    }

    [Fact]
    public async Task The_service_does_not_walk_the_sessions_again_until_a_client_can_be_due()
    {
        TimerCountingClock clock = new(_time.GetUtcNow());
        using PingService ping = new(_table, Options.Create(new SseHostOptions()), clock, NullLogger<PingService>.Instance);
        await ping.StartAsync(CancellationToken.None);

        // The first look, with no session, at start, and then the wait for the next. Looks are
        // otherwise 15 s apart (a quarter of the idle time), but none can be due for 60 s (the
        // look comes 20 ms after that, so that a timer a little early finds the client due).
        await Eventually.TrueAsync(() => clock.Timers == 1, Patience);
        Assert.Equal(1, ping.Looks);
        clock.Advance(Idle - TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, ping.Looks);
        clock.Advance(TimeSpan.FromMilliseconds(21));
        await Eventually.TrueAsync(() => ping.Looks == 2, Patience);

        await ping.StopAsync(CancellationToken.None);
    }

    /// <summary>A fake clock that counts the timers made on it (a service's wait is one).</summary>
    private sealed class TimerCountingClock(DateTimeOffset start) : FakeTimeProvider(start)
    {
        private int _timers;

        public int Timers => Volatile.Read(ref _timers);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            ITimer timer = base.CreateTimer(callback, state, dueTime, period);
            Interlocked.Increment(ref _timers);
            return timer;
        }
    }

    private SseSession NewSession(Mount mount) =>
        mount.CreateSession(new SseRequest { Method = "GET", MountPath = mount.Path, AcceptsEventStream = true }, null, 1000, 1_000_000, _ticker);

    /// <summary>A new session with a connection writing it into a pipe, whose preamble has been read.</summary>
    private async Task<(SseSession Session, Pipe Pipe)> AttachedAsync(Mount mount)
    {
        SseSession session = NewSession(mount);
        Pipe pipe = new();
        CancellationTokenSource aborted = new();
        List<ReadOnlyMemory<byte>> preamble = mount.AttachStream(session, null, false);
        Task run = session.RunAsync(pipe.Writer, preamble, aborted.Token);
        _connections.Add((pipe, aborted, run));
        Assert.True(session.IsAttached);
        string written = await ReadUntilAsync(pipe, "retry: ");
        if (!written.EndsWith("\n\n", StringComparison.Ordinal))
        {
            await ReadUntilAsync(pipe, "\n\n");
        }

        return (session, pipe);
    }

    /// <summary>Reads until what this read contains <paramref name="expected"/>; returns it.</summary>
    private static async Task<string> ReadUntilAsync(Pipe pipe, string expected)
    {
        StringBuilder read = new();
        while (!read.ToString().Contains(expected, StringComparison.Ordinal))
        {
            ReadResult result = await pipe.Reader.ReadAsync().AsTask().WaitAsync(Patience);
            foreach (ReadOnlyMemory<byte> segment in result.Buffer)
            {
                read.Append(Encoding.UTF8.GetString(segment.Span));
            }

            pipe.Reader.AdvanceTo(result.Buffer.End);
            Assert.False(result.IsCompleted, $"The response ended without '{expected}': {read}");
        }

        return read.ToString();
    }
}
