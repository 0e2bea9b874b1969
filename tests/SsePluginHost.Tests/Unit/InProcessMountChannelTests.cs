using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using SsePluginHost.Channels;
using SsePluginHost.Configuration;

namespace SsePluginHost.Tests.Unit;

/// <summary>The in-process channel: the contract every channel keeps, and its own ids, which start from the clock.</summary>
public sealed class InProcessMountChannelTests : MountChannelContract
{
    [Fact]
    public void Ids_are_decimal_numbers_that_increase_by_one()
    {
        IMountChannel channel = Channel();

        long[] ids = [.. Publish(channel, 100).Select(id => long.Parse(id, NumberStyles.None, CultureInfo.InvariantCulture))];

        for (int i = 1; i < ids.Length; i++)
        {
            Assert.Equal(ids[i - 1] + 1, ids[i]);
        }
    }

    [Fact]
    public void Ids_start_from_the_clocks_unix_time_in_milliseconds_times_a_thousand()
    {
        DateTimeOffset created = Time.GetUtcNow();
        IMountChannel channel = Channel();
        Time.Advance(TimeSpan.FromMinutes(5));

        string first = PublishNow(channel, Body("e", "first")).Id;

        Assert.Equal((created.ToUnixTimeMilliseconds() * 1000) + 1, long.Parse(first, CultureInfo.InvariantCulture));
    }

    [Fact]
    public void A_channel_created_later_gives_larger_ids_and_resets_a_client_with_an_id_of_the_earlier_one()
    {
        IMountChannel before = Channel();
        string[] earlier = Publish(before, 500);
        Time.Advance(TimeSpan.FromSeconds(1));
        IMountChannel after = Channel();

        string[] later = Publish(after, 3);

        Assert.True(long.Parse(later[0], CultureInfo.InvariantCulture) > long.Parse(earlier[^1], CultureInfo.InvariantCulture));
        ChannelStart start = Subscribe(after, ReplayFrom.Id(earlier[^1])).Start;
        Assert.True(start.Reset);
        Assert.Empty(start.Replay);
    }

    [Fact]
    public void An_event_of_a_topic_asks_and_offers_only_that_topics_followers()
    {
        InProcessMountChannel channel = InProcessChannel();

        // 1,000 subscribers in 500 rooms, two to a room, and a few that follow none.
        RecordingSubscriber[] inRooms = [.. Enumerable.Range(0, 1000).Select(i => Subscribe(channel, ReplayFrom.Now, Room(i / 2)).Subscriber)];
        RecordingSubscriber[] inNone = [.. Enumerable.Range(0, 10).Select(_ => Subscribe(channel, ReplayFrom.Now).Subscriber)];
        int[] askedBefore = [.. inRooms.Concat(inNone).Select(s => s.FollowsCalls)];

        PublishReceipt toRoom = PublishNow(channel, Body("say", "in room 7") with { Topic = Room(7) });

        Assert.Equal(2, toRoom.Delivered);
        Assert.Equal(500, channel.TopicCount);
        RecordingSubscriber[] all = [.. inRooms, .. inNone];
        for (int i = 0; i < all.Length; i++)
        {
            bool follower = i < inRooms.Length && i / 2 == 7;
            Assert.Equal(follower ? 1 : 0, all[i].EventCount);
            if (!follower)
            {
                Assert.Equal(askedBefore[i], all[i].FollowsCalls);
            }
        }

        // An event of the whole mount reaches every one and asks none of them what it follows.
        int[] askedAfterRoom = [.. all.Select(s => s.FollowsCalls)];
        PublishReceipt toAll = PublishNow(channel, Body("news", "for everyone"));

        Assert.Equal(all.Length, toAll.Delivered);
        Assert.Equal(askedAfterRoom, all.Select(s => s.FollowsCalls));
        Assert.All(all, s => Assert.Equal(toAll.Id, s.Events[^1].Id));
    }

    [Fact]
    public void Topics_that_come_and_go_are_forgotten_once_no_subscriber_follows_them()
    {
        InProcessMountChannel channel = InProcessChannel();
        (RecordingSubscriber mover, IChannelSubscription moving, _) = Subscribe(channel, ReplayFrom.Now, "lobby");

        for (int i = 0; i < 1000; i++)
        {
            // A room opens with one who subscribes into it, another follows it later, both leave.
            string room = Room(i);
            (_, IChannelSubscription opener, _) = Subscribe(channel, ReplayFrom.Now, room);
            mover.Follow(room);
            moving.Refresh(room);
            Assert.Equal(2, PublishNow(channel, Body("say", "hello") with { Topic = room }).Delivered);
            Assert.Equal(2, channel.TopicCount);

            opener.Dispose();
            mover.Unfollow(room);
            moving.Refresh(room);
            Assert.Equal(1, channel.TopicCount);
        }

        Assert.Equal(1000, mover.EventCount);
        Assert.Equal(1, channel.SubscriberCount);
        moving.Dispose();
        Assert.Equal(0, channel.TopicCount);
        Assert.Equal(0, channel.SubscriberCount);
    }

