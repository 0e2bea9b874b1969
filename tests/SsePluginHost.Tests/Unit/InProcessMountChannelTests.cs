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

    private protected override IMountChannel CreateChannel(HistorySettings history, IDirectRecipients recipients, FakeTimeProvider time) =>
        new InProcessMountChannel(history, recipients, time);
}
