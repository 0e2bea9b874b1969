using System.IO.Pipelines;
using System.Text;
using McMaster.NETCore.Plugins;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using SsePluginHost.Abstractions;
using SsePluginHost.Configuration;
using SsePluginHost.Diagnostics;
using SsePluginHost.Mounts;
using SsePluginHost.Plugins;
using SsePluginHost.Streaming;

namespace SsePluginHost.Tests.Unit;

/// <summary>
/// A session's life on a mount whose clock is a <see cref="FakeTimeProvider"/>: connecting,
/// connected, away within its grace, resumed, taken over, closed. Each connection is a
/// <see cref="SseSession.RunAsync"/> writing into a <see cref="Pipe"/>; cancelling its token is
/// the client going away. The plugin is a <see cref="RecordingSseService"/>, told on the mount's
/// callback queue.
/// </summary>
public sealed class SessionLifecycleTests : IAsyncLifetime
{
    private const string MountPath = "/life";
    private const double GraceSeconds = 10;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(GraceSeconds);
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(1);

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly WriteScheduler _ticker = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly RecordingSseService _plugin = new();
    private readonly List<Mount> _mounts = [];
    private readonly List<Client> _clients = [];
    private readonly HostMetrics _metrics;

    public SessionLifecycleTests()
    {
        _metrics = new HostMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (Client client in _clients)
        {
            await client.DisposeAsync();
        }

        foreach (Mount mount in _mounts)
        {
            await mount.DisposeAsync();
        }

        _ticker.Dispose();
        await _services.DisposeAsync();
    }

    [Fact]
    public async Task A_new_session_is_Connecting_and_Connected_once_a_connection_runs_it()
    {
        Mount mount = NewMount();
        SseSession session = NewSession(mount);

        Assert.Equal(SessionState.Connecting, session.Lifecycle);
        Assert.True(session.IsConnected);
        Assert.False(session.IsAttached);
        Assert.Same(session, mount.FindSession(session.SessionId));
        Assert.Equal(1, mount.ClientCount);

        Client client = Connect(mount, session, resumed: false);

        Assert.Equal(SessionState.Connected, session.Lifecycle);
        Assert.True(session.IsAttached);
        string written = await client.ReadUntilAsync("retry: ");
        Assert.Contains($"event: session-id\ndata: {session.SessionId}\n\n", written, StringComparison.Ordinal);
        await mount.Callbacks.WhenIdleAsync().WaitAsync(Patience);
        Assert.Same(session, Assert.Single(_plugin.Connected));
        Assert.Empty(_plugin.Disconnected);
        Assert.False(client.Run.IsCompleted);
    }

    [Fact]
    public async Task A_session_whose_connection_ends_is_Away_and_open_until_its_grace_has_passed_then_closed_by_the_client()
    {
        Mount mount = NewMount();
        SseSession session = NewSession(mount);
        Client client = Connect(mount, session, resumed: false);

        await client.GoAwayAsync();

        Assert.Equal(SessionState.Away, session.Lifecycle);
        Assert.True(session.IsConnected);
        Assert.False(session.IsAttached);
        Assert.Same(session, mount.FindSession(session.SessionId));

        _time.Advance(Grace - Tick);

        Assert.Equal(SessionState.Away, session.Lifecycle);
        Assert.True(session.IsConnected);
        Assert.Same(session, mount.FindSession(session.SessionId));
        Assert.Equal(1, mount.ClientCount);
        await mount.Callbacks.WhenIdleAsync().WaitAsync(Patience);
        Assert.Empty(_plugin.Disconnected);

        _time.Advance(Tick * 2);

        Assert.Equal(SessionState.Closed, session.Lifecycle);
        Assert.False(session.IsConnected);
        Assert.Equal(SseDisconnectReason.ClosedByClient, session.Reason);
        Assert.Null(mount.FindSession(session.SessionId));
        Assert.Equal(0, mount.ClientCount);
        await mount.Callbacks.WhenIdleAsync().WaitAsync(Patience);
        (ISseClient told, SseDisconnectReason reason) = Assert.Single(_plugin.Disconnected);
        Assert.Same(session, told);
        Assert.Equal(SseDisconnectReason.ClosedByClient, reason);
    }

