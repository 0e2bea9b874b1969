using System.Buffers;
using System.Net.ServerSentEvents;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using SsePluginHost.Abstractions;
using SsePluginHost.Channels;
using SsePluginHost.Configuration;
using SsePluginHost.Diagnostics;
using SsePluginHost.Mounts;
using SsePluginHost.Streaming;

namespace SsePluginHost.Tests.Unit;

/// <summary>
/// A session's topics on a mount with the in-process channel, which offers an event of a topic
/// only to the subscribers it knows follow it: a session tells it of every topic it follows or
/// leaves, whether it is subscribed then, resumed later, or opening again with topics.
/// </summary>
public sealed class SessionTopicsTests : IAsyncLifetime
{
    private const string MountPath = "/rooms";

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly WriteScheduler _ticker = new();
    private readonly Mount _mount;

    public SessionTopicsTests()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"SseHost:Services:{MountPath}:Plugin"] = "Fake",
        }).Build();
        (IReadOnlyList<MountDefinition> mounts, IReadOnlyList<MountDefinitionError> errors) = MountDefinitionReader.Read(configuration);
        Assert.Empty(errors);
        HostMetrics metrics = new(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        _mount = new Mount(Assert.Single(mounts), new InProcessMountChannelFactory(TimeProvider.System), new StreamCounter(), metrics, NullLogger.Instance);
    }

    private InProcessMountChannel Channel => (InProcessMountChannel)_mount.Channel;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _mount.DisposeAsync();
        _ticker.Dispose();
        await _services.DisposeAsync();
    }

    [Fact]
    public async Task A_topic_the_session_follows_after_its_stream_opened_reaches_it_and_stops_once_it_unfollows()
    {
        SseSession session = AttachedSession();
        SseSession other = AttachedSession();
        Assert.Equal(0, await ToRoom("room1", "before"));

        Assert.True(session.Follow("room1"));
        Assert.Equal(1, await ToRoom("room1", "while it follows"));
        Assert.True(session.Unfollow("room1"));
        Assert.Equal(0, await ToRoom("room1", "after"));

        Assert.Equal(["while it follows"], Drained(session));
        Assert.Empty(Drained(other));
        Assert.Equal(0, Channel.TopicCount);
    }

    [Fact]
    public async Task Topics_a_resumed_stream_opens_with_reach_the_session_before_and_after_it_subscribes_again()
    {
        SseSession session = AttachedSession();

        // A resumed stream adds its topics while the earlier connection is still subscribed.
        session.FollowAtStart(["room2"]);
        Assert.Equal(1, await ToRoom("room2", "to the earlier subscription"));
        Assert.Equal(["to the earlier subscription"], Drained(session));
        _mount.AttachStream(session, null, resumed: true);
        Assert.Equal(1, await ToRoom("room2", "to the new one"));

        Assert.Equal(["to the new one"], Drained(session));
        Assert.Equal(1, Channel.TopicCount);
    }

    [Fact]
    public async Task A_topic_followed_while_the_session_is_not_subscribed_reaches_it_once_it_is_resumed()
    {
        SseSession session = AttachedSession();
        Assert.Equal(1, (await _mount.BroadcastAsync(new SseEvent("news", "written"))).Delivered);
        Assert.Equal(["written"], Drained(session));
        session.Unsubscribe();

        Assert.True(session.Follow("room3"));
        Assert.Equal(0, await ToRoom("room3", "missed while away"));
        _mount.AttachStream(session, null, resumed: true);
        Assert.Equal(1, await ToRoom("room3", "live after the resume"));

        Assert.Equal(["missed while away", "live after the resume"], Drained(session));
    }

    [Fact]
    public async Task A_closed_session_leaves_no_topic_in_the_channel()
    {
        SseSession session = NewSession();
        session.FollowAtStart(["room1", "room2"]);
        _mount.AttachStream(session, null, resumed: false);
        Assert.True(session.Follow("room3"));
        Assert.Equal(3, Channel.TopicCount);

        session.Close(SseDisconnectReason.Dropped);

        Assert.Equal(0, Channel.TopicCount);
        Assert.Equal(0, await ToRoom("room1", "nobody"));
    }

    private async Task<int> ToRoom(string topic, string data) => (await _mount.BroadcastAsync(topic, new SseEvent("say", data))).Delivered;

    private static List<string> Drained(SseSession session)
    {
        ArrayBufferWriter<byte> into = new();
        session.Drain(into, int.MaxValue, out _, out _);
        return [.. SseParser.Create(new MemoryStream(into.WrittenSpan.ToArray())).Enumerate().Select(item => item.Data)];
    }

    private SseSession NewSession() =>
        _mount.CreateSession(new SseRequest { Method = "GET", MountPath = MountPath, AcceptsEventStream = true }, null, 1000, 1_000_000, _ticker);

    private SseSession AttachedSession()
    {
        SseSession session = NewSession();
        _mount.AttachStream(session, null, resumed: false);
        return session;
    }
}
