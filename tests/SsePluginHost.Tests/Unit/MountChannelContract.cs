using System.Net.ServerSentEvents;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using SsePluginHost.Channels;
using SsePluginHost.Configuration;
using SsePluginHost.Streaming;

namespace SsePluginHost.Tests.Unit;

/// <summary>
/// What every <see cref="IMountChannel"/> must do, whatever carries its events: one order for
/// every subscriber, ids the publisher is told, replay from an id or a sequence with a clean
/// hand-over to live events, resets when a position is unknown or older than the history, direct
/// sends that are not recorded, and frames that are the id line followed by the publisher's bytes.
/// </summary>
/// <remarks>
/// <para>
/// An implementation derives from this class and overrides <see cref="CreateChannel"/> (it is
/// <c>private protected</c> because the channel types are internal to the host: the derived class
/// lives in this test assembly). Every channel created is disposed after the test.
/// </para>
/// <para>
/// The tests do not assume that delivery happens inside <see cref="IMountChannel.PublishAsync"/>: they
/// wait (with a generous timeout, never a fixed delay) for the events a subscriber must get. Where
/// a test shows that a subscriber got nothing more, it waits for a later event to reach another
/// subscriber first, which assumes that a channel hands each event to all the subscribers of this
/// host before it hands them the next one.
/// </para>
/// <para>
/// The history's age limit is tested on the <see cref="FakeTimeProvider"/> handed to
/// <see cref="CreateChannel"/>. An implementation whose history cannot follow that clock (one that
/// lets a server expire entries, say) may ignore it and override
/// <see cref="An_id_older_than_the_max_age_is_a_reset"/> and
/// <see cref="The_history_count_leaves_out_events_older_than_the_max_age"/>, which are virtual for
/// that reason, with tests on its own clock, or with a <c>[Fact(Skip = "...")]</c> that says why.
/// </para>
/// </remarks>
public abstract class MountChannelContract : IDisposable
{
    private readonly List<IMountChannel> _channels = [];

    /// <summary>The clock handed to every channel the test creates.</summary>
    private protected FakeTimeProvider Time { get; } = new();