    [Fact]
    public async Task A_session_resumed_within_its_grace_is_Connected_again_and_the_old_grace_does_not_close_it()
    {
        Mount mount = NewMount();
        SseSession session = NewSession(mount);
        Client first = Connect(mount, session, resumed: false);
        await first.GoAwayAsync();
        _time.Advance(Grace / 2);

        await session.TakeOverAsync().WaitAsync(Patience);

        Assert.Equal(SessionState.Resumed, session.Lifecycle);
        Client second = Connect(mount, session, resumed: true);
        Assert.Equal(SessionState.Connected, session.Lifecycle);
        Assert.True(session.IsAttached);
        Assert.Contains($"data: {session.SessionId}\n", await second.ReadUntilAsync("retry: "), StringComparison.Ordinal);

        _time.Advance(Grace * 2);

        Assert.Equal(SessionState.Connected, session.Lifecycle);
        Assert.True(session.IsConnected);
        Assert.Same(session, mount.FindSession(session.SessionId));
        Assert.False(second.Run.IsCompleted);
        await mount.Callbacks.WhenIdleAsync().WaitAsync(Patience);
        Assert.Empty(_plugin.Disconnected);
        Assert.Single(_plugin.Connected);
    }

    [Fact]
    public async Task A_resumed_session_whose_new_connection_ends_gets_a_whole_new_grace()
    {
        Mount mount = NewMount();
        SseSession session = NewSession(mount);
        Client first = Connect(mount, session, resumed: false);
        await first.GoAwayAsync();
        _time.Advance(Grace - TimeSpan.FromSeconds(1));
        await session.TakeOverAsync().WaitAsync(Patience);
        Client second = Connect(mount, session, resumed: true);

        await second.GoAwayAsync();
        Assert.Equal(SessionState.Away, session.Lifecycle);
        _time.Advance(Grace - Tick);

        Assert.Equal(SessionState.Away, session.Lifecycle);
        Assert.Same(session, mount.FindSession(session.SessionId));

        _time.Advance(Tick * 2);

        Assert.Equal(SessionState.Closed, session.Lifecycle);
        Assert.Equal(SseDisconnectReason.ClosedByClient, session.Reason);
        Assert.Null(mount.FindSession(session.SessionId));
    }

    [Fact]
    public async Task A_second_connection_taking_over_a_connected_session_stops_the_first_and_the_session_stays_open()
    {
        Mount mount = NewMount();
        SseSession session = NewSession(mount);
        Client first = Connect(mount, session, resumed: false);
        await first.ReadUntilAsync("retry: ");

        await session.TakeOverAsync().WaitAsync(Patience);
        await first.Run.WaitAsync(Patience);

        Assert.True(session.IsConnected);
        Assert.NotEqual(SessionState.Away, session.Lifecycle);
        Client second = Connect(mount, session, resumed: true);
        Assert.Equal(SessionState.Connected, session.Lifecycle);

        _time.Advance(Grace * 2);

        Assert.Equal(SessionState.Connected, session.Lifecycle);
        Assert.Same(session, mount.FindSession(session.SessionId));
        Assert.Equal(1, mount.ClientCount);
        Assert.False(second.Run.IsCompleted);
        Assert.True(session.Send("private", "to the new connection"));
        Assert.Contains("data: to the new connection\n", await second.ReadUntilAsync("to the new connection"), StringComparison.Ordinal);
        await mount.Callbacks.WhenIdleAsync().WaitAsync(Patience);
        Assert.Empty(_plugin.Disconnected);
    }

