using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SsePluginHost.Backplane;
using SsePluginHost.Channels;
using SsePluginHost.Configuration;
using SsePluginHost.Tests.Infrastructure;
using StackExchange.Redis;

namespace SsePluginHost.Tests.Unit;

/// <summary>
/// Two hosts' channels of one mount over a real <c>redis-server</c>: an event's notification
/// carries the whole entry, so a host delivers it without reading the stream (one round trip to
/// Redis fewer per event); a notification it cannot read (an older host's, the bare id) makes it
/// read the stream, and nothing is lost either way.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisAnnouncementTests(RedisFixture redis) : IDisposable
{
    private readonly string _prefix = "announce-" + Guid.NewGuid().ToString("N");
    private readonly List<IDisposable> _owned = [];

    public void Dispose()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }
    }

    [Fact]
    public async Task Events_published_on_one_host_reach_another_without_it_reading_the_stream_for_each()
    {
        RedisMountChannel publisher = Channel();
        RedisMountChannel reader = Channel();
        RecordingSubscriber listener = new();
        _owned.Add(reader.Subscribe(listener, ReplayFrom.Now, out _));
        int before = await WarmUpAsync(publisher, listener);
        long readsBefore = await StreamReadsAsync();

        PublishReceipt[] receipts = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => publisher.PublishAsync(Body($"n={i}")).AsTask()));
        await listener.WaitForEventsAsync(before + 100);

        Assert.Equal(receipts.Select(r => r.Id), listener.EventIds.Skip(before));
        Assert.Equal(
            Enumerable.Range(0, 100).Select(i => $"data: n={i}\n\n"),
            listener.Events.Skip(before).Select(e => FrameData(e.Frame)));

        // Both channels read the stream now and then (a gap, a quiet spell), not once per event.
        long reads = await StreamReadsAsync() - readsBefore;
        Assert.True(reads < 20, $"{reads} reads of the stream for 100 events on two hosts");
    }

    [Fact]
    public async Task An_entry_announced_as_a_bare_id_as_older_hosts_do_is_read_from_the_stream()
    {
        RedisMountChannel reader = Channel();
        RecordingSubscriber listener = new();
        _owned.Add(reader.Subscribe(listener, ReplayFrom.Now, out _));
        int before = await WarmUpAsync(reader, listener);

        // What a host of the version before announcements writes: the entry, then its id alone.
        using ConnectionMultiplexer redisConnection = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration);
        IDatabase database = redisConnection.GetDatabase();
        string events = _prefix + ":mount:{bench}:events";
        long number = await database.StringIncrementAsync(_prefix + ":mount:{bench}:number");
        RedisValue id = await database.StreamAddAsync(events, [
            new NameValueEntry("s", number), new NameValueEntry("k", "e"), new NameValueEntry("b", Encoding.UTF8.GetBytes("data: from an older host\n\n")),
            new NameValueEntry("o", string.Empty), new NameValueEntry("n", "older"), new NameValueEntry("t", 0), new NameValueEntry("p", string.Empty)]);
        await database.PublishAsync(RedisChannel.Literal(_prefix + ":mount:{bench}:published"), id);

        await listener.WaitForEventsAsync(before + 1);
        Assert.Equal((string)id!, listener.EventIds[before]);
        Assert.Equal("data: from an older host\n\n", FrameData(listener.Events[before].Frame));
    }

    /// <summary>
    /// Publishes until one event reaches the listener: a channel delivers live only once it has
    /// read the stream's end (what came before is history). Returns how many the listener has,
    /// all of them delivered, since they come in order and the last one is there.
    /// </summary>
    private static async Task<int> WarmUpAsync(RedisMountChannel publisher, RecordingSubscriber listener)
    {
        for (int attempt = 0; attempt < 60; attempt++)
        {
            PublishReceipt warm = await publisher.PublishAsync(Body("warm-up"));
            try
            {
                await Eventually.TrueAsync(() => listener.EventIds.Contains(warm.Id), TimeSpan.FromSeconds(1));
                return listener.Events.Count;
            }
            catch (TimeoutException)
            {
                // Not reading live yet: another.
            }
        }

        throw new TimeoutException("No warm-up event reached the listener in a minute.");
    }

    private static EventBody Body(string data) => new(Encoding.UTF8.GetBytes($"data: {data}\n\n"), null);

    /// <summary>The frame without its id line.</summary>
    private static string FrameData(byte[] frame) => string.Join('\n', Encoding.UTF8.GetString(frame).Split('\n').Where(l => !l.StartsWith("id:", StringComparison.Ordinal)));

    private RedisMountChannel Channel()
    {
        RedisBackplane backplane = new(
            Options.Create(new SseHostOptions { Backplane = { Redis = redis.Server.Configuration, KeyPrefix = _prefix } }),
            NullLogger<RedisBackplane>.Instance,
            TimeProvider.System);
        _owned.Add(backplane);
        RedisMountChannel channel = new("/bench", new HistorySettings { Count = 100 }, new RecordingRecipients(), backplane, TimeProvider.System, NullLogger.Instance);
        _owned.Add(channel);
        return channel;
    }

    /// <summary>How many times Redis has run XRANGE so far (INFO commandstats).</summary>
    private async Task<long> StreamReadsAsync()
    {
        using ConnectionMultiplexer admin = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration + ",allowAdmin=true");
        IGrouping<string, KeyValuePair<string, string>>[] info = await admin.GetServer(admin.GetEndPoints()[0]).InfoAsync("commandstats");
        string? stats = info.SelectMany(g => g).FirstOrDefault(p => p.Key == "cmdstat_xrange").Value;
        return stats is null ? 0 : long.Parse(stats.Split(',')[0]["calls=".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
