using System.Buffers;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
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
/// A mount against a stand-in channel (as a channel shared with other hosts would be): every event
/// enters through the channel, and the mount's sessions get what the channel delivers, not what
/// the mount published.
/// </summary>
public sealed class MountTests : IAsyncLifetime
{
    private const string MountPath = "/test";

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly WriteScheduler _ticker = new();
    private readonly FakeMountChannelFactory _factory = new();
    private readonly Mount _mount;

    public MountTests()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"SseHost:Services:{MountPath}:Plugin"] = "Fake",
            [$"SseHost:Services:{MountPath}:History:Count"] = "50",
            [$"SseHost:Services:{MountPath}:History:MaxAgeSeconds"] = "120",
            [$"SseHost:Services:{MountPath}:RetryMilliseconds"] = "1500",
        }).Build();
        (IReadOnlyList<MountDefinition> mounts, IReadOnlyList<MountDefinitionError> errors) = MountDefinitionReader.Read(configuration);
        Assert.Empty(errors);
        HostMetrics metrics = new(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        _mount = new Mount(Assert.Single(mounts), _factory, new StreamCounter(), metrics, NullLogger.Instance);
    }

    private FakeMountChannel Channel => _factory.Channel ?? throw new InvalidOperationException("The mount made no channel.");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _mount.DisposeAsync();
        _ticker.Dispose();
        await _services.DisposeAsync();
    }

    [Fact]
    public void The_mount_makes_its_channel_for_its_path_and_history_and_is_its_recipients()
    {
        Assert.Equal(1, _factory.Calls);
        Assert.Equal(MountPath, _factory.MountPath);
        Assert.Equal(50, _factory.History!.Count);
        Assert.Equal(120, _factory.History.MaxAgeSeconds);
        Assert.Same(_mount, Channel.Recipients);
        Assert.Same(Channel, _mount.Channel);
    }

    [Fact]
    public async Task Broadcast_publishes_one_framed_body_without_an_id_line_and_returns_what_the_receipt_says()
    {
        Channel.NextReceipt = new PublishReceipt("node-b:42", 7);

        (string id, int delivered) = await _mount.BroadcastAsync(new SseEvent("news", "line one\nline two"));

        Assert.Equal(7, delivered);
        Assert.Equal("node-b:42", id);
        EventBody body = Assert.Single(Channel.Published);
        Assert.Null(body.OwnId);
        Assert.Equal(SseFramer.FrameBody("news", "line one\nline two"), body.Bytes);
        Assert.Equal("event: news\ndata: line one\ndata: line two\n\n", Encoding.UTF8.GetString(body.Bytes));

        Channel.NextReceipt = new PublishReceipt("node-b:43", 0);
        Assert.Equal(0, _mount.Broadcast("quiet", "nobody"));
        Assert.Equal(2, Channel.Published.Count);
    }

    [Fact]
    public async Task A_broadcast_with_its_own_id_passes_the_id_to_the_channel_and_keeps_it_out_of_the_body()
    {
        Channel.NextReceipt = new PublishReceipt("order-9", 1);

        string id = (await _mount.BroadcastAsync(new SseEvent("order", "{}", "order-9"))).Id;

        EventBody body = Assert.Single(Channel.Published);
        Assert.Equal("order-9", body.OwnId);
        Assert.Equal("order-9", id);
        Assert.DoesNotContain("id:", Encoding.UTF8.GetString(body.Bytes), StringComparison.Ordinal);
    }

    [Fact]
    public void A_broadcast_reaches_no_session_until_the_channel_delivers_it()
    {
        SseSession session = AttachedSession();
        Channel.NextReceipt = new PublishReceipt("node-a:1", 1);

        _mount.Broadcast("news", "published here");

        Assert.Empty(Drain(session));
        byte[] frame = SseFramer.Frame("news", "published here", "node-a:1");
        Assert.Equal(1, Channel.Deliver(new ChannelEvent("node-a:1", 1, frame, 0)));
        Assert.Equal(frame, Drain(session));
    }

    [Fact]
    public void An_event_the_channel_delivers_from_another_node_reaches_the_subscribed_sessions_only()
    {
        SseSession subscribed = AttachedSession();
        SseSession notYet = NewSession();
        byte[] frame = SseFramer.Frame("remote", "from node b", "node-b:77");

        int taken = Channel.Deliver(new ChannelEvent("node-b:77", 1, frame, 0));

        Assert.Equal(1, taken);
        Assert.Empty(Channel.Published);
        byte[] queued = Drain(subscribed);
        Assert.Equal(frame, queued);
        SseItem<string> item = Assert.Single(Parse(queued));
        Assert.Equal(("remote", "from node b", "node-b:77"), (item.EventType, item.Data, item.EventId!));
        Assert.Empty(Drain(notYet));
    }

    [Fact]
    public void Send_goes_through_the_channels_SendTo_and_returns_its_answer()
    {
        SseSession session = NewSession();
        ISseClient client = session;

        bool forwarded = client.Send("private", "for you");

        Assert.True(forwarded);
        (string sessionId, EventBody body) = Assert.Single(Channel.Sent);
        Assert.Equal(session.SessionId, sessionId);
        Assert.Null(body.OwnId);
        Assert.Equal(SseFramer.FrameBody("private", "for you"), body.Bytes);
        Assert.Equal(body.Bytes, Drain(session));

        Channel.ForwardSends = false;
        Channel.SendAnswer = false;
        Assert.False(client.Send("private", "lost"));
        Channel.SendAnswer = true;
        Assert.True(client.Send("private", "taken elsewhere"));
        Assert.Equal(3, Channel.Sent.Count);
        Assert.Empty(Drain(session));
    }

    [Fact]
    public void A_send_the_channel_hands_back_for_a_session_that_is_not_here_is_refused()
    {
        Assert.False(_mount.SendTo("no-such-session", new SseEvent("private", "x")));
        Assert.Equal("no-such-session", Assert.Single(Channel.Sent).SessionId);
    }

    [Fact]
    public void AttachStream_without_an_id_subscribes_from_now_and_returns_the_session_id_and_retry()
    {
        SseSession session = NewSession();

        List<ReadOnlyMemory<byte>> preamble = _mount.AttachStream(session, null, false);

        FakeMountChannel.Subscription subscription = Assert.Single(Channel.Subscriptions);
        Assert.Same(session, subscription.Subscriber);
        Assert.Equal(ReplayFrom.Now, subscription.From);
        SseItem<string> sessionId = Assert.Single(Parse(preamble[0].ToArray()));
        Assert.Equal(("session-id", session.SessionId), (sessionId.EventType, sessionId.Data));
        Assert.Equal("retry: 1500\n\n", Encoding.UTF8.GetString(preamble[1].Span));
        Assert.Empty(Drain(session));
    }

    [Fact]
    public void AttachStream_with_a_Last_Event_ID_asks_the_channel_for_it_and_a_reset_start_queues_a_reset_event_first()
    {
        SseSession session = NewSession();
        Assert.True(session.Send("private", "sent before the stream"));
        Channel.NextStart = new ChannelStart([], Reset: true, HeadSequence: 30);

        _mount.AttachStream(session, "node-a:7", false);

        Assert.Equal(ReplayFrom.Id("node-a:7"), Assert.Single(Channel.Subscriptions).From);
        List<SseItem<string>> items = Parse(Drain(session));
        Assert.Equal(2, items.Count);
        Assert.Equal("sent before the stream", items[1].Data);
        SseItem<string> reset = items[0];
        Assert.Equal("reset", reset.EventType);
        JsonElement data = JsonDocument.Parse(reset.Data).RootElement;
        Assert.Equal("node-a:7", data.GetProperty("lastEventId").GetString());
        Assert.Contains("no longer available", data.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(30, session.LastWrittenSequence);
        Assert.True(session.IsConnected);
    }

    [Fact]
    public void A_replay_that_fits_is_queued_in_front_of_what_was_sent_to_the_session_earlier()
    {
        SseSession session = NewSession();
        Assert.True(session.Send("private", "sent before the stream"));
        Channel.NextStart = new ChannelStart([Event("node-a:6", 6, "six"), Event("node-a:7", 7, "seven")], Reset: false, HeadSequence: 7);

        _mount.AttachStream(session, "node-a:5", false);

        Assert.Equal(ReplayFrom.Id("node-a:5"), Assert.Single(Channel.Subscriptions).From);
        byte[] queued = Drain(session);
        Assert.Equal(["six", "seven", "sent before the stream"], Parse(queued).Select(i => i.Data));
        byte[] expected = [.. Channel.NextStart.Replay[0].Frame, .. Channel.NextStart.Replay[1].Frame, .. SseFramer.FrameBody("private", "sent before the stream")];
        Assert.Equal(expected, queued);
        Assert.Equal(7, session.LastWrittenSequence);
    }

    [Theory]
    [InlineData(3, 1_000_000, 5)] // more events than the queue may hold
    [InlineData(1000, 600, 20)] // more bytes than the queue may hold
    public void A_replay_over_the_sessions_queue_limits_is_a_reset_instead(int queueCapacity, long maxQueueBytes, int replayed)
    {
        SseSession session = NewSession(queueCapacity, maxQueueBytes);
        ChannelEvent[] replay = [.. Enumerable.Range(1, replayed).Select(i => Event($"node-a:{i}", i, new string('x', 40)))];
        Assert.True(replayed > queueCapacity || replay.Sum(e => e.Frame.Length) > maxQueueBytes);
        Channel.NextStart = new ChannelStart(replay, Reset: false, HeadSequence: replayed);

        _mount.AttachStream(session, "node-a:0", false);

        SseItem<string> reset = Assert.Single(Parse(Drain(session)));
        Assert.Equal("reset", reset.EventType);
        JsonElement data = JsonDocument.Parse(reset.Data).RootElement;
        Assert.Equal("node-a:0", data.GetProperty("lastEventId").GetString());
        Assert.Contains("queue", data.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(replayed, session.LastWrittenSequence);
        Assert.True(session.IsConnected);
    }

    [Fact]
    public void Resuming_without_an_id_asks_for_the_events_after_the_last_one_written_and_ends_the_earlier_subscription()
    {
        SseSession session = NewSession();
        Channel.NextStart = new ChannelStart([], Reset: false, HeadSequence: 4);
        _mount.AttachStream(session, null, false);
        Channel.Deliver(Event("node-a:5", 5, "five"));
        Assert.Single(Parse(Drain(session)));
        Channel.NextStart = new ChannelStart([], Reset: false, HeadSequence: 5);

        _mount.AttachStream(session, null, true);

        IReadOnlyList<FakeMountChannel.Subscription> subscriptions = Channel.Subscriptions;
        Assert.Equal(2, subscriptions.Count);
        Assert.True(subscriptions[0].IsDisposed);
        Assert.False(subscriptions[1].IsDisposed);
        Assert.Equal(ReplayFrom.Sequence(5), subscriptions[1].From);
    }

    [Fact]
    public void A_session_tells_its_subscription_of_each_topic_it_follows_or_leaves_and_a_new_subscription_reads_them_all_again()
    {
        SseSession session = AttachedSession();

        Assert.True(session.Follow("room1"));
        Assert.False(session.Follow("room1"));
        Assert.True(session.Unfollow("room1"));
        Assert.False(session.Unfollow("room1"));
        session.FollowAtStart(["room2", "room2"]);
        _mount.AttachStream(session, null, true);
        session.Unsubscribe();
        Assert.True(session.Follow("room3"));

        IReadOnlyList<FakeMountChannel.Subscription> subscriptions = Channel.Subscriptions;
        Assert.Equal(2, subscriptions.Count);
        Assert.Equal([null, "room1", "room1", "room2"], subscriptions[0].Refreshes);
        Assert.Equal([null], subscriptions[1].Refreshes);
    }

    [Fact]
    public void A_replay_does_not_repeat_a_broadcast_that_is_still_queued()
    {
        SseSession session = NewSession();
        Channel.NextStart = new ChannelStart([], Reset: false, HeadSequence: 5);
        _mount.AttachStream(session, null, false);
        Channel.Deliver(Event("node-a:6", 6, "six"));
        Channel.NextStart = new ChannelStart([Event("node-a:6", 6, "six"), Event("node-a:7", 7, "seven")], Reset: false, HeadSequence: 7);

        _mount.AttachStream(session, null, true);

        Assert.Equal(ReplayFrom.Sequence(5), Channel.Subscriptions[1].From);
        Assert.Equal(["six", "seven"], Parse(Drain(session)).Select(i => i.Data));
    }

    [Fact]
    public void A_closed_session_is_unsubscribed_and_gets_nothing_more()
    {
        SseSession session = AttachedSession();

        session.Close(SseDisconnectReason.Dropped);

        Assert.True(Assert.Single(Channel.Subscriptions).IsDisposed);
        Assert.Null(_mount.FindSession(session.SessionId));
        Assert.Equal(0, Channel.Deliver(Event("node-a:1", 1, "after")));
        Assert.False(session.Send("private", "after"));
    }

    [Fact]
    public async Task Disposing_the_mount_disposes_its_channel()
    {
        await _mount.DisposeAsync();

        Assert.Equal(1, Channel.DisposeCalls);
    }

    private static ChannelEvent Event(string id, long sequence, string data) =>
        new(id, sequence, SseFramer.Frame("news", data, id), 0);

    private static byte[] Drain(SseSession session)
    {
        ArrayBufferWriter<byte> into = new();
        session.Drain(into, int.MaxValue, out _, out _);
        return into.WrittenSpan.ToArray();
    }

    private static List<SseItem<string>> Parse(byte[] bytes) =>
        [.. SseParser.Create(new MemoryStream(bytes)).Enumerate()];

    private SseSession NewSession(int queueCapacity = 1000, long maxQueueBytes = 1_000_000) =>
        _mount.CreateSession(new SseRequest { Method = "GET", MountPath = MountPath, AcceptsEventStream = true }, null, queueCapacity, maxQueueBytes, _ticker);

    private SseSession AttachedSession()
    {
        SseSession session = NewSession();
        _mount.AttachStream(session, null, false);
        return session;
    }
}