    [Fact]
    public async Task A_connection_that_attaches_without_a_take_over_replaces_the_one_writing_and_no_grace_starts()
    {
        Mount mount = NewMount();
        SseSession session = NewSession(mount);
        Client first = Connect(mount, session, resumed: false);

        Client second = Connect(mount, session, resumed: true);
        await first.Run.WaitAsync(Patience);

        Assert.Equal(SessionState.Connected, session.Lifecycle);
        Assert.True(session.IsAttached);
        _time.Advance(Grace * 2);
        Assert.Equal(SessionState.Connected, session.Lifecycle);
        Assert.False(second.Run.IsCompleted);
    }

    [Fact]
    public async Task Close_Dropped_ends_the_connection_after_what_was_queued_and_the_session_is_Closed_with_reason_Dropped()
    {
        Mount mount = NewMount();
        SseSession session = NewSession(mount);
        Client client = Connect(mount, session, resumed: false);
        await client.ReadUntilAsync("retry: ");
        Assert.True(session.Send("private", "last words"));

        session.Close(SseDisconnectReason.Dropped);
        await client.Run.WaitAsync(Patience);

        Assert.Equal(SessionState.Closed, session.Lifecycle);
        Assert.False(session.IsConnected);
        Assert.False(session.IsAttached);
        Assert.Equal(SseDisconnectReason.Dropped, session.Reason);
        Assert.Null(mount.FindSession(session.SessionId));
        Assert.Equal(0, mount.ClientCount);
        Assert.Contains("data: last words\n", await client.ReadUntilAsync("last words"), StringComparison.Ordinal);
        await mount.Callbacks.WhenIdleAsync().WaitAsync(Patience);
        Assert.Equal(SseDisconnectReason.Dropped, Assert.Single(_plugin.Disconnected).Reason);
    }

    [Fact]
    public async Task A_dropped_session_whose_client_does_not_read_is_cut_off_once_the_drain_timeout_has_passed_on_the_clock()
    {
        Mount mount = NewMount();
        SseSession session = NewSession(mount);
        Client client = Connect(mount, session, resumed: false, new PipeOptions(pauseWriterThreshold: 1024, resumeWriterThreshold: 512));
        Assert.True(session.Send("big", new string('x', 8 * 1024)));
        await client.PeekAtLeastAsync(8 * 1024);

        session.Close(SseDisconnectReason.Dropped);

        Assert.Equal(SessionState.Closed, session.Lifecycle);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(client.Run.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(1.5));
        await client.Run.WaitAsync(Patience);
        Assert.False(session.IsAttached);
        await mount.Callbacks.WhenIdleAsync().WaitAsync(Patience);
        Assert.Equal(SseDisconnectReason.Dropped, Assert.Single(_plugin.Disconnected).Reason);
    }

    [Fact]
    public async Task Close_on_a_closed_session_keeps_the_first_reason_and_the_plugin_is_told_once()
    {
        Mount mount = NewMount();
        SseSession session = NewSession(mount);
        Client client = Connect(mount, session, resumed: false);
        session.Close(SseDisconnectReason.Dropped);
        await client.Run.WaitAsync(Patience);

        session.Close(SseDisconnectReason.Shutdown);
        session.Close(SseDisconnectReason.SlowConsumer);
        session.Close(SseDisconnectReason.ClosedByClient);

        Assert.Equal(SessionState.Closed, session.Lifecycle);
        Assert.Equal(SseDisconnectReason.Dropped, session.Reason);
        await mount.Callbacks.WhenIdleAsync().WaitAsync(Patience);
        Assert.Equal(SseDisconnectReason.Dropped, Assert.Single(_plugin.Disconnected).Reason);
    }