    [Fact]
    public void Subscribers_that_leave_or_unfollow_during_a_topic_event_leave_no_topic_behind()
    {
        InProcessMountChannel channel = InProcessChannel();

        for (int i = 0; i < 100; i++)
        {
            string room = Room(i);
            (RecordingSubscriber leaving, IChannelSubscription leavingSubscription, _) = Subscribe(channel, ReplayFrom.Now, room, "only-the-leaving");
            leaving.During = _ => leavingSubscription.Dispose();
            (RecordingSubscriber unfollowing, IChannelSubscription unfollowingSubscription, _) = Subscribe(channel, ReplayFrom.Now, room);
            unfollowing.During = _ =>
            {
                unfollowing.Unfollow(room);
                unfollowingSubscription.Refresh(room);
            };

            Assert.Equal(2, PublishNow(channel, Body("say", "last words") with { Topic = room }).Delivered);
            Assert.Equal(0, channel.TopicCount);
            Assert.Equal(0, PublishNow(channel, Body("say", "nobody left") with { Topic = room }).Delivered);
        }

        Assert.Equal(100, channel.SubscriberCount);
    }

    [Fact]
    public async Task Refreshes_that_race_with_each_other_and_with_delivery_settle_on_what_each_subscriber_follows()
    {
        InProcessMountChannel channel = InProcessChannel();
        string[] rooms = ["a", "b", "c"];
        (RecordingSubscriber Subscriber, IChannelSubscription Subscription)[] movers = [.. Enumerable.Range(0, 4).Select(_ =>
        {
            (RecordingSubscriber Subscriber, IChannelSubscription Subscription, ChannelStart Start) subscribed = Subscribe(channel, ReplayFrom.Now);
            return (subscribed.Subscriber, subscribed.Subscription);
        })];
        using CancellationTokenSource stop = new();

        // Each mover joins and leaves rooms and tells its subscription, while another thread keeps
        // telling it to read all its topics and a third publishes to the rooms.
        Task publisher = Task.Factory.StartNew(
            () =>
            {
                for (int n = 0; !stop.IsCancellationRequested; n++)
                {
                    PublishNow(channel, Body("say", "busy") with { Topic = rooms[n % rooms.Length] });
                }
            },
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Task[] refreshers = [.. movers.Select(m => Task.Factory.StartNew(
            () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    m.Subscription.RefreshAll();
                }
            },
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default))];
        await Task.WhenAll(movers.Select((m, k) => Task.Run(() =>
        {
            for (int round = 0; round < 2000; round++)
            {
                string room = rooms[((round * 7) + k) % rooms.Length];
                if (m.Subscriber.Follows(room))
                {
                    m.Subscriber.Unfollow(room);
                }
                else
                {
                    m.Subscriber.Follow(room);
                }

                m.Subscription.Refresh(room);
            }
        })));
        await stop.CancelAsync();
        await Task.WhenAll([publisher, .. refreshers]);

        // Now each room's event asks exactly its followers, and only the rooms followed are kept.
        bool[,] follows = new bool[movers.Length, rooms.Length];
        for (int k = 0; k < movers.Length; k++)
        {
            for (int r = 0; r < rooms.Length; r++)
            {
                follows[k, r] = movers[k].Subscriber.Follows(rooms[r]);
            }
        }

        Assert.Equal(Enumerable.Range(0, rooms.Length).Count(r => Enumerable.Range(0, movers.Length).Any(k => follows[k, r])), channel.TopicCount);
        for (int r = 0; r < rooms.Length; r++)
        {
            int[] asked = [.. movers.Select(m => m.Subscriber.FollowsCalls)];
            int[] offered = [.. movers.Select(m => m.Subscriber.EventCount)];
            PublishReceipt receipt = PublishNow(channel, Body("say", "settled") with { Topic = rooms[r] });
            int followers = Enumerable.Range(0, movers.Length).Count(k => follows[k, r]);
            Assert.Equal(followers, receipt.Delivered);
            for (int k = 0; k < movers.Length; k++)
            {
                int expected = follows[k, r] ? 1 : 0;
                Assert.Equal(expected, movers[k].Subscriber.FollowsCalls - asked[k]);
                Assert.Equal(expected, movers[k].Subscriber.EventCount - offered[k]);
            }
        }
    }

    [Fact]
    public void A_channel_that_continues_another_reaches_the_topic_followers_of_both_and_forgets_the_topics_once_both_are_disposed()
    {
        InProcessMountChannel before = InProcessChannel();
        (RecordingSubscriber early, IChannelSubscription earlySubscription, _) = Subscribe(before, ReplayFrom.Now);
        InProcessMountChannel after = before.Continue(Recipients);
        early.Follow("room1");
        earlySubscription.Refresh("room1");
        (RecordingSubscriber late, _, _) = Subscribe(after, ReplayFrom.Now, "room1");

        PublishReceipt inRoom = PublishNow(after, Body("say", "room 1") with { Topic = "room1" });
        before.Dispose();
        PublishReceipt stillShared = PublishNow(after, Body("say", "room 1 again") with { Topic = "room1" });

        Assert.Equal(2, inRoom.Delivered);
        Assert.Equal(2, stillShared.Delivered);
        Assert.Equal([inRoom.Id, stillShared.Id], early.EventIds);
        Assert.Equal([inRoom.Id, stillShared.Id], late.EventIds);
        Assert.Equal(1, after.TopicCount);
        after.Dispose();
        Assert.Equal(0, after.TopicCount);
        Assert.Equal(0, after.SubscriberCount);
    }

    private static string Room(int number) => "room-" + number.ToString(CultureInfo.InvariantCulture);

    private InProcessMountChannel InProcessChannel() => (InProcessMountChannel)Channel();

    private protected override IMountChannel CreateChannel(HistorySettings history, IDirectRecipients recipients, FakeTimeProvider time) =>
        new InProcessMountChannel(history, recipients, time);
}