    /// <summary>The sessions handed to every channel the test creates.</summary>
    private protected RecordingRecipients Recipients { get; } = new();

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Disposes every channel the test created; a derived class disposes what it made for them after.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (IMountChannel channel in _channels)
            {
                channel.Dispose();
            }
        }
    }

    [Fact]
    public async Task Events_reach_each_subscriber_once_in_publish_order_with_the_ids_the_publisher_was_given()
    {
        IMountChannel channel = Channel();
        (RecordingSubscriber first, _, ChannelStart firstStart) = Subscribe(channel, ReplayFrom.Now);
        (RecordingSubscriber second, _, _) = Subscribe(channel, ReplayFrom.Now);

        List<PublishReceipt> receipts = [.. Enumerable.Range(0, 50).Select(i => PublishNow(channel, Body("tick", $"n={i}")))];

        await first.WaitForEventsAsync(50);
        await second.WaitForEventsAsync(50);
        string[] ids = [.. receipts.Select(r => r.Id)];
        Assert.Equal(50, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(receipts, r => Assert.Equal(2, r.Delivered));
        foreach (RecordingSubscriber subscriber in new[] { first, second })
        {
            Assert.Equal(1, subscriber.StartCalls);
            Assert.Equal(0, subscriber.EventsBeforeStart);
            Assert.Equal(ids, subscriber.EventIds);
            Assert.Equal(
                Enumerable.Range(0, 50).Select(i => $"n={i}"),
                subscriber.Events.Select(e => Assert.Single(Parse(e.Frame)).Data));
            AssertConsecutive(subscriber.Events);
        }

        Assert.Empty(firstStart.Replay);
        Assert.False(firstStart.Reset);
        Assert.Equal(first.Start.HeadSequence, firstStart.HeadSequence);
        Assert.Equal(firstStart.HeadSequence + 1, first.Events[0].Sequence);
    }

    [Fact]
    public async Task Delivered_counts_the_subscribers_that_took_the_event()
    {
        IMountChannel channel = Channel();
        Assert.Equal(0, PublishNow(channel, Body("e", "nobody listens")).Delivered);
        (RecordingSubscriber taker, _, _) = Subscribe(channel, ReplayFrom.Now);
        (RecordingSubscriber refuser, _, _) = Subscribe(channel, ReplayFrom.Now);
        (RecordingSubscriber other, _, _) = Subscribe(channel, ReplayFrom.Now);
        refuser.Refuse = true;

        PublishReceipt two = PublishNow(channel, Body("e", "two of three"));
        other.Refuse = true;
        PublishReceipt one = PublishNow(channel, Body("e", "one of three"));

        Assert.Equal(2, two.Delivered);
        Assert.Equal(1, one.Delivered);
        await taker.WaitForEventsAsync(2);
        Assert.Equal([two.Id, one.Id], taker.EventIds);
    }

    [Fact]
    public async Task An_event_of_a_topic_reaches_its_followers_only_and_one_of_the_mount_reaches_everyone()
    {
        IMountChannel channel = Channel();
        (RecordingSubscriber room1, _, _) = Subscribe(channel, ReplayFrom.Now, "room1");
        (RecordingSubscriber room2, _, _) = Subscribe(channel, ReplayFrom.Now, "room2");
        (RecordingSubscriber both, _, _) = Subscribe(channel, ReplayFrom.Now, "room1", "room2");
        (RecordingSubscriber none, _, _) = Subscribe(channel, ReplayFrom.Now);

        PublishReceipt toRoom1 = PublishNow(channel, Body("say", "in room 1") with { Topic = "room1" });
        PublishReceipt toRoom2 = PublishNow(channel, Body("say", "in room 2") with { Topic = "room2" });
        PublishReceipt toAll = PublishNow(channel, Body("news", "for everyone"));

        // The mount's event is the last: once the one who follows nothing has it, all have theirs.
        await none.WaitForEventsAsync(1);
        await both.WaitForEventsAsync(3);
        Assert.Equal([toAll.Id], none.EventIds);
        Assert.Equal([toRoom1.Id, toAll.Id], room1.EventIds);
        Assert.Equal([toRoom2.Id, toAll.Id], room2.EventIds);
        Assert.Equal([toRoom1.Id, toRoom2.Id, toAll.Id], both.EventIds);
        Assert.Equal("room1", room1.Events[0].Topic);
        Assert.Null(room1.Events[1].Topic);
    }

    [Fact]
    public async Task A_replay_gives_the_missed_events_of_the_mount_and_of_the_topics_followed_and_no_others()
    {
        IMountChannel channel = Channel();
        (RecordingSubscriber first, _, _) = Subscribe(channel, ReplayFrom.Now, "room1");
        PublishReceipt seen = PublishNow(channel, Body("news", "seen"));
        PublishReceipt inRoom1 = PublishNow(channel, Body("say", "missed in room 1") with { Topic = "room1" });
        PublishNow(channel, Body("say", "never for it, in room 2") with { Topic = "room2" });
        PublishReceipt toAll = PublishNow(channel, Body("news", "missed by all"));
        await first.WaitForEventsAsync(3);

        (RecordingSubscriber again, _, ChannelStart start) = Subscribe(channel, ReplayFrom.Id(seen.Id), "room1");

        Assert.False(start.Reset);
        Assert.Equal([inRoom1.Id, toAll.Id], again.ReplayThenLiveIds);
    }

    [Fact]
    public async Task A_subscriber_told_of_a_topic_it_follows_later_gets_its_later_events_and_none_once_told_it_stopped()
    {
        IMountChannel channel = Channel();
        (RecordingSubscriber late, IChannelSubscription subscription, _) = Subscribe(channel, ReplayFrom.Now);
        (RecordingSubscriber watcher, _, _) = Subscribe(channel, ReplayFrom.Now, "room1");

        PublishReceipt before = PublishNow(channel, Body("say", "before it follows") with { Topic = "room1" });
        late.Follow("room1");
        subscription.Refresh("room1");
        PublishReceipt following = PublishNow(channel, Body("say", "while it follows") with { Topic = "room1" });
        late.Unfollow("room1");
        subscription.Refresh("room1");
        PublishReceipt after = PublishNow(channel, Body("say", "after it stopped") with { Topic = "room1" });
        PublishReceipt toAll = PublishNow(channel, Body("news", "for everyone"));

        await watcher.WaitForEventsAsync(4);
        await late.WaitForEventsAsync(2);
        Assert.Equal([following.Id, toAll.Id], late.EventIds);
        Assert.Equal([before.Id, following.Id, after.Id, toAll.Id], watcher.EventIds);
        Assert.Equal([1, 2, 1, 2], new[] { before, following, after, toAll }.Select(r => r.Delivered));
    }

    [Fact]
    public async Task Refreshes_that_repeat_come_for_nothing_or_read_every_topic_settle_on_what_the_subscriber_follows()
    {
        IMountChannel channel = Channel();
        (RecordingSubscriber subscriber, IChannelSubscription subscription, _) = Subscribe(channel, ReplayFrom.Now, "room1");
        (RecordingSubscriber watcher, _, _) = Subscribe(channel, ReplayFrom.Now, "room1", "room2", "room3");

        // Told twice of one it follows, of one it never followed, and all at once of two more.
        subscription.Refresh("room1");
        subscription.Refresh("room1");
        subscription.Refresh("room9");
        subscriber.Follow("room2");
        subscriber.Follow("room3");
        subscription.RefreshAll();
        subscription.RefreshAll();
        string[] all = [.. new[] { "room1", "room2", "room3" }.Select(room => PublishNow(channel, Body("say", room) with { Topic = room }).Id)];

        // Stops following two: one is told, the other only read by a RefreshAll.
        subscriber.Unfollow("room1");
        subscriber.Unfollow("room3");
        subscription.Refresh("room1");
        subscription.Refresh("room1");
        subscription.RefreshAll();
        string[] later = [.. new[] { "room1", "room2", "room3" }.Select(room => PublishNow(channel, Body("say", room) with { Topic = room }).Id)];
        string last = PublishNow(channel, Body("news", "for everyone")).Id;

        await watcher.WaitForEventsAsync(7);
        await subscriber.WaitForEventsAsync(5);
        Assert.Equal([.. all, later[1], last], subscriber.EventIds);
    }

    [Fact]
    public async Task A_disposed_subscription_is_in_no_topic_and_a_refresh_after_it_changes_nothing()
    {
        IMountChannel channel = Channel();
        (RecordingSubscriber leaving, IChannelSubscription subscription, _) = Subscribe(channel, ReplayFrom.Now, "room1", "room2");
        (RecordingSubscriber staying, _, _) = Subscribe(channel, ReplayFrom.Now, "room1", "room2");
        string first = PublishNow(channel, Body("say", "to both") with { Topic = "room1" }).Id;
        await leaving.WaitForEventsAsync(1);

        subscription.Dispose();
        subscription.Refresh("room1");
        leaving.Follow("room3");
        subscription.RefreshAll();
        PublishReceipt[] after = [.. new[] { "room1", "room2", "room3" }.Select(room => PublishNow(channel, Body("say", room) with { Topic = room }))];

        Assert.Equal([1, 1, 0], after.Select(r => r.Delivered));
        await staying.WaitForEventsAsync(3);
        Assert.Equal([first, after[0].Id, after[1].Id], staying.EventIds);
        Assert.Equal([first], leaving.EventIds);
    }

    [Fact]
    public async Task Leaving_or_changing_topics_during_a_topic_event_does_not_break_its_delivery_to_the_other_followers()
    {
        IMountChannel channel = Channel();
        (RecordingSubscriber self, IChannelSubscription selfSubscription, _) = Subscribe(channel, ReplayFrom.Now, "room1");
        (RecordingSubscriber mover, IChannelSubscription moverSubscription, _) = Subscribe(channel, ReplayFrom.Now, "room1");
        (RecordingSubscriber killer, _, _) = Subscribe(channel, ReplayFrom.Now, "room1");
        (RecordingSubscriber victim, IChannelSubscription victimSubscription, _) = Subscribe(channel, ReplayFrom.Now, "room1");
        (RecordingSubscriber bystander, _, _) = Subscribe(channel, ReplayFrom.Now, "room1", "room2");
        self.During = _ => selfSubscription.Dispose();
        mover.During = _ =>
        {
            // Moves to room2 while room1's event is offered.
            mover.Unfollow("room1");
            moverSubscription.Refresh("room1");
            mover.Follow("room2");
            moverSubscription.Refresh("room2");
        };
        killer.During = _ => victimSubscription.Dispose();

        PublishReceipt inRoom1 = PublishNow(channel, Body("say", "room 1") with { Topic = "room1" });
        PublishReceipt againInRoom1 = PublishNow(channel, Body("say", "room 1 again") with { Topic = "room1" });
        PublishReceipt inRoom2 = PublishNow(channel, Body("say", "room 2") with { Topic = "room2" });

        await bystander.WaitForEventsAsync(3);
        await mover.WaitForEventsAsync(2);
        Assert.Equal([inRoom1.Id, againInRoom1.Id, inRoom2.Id], bystander.EventIds);
        Assert.Equal([inRoom1.Id, againInRoom1.Id], killer.EventIds);
        Assert.Equal([inRoom1.Id], self.EventIds);
        Assert.Equal([inRoom1.Id, inRoom2.Id], mover.EventIds);

        // The victim may or may not have been offered the event during which it was disposed.
        Assert.InRange(victim.Events.Count, 0, 1);
        Assert.Equal(4 + victim.Events.Count, inRoom1.Delivered);
        Assert.Equal(2, againInRoom1.Delivered);
        Assert.Equal(2, inRoom2.Delivered);
    }

    [Fact]
    public async Task An_event_with_its_own_id_keeps_it_and_can_be_resumed_after()
    {
        IMountChannel channel = Channel();
        (RecordingSubscriber subscriber, _, _) = Subscribe(channel, ReplayFrom.Now);
        byte[] body = SseFramer.FrameBody("order", "{\"n\":17}");

        PublishReceipt own = PublishNow(channel, new EventBody(body, "order-17"));
        PublishReceipt next = PublishNow(channel, Body("order", "{\"n\":18}"));

        Assert.Equal("order-17", own.Id);
        Assert.NotEqual("order-17", next.Id);
        await subscriber.WaitForEventsAsync(2);
        ChannelEvent received = subscriber.Events[0];
        Assert.Equal("order-17", received.Id);
        Assert.Equal(WithIdLine("order-17", body), received.Frame);
        Assert.Equal("order-17", Assert.Single(Parse(received.Frame)).EventId);

        (RecordingSubscriber resumed, _, ChannelStart start) = Subscribe(channel, ReplayFrom.Id("order-17"));
        Assert.False(start.Reset);
        Assert.Equal([next.Id], resumed.ReplayThenLiveIds);
    }

    [Fact]
    public async Task An_event_whose_own_id_cannot_be_framed_is_refused_and_leaves_the_channel_as_it_was()
    {
        // Callers check ids (SseEvent does), but the channel must not be left half-changed by one
        // it refuses: no hole in the order, the history and its limits intact.
        IMountChannel channel = Channel(count: 3);
        (RecordingSubscriber witness, _, _) = Subscribe(channel, ReplayFrom.Now);
        string first = PublishNow(channel, Body("e", "first")).Id;

        Assert.ThrowsAny<ArgumentException>(() => PublishNow(channel, Body("e", "bad", "line\nbreak")));
        string[] later = Publish(channel, 5);

        await witness.WaitForEventsAsync(6);
        Assert.Equal([first, .. later], witness.EventIds);
        AssertConsecutive(witness.Events);
        Assert.Equal(3, channel.HistoryCount);
        ChannelStart start = Subscribe(channel, ReplayFrom.Id(later[1])).Start;
        Assert.False(start.Reset);
        Assert.Equal(later[2..], start.Replay.Select(e => e.Id));
    }

    [Fact]
    public async Task Every_subscriber_sees_the_same_order_when_several_threads_publish()
    {
        const int Publishers = 4;
        const int PerPublisher = 2_000;
        const int Total = Publishers * PerPublisher;
        IMountChannel channel = Channel(count: Total);
        RecordingSubscriber[] subscribers = [.. Enumerable.Range(0, 3).Select(_ => Subscribe(channel, ReplayFrom.Now).Subscriber)];
        using Barrier go = new(Publishers);

        // One thread each (not pool threads, which a 2-core machine hands out slowly), let go together.
        PublishReceipt[][] receipts = await Task.WhenAll(Enumerable.Range(0, Publishers).Select(p => Task.Factory.StartNew(
            () =>
            {
                PublishReceipt[] mine = new PublishReceipt[PerPublisher];
                Assert.True(go.SignalAndWait(TimeSpan.FromSeconds(30)));
                for (int i = 0; i < PerPublisher; i++)
                {
                    mine[i] = PublishNow(channel, Body("p" + p, i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                }

                return mine;
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)));

        foreach (RecordingSubscriber subscriber in subscribers)
        {
            await subscriber.WaitForEventsAsync(Total);
        }

        IReadOnlyList<ChannelEvent> reference = subscribers[0].Events;
        Assert.Equal(Total, reference.Count);
        Assert.Equal(Total, reference.Select(e => e.Id).Distinct(StringComparer.Ordinal).Count());
        AssertConsecutive(reference);
        Assert.Equal(
            receipts.SelectMany(r => r).Select(r => r.Id).Order(StringComparer.Ordinal),
            reference.Select(e => e.Id).Order(StringComparer.Ordinal));
        foreach (RecordingSubscriber subscriber in subscribers)
        {
            Assert.Equal(0, subscriber.Overlaps);
            Assert.Equal(reference.Select(e => e.Id), subscriber.EventIds);
            Assert.Equal(reference.Select(e => e.Sequence), subscriber.Events.Select(e => e.Sequence));
        }

        // Each publisher's events keep the order in which it published them.
        Dictionary<string, int> position = reference.Select((e, i) => (e.Id, i)).ToDictionary(p => p.Id, p => p.i, StringComparer.Ordinal);
        foreach (PublishReceipt[] mine in receipts)
        {
            int[] places = [.. mine.Select(r => position[r.Id])];
            Assert.Equal(places.Order(), places);
        }
    }

    [Fact]
    public async Task Replay_then_live_has_no_gap_and_no_duplicate_while_another_thread_publishes()
    {
        // The publisher may publish up to a limit that the test raises by two steps at a time;
        // each subscription is made once the publisher is half-way through its allowance, so that
        // the hand-over from replay to live happens while it publishes.
        const int Step = 1_000;
        const int Behind = 200;
        const int Subscriptions = 10;
        const int Tail = 100;
        const int Total = (Subscriptions * 2 * Step) + Tail;
        IMountChannel channel = Channel(count: Total);
        string[] published = new string[Total];
        int count = 0;
        int limit = 0;
        int wanted = int.MaxValue;
        bool done = false;
        TaskCompletionSource? reached = null;
        using SemaphoreSlim more = new(0);

        Task publisher = Task.Factory.StartNew(
            () =>
            {
                for (int i = 0; ; i++)
                {
                    while (i >= Volatile.Read(ref limit))
                    {
                        if (Volatile.Read(ref done))
                        {
                            return;
                        }

                        if (!more.Wait(TimeSpan.FromSeconds(30)))
                        {
                            throw new TimeoutException("the test did not let the publisher go on");
                        }
                    }

                    published[i] = PublishNow(channel, Body("n", i.ToString(System.Globalization.CultureInfo.InvariantCulture))).Id;
                    Volatile.Write(ref count, i + 1);
                    if (i + 1 >= Volatile.Read(ref wanted))
                    {
                        Volatile.Read(ref reached)?.TrySetResult();
                    }
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

        List<(RecordingSubscriber Subscriber, int After)> late = [];
        for (int k = 0; k < Subscriptions; k++)
        {
            TaskCompletionSource next = new(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref reached, next);
            Volatile.Write(ref wanted, ((2 * k) + 1) * Step);
            Volatile.Write(ref limit, ((2 * k) + 2) * Step);
            more.Release();
            await next.Task.WaitAsync(TimeSpan.FromSeconds(30));

            int seen = Volatile.Read(ref count);
            int after = seen - Behind;
            (RecordingSubscriber subscriber, _, ChannelStart start) = Subscribe(channel, ReplayFrom.Id(published[after]));
            Assert.False(start.Reset);
            Assert.True(start.Replay.Count >= Behind - 1, $"replay of {start.Replay.Count} after #{after} of {seen}");
            late.Add((subscriber, after));
        }

        Volatile.Write(ref limit, Total);
        Volatile.Write(ref done, true);
        more.Release();
        await publisher;
        Assert.Equal(Total, Volatile.Read(ref count));
        foreach ((RecordingSubscriber subscriber, int after) in late)
        {
            string[] expected = published[(after + 1)..];
            await subscriber.WaitForReplayAndLiveAsync(expected.Length);
            Assert.Equal(expected, subscriber.ReplayThenLiveIds);
            Assert.NotEmpty(subscriber.Events);
            ChannelStart start = subscriber.Start;
            Assert.Equal(start.Replay[^1].Sequence, start.HeadSequence);
            AssertConsecutive([.. start.Replay, .. subscriber.Events]);
        }
    }

    [Fact]
    public async Task Replay_from_a_sequence_gets_the_events_after_it_then_the_live_ones()
    {
        IMountChannel channel = Channel();
        (RecordingSubscriber witness, _, _) = Subscribe(channel, ReplayFrom.Now);
        string[] ids = Publish(channel, 10);
        await witness.WaitForEventsAsync(10);

        (RecordingSubscriber subscriber, _, ChannelStart start) = Subscribe(channel, ReplayFrom.Sequence(witness.Events[3].Sequence));
        string later = PublishNow(channel, Body("e", "later")).Id;

        Assert.False(start.Reset);
        Assert.Equal(ids[4..], start.Replay.Select(e => e.Id));
        Assert.Equal(witness.Events[9].Sequence, start.HeadSequence);
        await subscriber.WaitForEventsAsync(1);
        Assert.Equal([.. ids[4..], later], subscriber.ReplayThenLiveIds);
    }

    [Fact]
    public async Task Replay_from_now_gets_nothing_already_published_and_every_later_event()
    {
        IMountChannel channel = Channel();
        Publish(channel, 5);

        (RecordingSubscriber subscriber, _, ChannelStart start) = Subscribe(channel, ReplayFrom.Now);
        string[] later = Publish(channel, 3);

        Assert.False(start.Reset);
        Assert.Empty(start.Replay);
        await subscriber.WaitForEventsAsync(3);
        Assert.Equal(later, subscriber.EventIds);
    }

    [Fact]
    public async Task The_newest_id_or_sequence_is_up_to_date_no_replay_and_no_reset()
    {
        IMountChannel channel = Channel();
        (RecordingSubscriber witness, _, _) = Subscribe(channel, ReplayFrom.Now);
        string[] ids = Publish(channel, 5);
        await witness.WaitForEventsAsync(5);
        long head = witness.Events[^1].Sequence;

        (RecordingSubscriber byId, _, ChannelStart idStart) = Subscribe(channel, ReplayFrom.Id(ids[^1]));
        (RecordingSubscriber bySequence, _, ChannelStart sequenceStart) = Subscribe(channel, ReplayFrom.Sequence(head));
        string next = PublishNow(channel, Body("e", "next")).Id;

        foreach ((RecordingSubscriber subscriber, ChannelStart start) in new[] { (byId, idStart), (bySequence, sequenceStart) })
        {
            Assert.False(start.Reset);
            Assert.Empty(start.Replay);
            Assert.Equal(head, start.HeadSequence);
            await subscriber.WaitForEventsAsync(1);
            Assert.Equal([next], subscriber.EventIds);
        }
    }

    [Fact]
    public async Task An_unknown_id_is_a_reset_with_no_replay_then_the_live_events()
    {
        IMountChannel channel = Channel();
        Publish(channel, 5);

        (RecordingSubscriber subscriber, _, ChannelStart start) = Subscribe(channel, ReplayFrom.Id("not-one-of-mine"));
        string[] later = Publish(channel, 2);

        Assert.True(start.Reset);
        Assert.Empty(start.Replay);
        Assert.True(subscriber.Start.Reset);
        await subscriber.WaitForEventsAsync(2);
        Assert.Equal(later, subscriber.EventIds);
    }

    [Fact]
    public async Task An_id_the_history_count_evicted_is_a_reset()
    {
        IMountChannel channel = Channel(count: 5);
        string[] ids = Publish(channel, 20);

        Assert.Equal(5, channel.HistoryCount);
        foreach (string evicted in new[] { ids[0], ids[10], ids[13] })
        {
            (RecordingSubscriber subscriber, _, ChannelStart start) = Subscribe(channel, ReplayFrom.Id(evicted));
            Assert.True(start.Reset, evicted);
            Assert.Empty(start.Replay);
            string later = PublishNow(channel, Body("e", "later")).Id;
            await subscriber.WaitForEventsAsync(1);
            Assert.Equal([later], subscriber.EventIds);
        }
    }

    [Fact]
    public async Task A_sequence_the_history_count_evicted_is_a_reset()
    {
        IMountChannel channel = Channel(count: 5);
        (RecordingSubscriber witness, _, _) = Subscribe(channel, ReplayFrom.Now);
        Publish(channel, 20);
        await witness.WaitForEventsAsync(20);

        (_, _, ChannelStart start) = Subscribe(channel, ReplayFrom.Sequence(witness.Events[13].Sequence));

        Assert.True(start.Reset);
        Assert.Empty(start.Replay);
    }

    [Fact]
    public async Task The_position_just_before_the_oldest_kept_still_replays_completely()
    {
        // The history remembers the id it evicted last: a client that got exactly that one missed
        // only what is kept, so it gets all of it rather than a reset.
        IMountChannel channel = Channel(count: 5);
        (RecordingSubscriber witness, _, _) = Subscribe(channel, ReplayFrom.Now);
        string[] ids = Publish(channel, 20);
        await witness.WaitForEventsAsync(20);

        (_, _, ChannelStart byId) = Subscribe(channel, ReplayFrom.Id(ids[14]));
        (_, _, ChannelStart bySequence) = Subscribe(channel, ReplayFrom.Sequence(witness.Events[14].Sequence));

        Assert.False(byId.Reset);
        Assert.Equal(ids[15..], byId.Replay.Select(e => e.Id));
        Assert.False(bySequence.Reset);
        Assert.Equal(ids[15..], bySequence.Replay.Select(e => e.Id));
    }

    /// <summary>
    /// The history's age limit, on the fake clock. Virtual: an implementation that cannot follow
    /// <see cref="FakeTimeProvider"/> overrides it (see the class's remarks).
    /// </summary>
    [Fact]
    public virtual async Task An_id_older_than_the_max_age_is_a_reset()
    {
        IMountChannel channel = Channel(count: 1000, maxAgeSeconds: 60);
        string[] old = Publish(channel, 5);
        Time.Advance(TimeSpan.FromSeconds(30));
        string[] recent = Publish(channel, 5);
        Time.Advance(TimeSpan.FromSeconds(31));

        (RecordingSubscriber tooOld, _, ChannelStart tooOldStart) = Subscribe(channel, ReplayFrom.Id(old[2]));
        (_, _, ChannelStart boundaryStart) = Subscribe(channel, ReplayFrom.Id(old[^1]));
        (_, _, ChannelStart recentStart) = Subscribe(channel, ReplayFrom.Id(recent[1]));

        Assert.True(tooOldStart.Reset);
        Assert.Empty(tooOldStart.Replay);
        Assert.False(boundaryStart.Reset);
        Assert.Equal(recent, boundaryStart.Replay.Select(e => e.Id));
        Assert.False(recentStart.Reset);
        Assert.Equal(recent[2..], recentStart.Replay.Select(e => e.Id));
        Assert.Equal(5, channel.HistoryCount);
        string later = PublishNow(channel, Body("e", "later")).Id;
        await tooOld.WaitForEventsAsync(1);
        Assert.Equal([later], tooOld.EventIds);

        // Once the recent ones are too old as well, only the newest id is still up to date.
        Time.Advance(TimeSpan.FromSeconds(61));
        Assert.True(Subscribe(channel, ReplayFrom.Id(recent[3])).Start.Reset);
        ChannelStart newest = Subscribe(channel, ReplayFrom.Id(later)).Start;
        Assert.False(newest.Reset);
        Assert.Empty(newest.Replay);
    }

    /// <summary>
    /// <see cref="IMountChannel.HistoryCount"/> is "how many events the history holds now": once
    /// the age limit has passed, events that can no longer be replayed are not held.
    /// </summary>
    [Fact]
    public virtual void The_history_count_leaves_out_events_older_than_the_max_age()
    {
        IMountChannel channel = Channel(count: 1000, maxAgeSeconds: 60);
        Publish(channel, 5);
        Assert.Equal(5, channel.HistoryCount);

        Time.Advance(TimeSpan.FromSeconds(61));

        Assert.Equal(0, channel.HistoryCount);
    }

    [Fact]
    public async Task With_a_history_count_of_zero_any_id_but_the_newest_is_a_reset()
    {
        IMountChannel channel = Channel(count: 0);
        string[] ids = Publish(channel, 3);

        Assert.Equal(0, channel.HistoryCount);
        foreach (string id in new[] { ids[0], ids[1], "unknown" })
        {
            ChannelStart start = Subscribe(channel, ReplayFrom.Id(id)).Start;
            Assert.True(start.Reset, id);
            Assert.Empty(start.Replay);
        }

        (RecordingSubscriber upToDate, _, ChannelStart newest) = Subscribe(channel, ReplayFrom.Id(ids[2]));
        Assert.False(newest.Reset);
        Assert.Empty(newest.Replay);
        string later = PublishNow(channel, Body("e", "later")).Id;
        await upToDate.WaitForEventsAsync(1);
        Assert.Equal([later], upToDate.EventIds);
    }

    [Fact]
    public async Task Disposing_a_subscription_stops_its_delivery()
    {
        IMountChannel channel = Channel();
        (RecordingSubscriber leaving, IDisposable subscription, _) = Subscribe(channel, ReplayFrom.Now);
        (RecordingSubscriber staying, _, _) = Subscribe(channel, ReplayFrom.Now);
        string first = PublishNow(channel, Body("e", "1")).Id;
        await leaving.WaitForEventsAsync(1);

        subscription.Dispose();
        PublishReceipt second = PublishNow(channel, Body("e", "2"));
        subscription.Dispose();
        PublishReceipt third = PublishNow(channel, Body("e", "3"));

        Assert.Equal(1, second.Delivered);
        Assert.Equal(1, third.Delivered);
        await staying.WaitForEventsAsync(3);
        Assert.Equal([first, second.Id, third.Id], staying.EventIds);
        Assert.Equal([first], leaving.EventIds);
    }

    [Fact]
    public async Task A_subscriber_that_disposes_itself_or_another_during_OnEvent_does_not_break_delivery_to_the_others()
    {
        IMountChannel channel = Channel();
        (RecordingSubscriber self, IDisposable selfSubscription, _) = Subscribe(channel, ReplayFrom.Now);
        (RecordingSubscriber killer, _, _) = Subscribe(channel, ReplayFrom.Now);
        (RecordingSubscriber victim, IDisposable victimSubscription, _) = Subscribe(channel, ReplayFrom.Now);
        (RecordingSubscriber bystander, _, _) = Subscribe(channel, ReplayFrom.Now);
        self.During = _ =>
        {
            if (self.Events.Count == 2)
            {
                selfSubscription.Dispose();
            }
        };
        killer.During = _ =>
        {
            if (killer.Events.Count == 3)
            {
                victimSubscription.Dispose();
            }
        };

        PublishReceipt[] receipts = [.. Enumerable.Range(1, 6).Select(i => PublishNow(channel, Body("e", i.ToString(System.Globalization.CultureInfo.InvariantCulture))))];

        string[] ids = [.. receipts.Select(r => r.Id)];
        await bystander.WaitForEventsAsync(6);
        await killer.WaitForEventsAsync(6);
        Assert.Equal(ids, bystander.EventIds);
        Assert.Equal(ids, killer.EventIds);
        Assert.Equal(ids[..2], self.EventIds);

        // The victim may or may not have been offered the event during which it was disposed,
        // depending on whether its turn came before the killer's; never a later one.
        Assert.InRange(victim.Events.Count, 2, 3);
        Assert.Equal(ids[..victim.Events.Count], victim.EventIds);
        Assert.Equal(4, receipts[0].Delivered);
        Assert.Equal(2, receipts[3].Delivered);
        Assert.Equal(2, receipts[5].Delivered);
    }

    [Fact]
    public void SendTo_hands_the_body_to_the_session_and_returns_its_answer()
    {
        IMountChannel channel = Channel();
        byte[] body = SseFramer.FrameBody("private", "for you");

        Recipients.Answer = true;
        bool taken = channel.SendTo("session-a", new EventBody(body, null));
        Recipients.Answer = false;
        bool refused = channel.SendTo("session-b", new EventBody(body, null));
        Recipients.Answer = true;
        bool withId = channel.SendTo("session-c", new EventBody(body, "mine-1"));

        Assert.True(taken);
        Assert.False(refused);
        Assert.True(withId);
        IReadOnlyList<(string SessionId, byte[] Frame)> deliveries = Recipients.Deliveries;
        Assert.Equal(["session-a", "session-b", "session-c"], deliveries.Select(d => d.SessionId));
        Assert.Equal(body, deliveries[0].Frame);
        Assert.DoesNotContain("id:", Encoding.UTF8.GetString(deliveries[0].Frame), StringComparison.Ordinal);
        Assert.Equal(WithIdLine("mine-1", body), deliveries[2].Frame);
        SseItem<string> item = Assert.Single(Parse(deliveries[2].Frame));
        Assert.Equal("private", item.EventType);
        Assert.Equal("for you", item.Data);
        Assert.Equal("mine-1", item.EventId);
    }

    [Fact]
    public async Task What_SendTo_sends_is_neither_delivered_to_subscribers_nor_recorded_for_replay()
    {
        IMountChannel channel = Channel();
        (RecordingSubscriber witness, _, _) = Subscribe(channel, ReplayFrom.Now);
        string before = PublishNow(channel, Body("e", "before")).Id;

        channel.SendTo("session-a", Body("private", "one"));
        channel.SendTo("session-a", new EventBody(SseFramer.FrameBody("private", "two"), "own-2"));
        string after = PublishNow(channel, Body("e", "after")).Id;

        Assert.Equal(2, channel.HistoryCount);
        await witness.WaitForEventsAsync(2);
        Assert.Equal([before, after], witness.EventIds);
        ChannelStart replay = Subscribe(channel, ReplayFrom.Id(before)).Start;
        Assert.False(replay.Reset);
        Assert.Equal([after], replay.Replay.Select(e => e.Id));
        Assert.True(Subscribe(channel, ReplayFrom.Id("own-2")).Start.Reset);
    }

    [Fact]
    public async Task A_published_frame_is_the_id_line_then_the_body_and_parses_back_to_the_event()
    {
        IMountChannel channel = Channel();
        (RecordingSubscriber subscriber, _, _) = Subscribe(channel, ReplayFrom.Now);
        (string? Type, string Data)[] events =
        [
            ("greeting", "hello"),
            (null, "no type: a message"),
            ("multi", "first line\nsecond line\n\nfourth"),
            ("unicode", "ünïcödé ✓"),
            ("empty", string.Empty),
        ];
        byte[][] bodies = [.. events.Select(e => SseFramer.FrameBody(e.Type, e.Data))];

        string[] ids = [.. bodies.Select(b => PublishNow(channel, new EventBody(b, null)).Id)];

        await subscriber.WaitForEventsAsync(events.Length);
        IReadOnlyList<ChannelEvent> received = subscriber.Events;
        for (int i = 0; i < events.Length; i++)
        {
            Assert.Equal(ids[i], received[i].Id);
            Assert.Equal(WithIdLine(ids[i], bodies[i]), received[i].Frame);
        }

        List<SseItem<string>> parsed = Parse([.. received.SelectMany(e => e.Frame)]);
        Assert.Equal(events.Length, parsed.Count);
        for (int i = 0; i < events.Length; i++)
        {
            Assert.Equal(events[i].Type ?? "message", parsed[i].EventType);
            Assert.Equal(events[i].Data, parsed[i].Data);
            Assert.Equal(ids[i], parsed[i].EventId);
        }

        // A replay carries the very same bytes.
        ChannelStart replay = Subscribe(channel, ReplayFrom.Id(ids[0])).Start;
        Assert.Equal(received.Skip(1).Select(e => e.Frame), replay.Replay.Select(e => e.Frame));
    }

    [Fact]
    public void The_history_count_is_the_events_kept_up_to_the_limit()
    {
        IMountChannel channel = Channel(count: 5);
        Assert.Equal(0, channel.HistoryCount);

        Publish(channel, 3);
        Assert.Equal(3, channel.HistoryCount);

        Publish(channel, 10);
        Assert.Equal(5, channel.HistoryCount);
    }

    /// <summary>Makes the channel under test; <paramref name="time"/> drives its history's age limit.</summary>
    private protected abstract IMountChannel CreateChannel(HistorySettings history, IDirectRecipients recipients, FakeTimeProvider time);

    /// <summary>An event body as a publisher frames it.</summary>
    private protected static EventBody Body(string? type, string data, string? ownId = null) =>
        new(SseFramer.FrameBody(type, data), ownId);

    /// <summary>What a frame with an id must be: the <c>id:</c> line, then the body's bytes unchanged.</summary>
    private protected static byte[] WithIdLine(string id, byte[] body) =>
        [.. Encoding.UTF8.GetBytes("id: " + id + "\n"), .. body];

    private protected static List<SseItem<string>> Parse(byte[] bytes) =>
        [.. SseParser.Create(new MemoryStream(bytes)).Enumerate()];

    private protected static void AssertConsecutive(IReadOnlyList<ChannelEvent> events)
    {
        for (int i = 1; i < events.Count; i++)
        {
            Assert.Equal(events[i - 1].Sequence + 1, events[i].Sequence);
        }
    }

    /// <summary>A channel with these history settings (no age limit unless given), disposed after the test.</summary>
    private protected IMountChannel Channel(int count = 1000, double maxAgeSeconds = 0)
    {
        IMountChannel channel = CreateChannel(new HistorySettings { Count = count, MaxAgeSeconds = maxAgeSeconds }, Recipients, Time);
        _channels.Add(channel);
        return channel;
    }

    private protected static (RecordingSubscriber Subscriber, IChannelSubscription Subscription, ChannelStart Start) Subscribe(IMountChannel channel,
        ReplayFrom from, params string[] topics)
    {
        RecordingSubscriber subscriber = new();
        subscriber.Topics.UnionWith(topics);
        IChannelSubscription subscription = channel.Subscribe(subscriber, from, out ChannelStart start);
        Assert.Equal(1, subscriber.StartCalls);
        Assert.Equal(start.Reset, subscriber.Start.Reset);
        Assert.Equal(start.HeadSequence, subscriber.Start.HeadSequence);
        Assert.Equal(start.Replay.Select(e => e.Id), subscriber.Start.Replay.Select(e => e.Id));
        return (subscriber, subscription, start);
    }

    /// <summary>Publishes an event and waits (a generous while at most) until the channel has handed it to this host's subscribers.</summary>
    private protected static PublishReceipt PublishNow(IMountChannel channel, EventBody body)
    {
        ValueTask<PublishReceipt> publishing = channel.PublishAsync(body);
        return publishing.IsCompleted
            ? publishing.Result
            : publishing.AsTask().WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
    }

    /// <summary>Publishes numbered events and returns their ids.</summary>
    private protected static string[] Publish(IMountChannel channel, int count) =>
        [.. Enumerable.Range(0, count).Select(i => PublishNow(channel, Body("e", i.ToString(System.Globalization.CultureInfo.InvariantCulture))).Id)];
}