    [Fact]
    public async Task An_away_session_closed_within_its_grace_keeps_that_reason_when_the_grace_runs_out()
    {
        Mount mount = NewMount();
        SseSession session = NewSession(mount);
        Client client = Connect(mount, session, resumed: false);
        await client.GoAwayAsync();

        session.Close(SseDisconnectReason.Shutdown);
        _time.Advance(Grace * 2);

        Assert.Equal(SessionState.Closed, session.Lifecycle);
        Assert.Equal(SseDisconnectReason.Shutdown, session.Reason);
        Assert.Null(mount.FindSession(session.SessionId));
        await mount.Callbacks.WhenIdleAsync().WaitAsync(Patience);
        Assert.Equal(SseDisconnectReason.Shutdown, Assert.Single(_plugin.Disconnected).Reason);
    }

    [Fact]
    public async Task With_a_grace_of_zero_the_session_closes_as_soon_as_its_connection_ends()
    {
        Mount mount = NewMount(graceSeconds: 0);
        SseSession session = NewSession(mount);
        Client client = Connect(mount, session, resumed: false);
        Assert.Equal(SessionState.Connected, session.Lifecycle);

        await client.GoAwayAsync();

        Assert.Equal(SessionState.Closed, session.Lifecycle);
        Assert.False(session.IsConnected);
        Assert.Equal(SseDisconnectReason.ClosedByClient, session.Reason);
        Assert.Null(mount.FindSession(session.SessionId));
        Assert.Equal(0, mount.ClientCount);
        await mount.Callbacks.WhenIdleAsync().WaitAsync(Patience);
        Assert.Equal(SseDisconnectReason.ClosedByClient, Assert.Single(_plugin.Disconnected).Reason);
    }

    [Fact]
    public async Task A_connection_to_a_closed_session_stops_at_once_and_its_preamble_still_names_the_session()
    {
        Mount mount = NewMount();
        SseSession session = NewSession(mount);
        session.Close(SseDisconnectReason.Shutdown);

        Client client = Connect(mount, session, resumed: false);
        await client.Run.WaitAsync(Patience);

        Assert.Equal(SessionState.Closed, session.Lifecycle);
        Assert.Equal(SseDisconnectReason.Shutdown, session.Reason);
        Assert.False(session.IsAttached);

        // The server completes the response after the app returns, which commits what it wrote.
        string written = await client.ReadToEndAsync();
        Assert.Contains($"event: session-id\ndata: {session.SessionId}\n\n", written, StringComparison.Ordinal);
        await mount.Callbacks.WhenIdleAsync().WaitAsync(Patience);
        Assert.Equal(SseDisconnectReason.Shutdown, Assert.Single(_plugin.Disconnected).Reason);
    }

    [Fact]
    public void LastActivity_follows_the_fake_clock()
    {
        Mount mount = NewMount();
        long created = _time.GetTimestamp();
        SseSession session = NewSession(mount);
        Assert.Equal(created, session.LastActivity);

        _time.Advance(TimeSpan.FromSeconds(7));
        Assert.Equal(TimeSpan.FromSeconds(7), _time.GetElapsedTime(session.LastActivity));
        long now = _time.GetTimestamp();
        Assert.True(session.Enqueue(new Outgoing(SseFramer.Frame("news", "one"), 0)));

        Assert.Equal(now, session.LastActivity);
        Assert.Equal(TimeSpan.Zero, _time.GetElapsedTime(session.LastActivity));

        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(TimeSpan.FromSeconds(3), _time.GetElapsedTime(session.LastActivity));
        Assert.True(session.Send("private", "two"));
        Assert.Equal(_time.GetTimestamp(), session.LastActivity);

        long given = _time.GetTimestamp() - 42;
        Assert.True(session.Enqueue(new Outgoing(SseFramer.Frame("news", "three"), 0), given));
        Assert.Equal(given, session.LastActivity);
    }

    [Fact]
    public async Task A_session_whose_credentials_expire_gets_auth_expired_and_is_Closed_with_reason_CredentialsExpired_at_that_moment()
    {
        Mount mount = NewMount();
        SseSession session = NewSession(mount);
        Client client = Connect(mount, session, resumed: false);
        await client.ReadUntilAsync("retry: ");
        session.EndWhenCredentialsExpire(_time.GetUtcNow() + TimeSpan.FromMinutes(5));

        _time.Advance(TimeSpan.FromMinutes(5) - Tick);
        Assert.Equal(SessionState.Connected, session.Lifecycle);
        Assert.False(client.Run.IsCompleted);

        _time.Advance(Tick);
        await client.Run.WaitAsync(Patience);

        Assert.Equal(SessionState.Closed, session.Lifecycle);
        Assert.Equal(SseDisconnectReason.CredentialsExpired, session.Reason);
        Assert.Null(mount.FindSession(session.SessionId));
        Assert.Contains("event: auth-expired\ndata: ", await client.ReadToEndAsync(), StringComparison.Ordinal);
        await mount.Callbacks.WhenIdleAsync().WaitAsync(Patience);
        Assert.Equal(SseDisconnectReason.CredentialsExpired, Assert.Single(_plugin.Disconnected).Reason);
    }

    [Fact]
    public async Task A_session_resumed_with_fresh_credentials_ends_at_their_expiry_not_at_the_old_one()
    {
        Mount mount = NewMount();
        SseSession session = NewSession(mount);
        Client first = Connect(mount, session, resumed: false);
        await first.ReadUntilAsync("retry: ");
        session.EndWhenCredentialsExpire(_time.GetUtcNow() + TimeSpan.FromMinutes(1));
        await first.GoAwayAsync();

        await session.TakeOverAsync().WaitAsync(Patience);
        Client second = Connect(mount, session, resumed: true);
        await second.ReadUntilAsync("retry: ");
        session.EndWhenCredentialsExpire(_time.GetUtcNow() + TimeSpan.FromMinutes(10));
        Assert.Equal(1, mount.Expiries.Count);

        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(SessionState.Connected, session.Lifecycle);
        Assert.False(second.Run.IsCompleted);

        _time.Advance(TimeSpan.FromMinutes(5));
        await second.Run.WaitAsync(Patience);
        Assert.Equal(SseDisconnectReason.CredentialsExpired, session.Reason);
    }

    [Fact]
    public async Task A_session_closed_before_its_credentials_expire_is_not_touched_by_the_expiry()
    {
        Mount mount = NewMount();
        SseSession session = NewSession(mount);
        Client client = Connect(mount, session, resumed: false);
        await client.ReadUntilAsync("retry: ");
        session.EndWhenCredentialsExpire(_time.GetUtcNow() + TimeSpan.FromMinutes(1));
        Assert.Equal(1, mount.Expiries.Count);
        session.Close(SseDisconnectReason.Dropped);
        await client.Run.WaitAsync(Patience);

        // Not held by the mount's expiry schedule until the token would have expired.
        Assert.Equal(0, mount.Expiries.Count);

        _time.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal(SseDisconnectReason.Dropped, session.Reason);
        Assert.DoesNotContain("auth-expired", await client.ReadToEndAsync(), StringComparison.Ordinal);
        await mount.Callbacks.WhenIdleAsync().WaitAsync(Patience);
        Assert.Equal(SseDisconnectReason.Dropped, Assert.Single(_plugin.Disconnected).Reason);
    }

    private Mount NewMount(double graceSeconds = GraceSeconds)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"SseHost:Services:{MountPath}:Plugin"] = "Recording",
            [$"SseHost:Services:{MountPath}:SessionGraceSeconds"] = graceSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [$"SseHost:Services:{MountPath}:RetryMilliseconds"] = "1500",
        }).Build();
        (IReadOnlyList<MountDefinition> mounts, IReadOnlyList<MountDefinitionError> errors) = MountDefinitionReader.Read(configuration);
        Assert.Empty(errors);
        Mount mount = new(Assert.Single(mounts), new FakeMountChannelFactory(), new StreamCounter(), _metrics, NullLogger.Instance, _time);
        _mounts.Add(mount);
        string assembly = typeof(RecordingSseService).Assembly.Location;
        Assert.True(mount.Attach(new LoadedPlugin(_plugin, assembly, "1.0.0", PluginLoader.CreateFromAssemblyFile(assembly), PluginBuild.Read(assembly)!,
            _time.GetUtcNow(), new ServiceCollection().BuildServiceProvider(), new CancellationTokenSource())));
        Assert.Same(_plugin, mount.Service);
        return mount;
    }

    private SseSession NewSession(Mount mount) =>
        mount.CreateSession(new SseRequest { Method = "GET", MountPath = MountPath, AcceptsEventStream = true }, null, 1000, 1_000_000, _ticker);

    /// <summary>Attaches a connection as the host's stream runner does: preamble, announcement of a new session, then the writer.</summary>
    private Client Connect(Mount mount, SseSession session, bool resumed, PipeOptions? options = null)
    {
        Client client = new(options ?? PipeOptions.Default);
        _clients.Add(client);
        List<ReadOnlyMemory<byte>> preamble = mount.AttachStream(session, null, resumed);
        if (!resumed)
        {
            session.AnnounceConnected();
        }

        client.Run = session.RunAsync(client.Pipe.Writer, preamble, client.Aborted.Token);
        return client;
    }

    /// <summary>One connection: the pipe its response goes into, and the token that says the client went away.</summary>
    private sealed class Client(PipeOptions options) : IAsyncDisposable
    {
        private readonly StringBuilder _read = new();

        public Pipe Pipe { get; } = new(options);

        public CancellationTokenSource Aborted { get; } = new();

        public Task Run { get; set; } = Task.CompletedTask;

        /// <summary>The client goes away; completes once the connection's writer has finished.</summary>
        public async Task GoAwayAsync()
        {
            await Aborted.CancelAsync();
            await Run.WaitAsync(Patience);
        }

        /// <summary>Reads until what was read contains <paramref name="expected"/>; returns all read so far.</summary>
        public async Task<string> ReadUntilAsync(string expected)
        {
            while (!_read.ToString().Contains(expected, StringComparison.Ordinal))
            {
                ReadResult result = await Pipe.Reader.ReadAsync().AsTask().WaitAsync(Patience);
                foreach (ReadOnlyMemory<byte> segment in result.Buffer)
                {
                    _read.Append(Encoding.UTF8.GetString(segment.Span));
                }

                Pipe.Reader.AdvanceTo(result.Buffer.End);
                Assert.False(result.IsCompleted, $"The response ended without '{expected}': {_read}");
            }

            return _read.ToString();
        }

        /// <summary>Completes the response as the server does once the app returns, and reads it all.</summary>
        public async Task<string> ReadToEndAsync()
        {
            await Pipe.Writer.CompleteAsync();
            while (true)
            {
                ReadResult result = await Pipe.Reader.ReadAsync().AsTask().WaitAsync(Patience);
                foreach (ReadOnlyMemory<byte> segment in result.Buffer)
                {
                    _read.Append(Encoding.UTF8.GetString(segment.Span));
                }

                Pipe.Reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return _read.ToString();
                }
            }
        }

        /// <summary>Waits until at least that many bytes are written, taking none of them (the client does not read).</summary>
        public async Task PeekAtLeastAsync(long bytes)
        {
            while (true)
            {
                ReadResult result = await Pipe.Reader.ReadAsync().AsTask().WaitAsync(Patience);
                if (result.Buffer.Length >= bytes || result.IsCompleted)
                {
                    Assert.True(result.Buffer.Length >= bytes);
                    Pipe.Reader.AdvanceTo(result.Buffer.Start);
                    return;
                }

                Pipe.Reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Aborted.CancelAsync();
            await Run.WaitAsync(Patience);
            Aborted.Dispose();
        }
    }
}
