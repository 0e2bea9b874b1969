using Microsoft.Extensions.Time.Testing;
using SsePluginHost.Auth;

namespace SsePluginHost.Tests.Unit;

/// <summary>
/// The one timer per mount that ends streams when their credentials expire, driven by a
/// <see cref="FakeTimeProvider"/>: each entry ends at its moment and not before, entries of one
/// moment share it, one taken out is never ended and is not kept, and the timer follows the
/// earliest entry as entries come and go.
/// </summary>
public sealed class ExpiryScheduleTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    private readonly FakeTimeProvider _time = new(Start);
    private readonly ExpirySchedule _schedule;

    public ExpiryScheduleTests()
    {
        _schedule = new ExpirySchedule(_time);
    }

    public void Dispose() => _schedule.Dispose();

    [Fact]
    public void Each_entry_ends_at_its_own_moment_and_not_a_tick_before_earliest_first()
    {
        Recorder late = new("late");
        Recorder early = new("early");
        long lateKey = _schedule.Add(late, Start.AddMinutes(10));
        long earlyKey = _schedule.Add(early, Start.AddMinutes(1));

        _time.Advance(TimeSpan.FromMinutes(1) - Tick);
        Assert.Empty(early.Calls);

        _time.Advance(Tick);
        Assert.Equal([earlyKey], early.Calls);
        Assert.Empty(late.Calls);
        Assert.Equal(1, _schedule.Count);

        _time.Advance(TimeSpan.FromMinutes(9) - Tick);
        Assert.Empty(late.Calls);
        _time.Advance(Tick);
        Assert.Equal([lateKey], late.Calls);
        Assert.Equal(0, _schedule.Count);
    }

    [Fact]
    public void Entries_of_one_moment_share_it_and_all_end_then()
    {
        Recorder[] sessions = [.. Enumerable.Range(0, 5).Select(i => new Recorder($"s{i}"))];
        long[] keys = [.. sessions.Select(s => _schedule.Add(s, Start.AddSeconds(30)))];
        Assert.Single(keys.Distinct());

        _time.Advance(TimeSpan.FromSeconds(30));

        Assert.All(sessions, s => Assert.Equal([keys[0]], s.Calls));
        Assert.Equal(0, _schedule.Count);
    }

    [Fact]
    public void An_entry_taken_out_is_never_ended_and_is_no_longer_held_while_another_of_its_moment_still_ends()
    {
        Recorder closed = new("closed");
        Recorder open = new("open");
        long key = _schedule.Add(closed, Start.AddSeconds(30));
        _schedule.Add(open, Start.AddSeconds(30));

        _schedule.Remove(closed, key);
        Assert.Equal(1, _schedule.Count);
        _time.Advance(TimeSpan.FromMinutes(1));

        Assert.Empty(closed.Calls);
        Assert.Single(open.Calls);
    }

    [Fact]
    public void When_the_earliest_is_taken_out_the_next_still_ends_at_its_moment()
    {
        Recorder first = new("first");
        Recorder second = new("second");
        long firstKey = _schedule.Add(first, Start.AddSeconds(10));
        _schedule.Add(second, Start.AddSeconds(20));
        _schedule.Remove(first, firstKey);

        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Empty(second.Calls);
        Assert.Equal(1, _schedule.Count);

        _time.Advance(TimeSpan.FromSeconds(10) - Tick);
        Assert.Empty(second.Calls);
        _time.Advance(Tick);
        Assert.Single(second.Calls);
        Assert.Empty(first.Calls);
    }

    [Fact]
    public void An_entry_earlier_than_those_waiting_moves_the_timer_forward()
    {
        Recorder late = new("late");
        Recorder early = new("early");
        _schedule.Add(late, Start.AddHours(1));
        _time.Advance(TimeSpan.FromMinutes(1));
        _schedule.Add(early, _time.GetUtcNow().AddSeconds(5));

        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.Single(early.Calls);
        Assert.Empty(late.Calls);
    }

    [Fact]
    public void An_entry_whose_moment_has_passed_ends_at_once()
    {
        Recorder expired = new("expired");
        _schedule.Add(expired, Start.AddSeconds(-5));

        _time.Advance(TimeSpan.Zero);

        Assert.Single(expired.Calls);
    }

    [Fact]
    public void Removing_what_is_not_there_does_nothing_and_after_Dispose_nothing_is_added_or_ended()
    {
        Recorder item = new("item");
        long key = _schedule.Add(item, Start.AddSeconds(5));
        _schedule.Remove(item, 0);
        _schedule.Remove(new Recorder("other"), key);
        Assert.Equal(1, _schedule.Count);

        _schedule.Dispose();
        Assert.Equal(0, _schedule.Add(new Recorder("late"), Start.AddSeconds(1)));
        _time.Advance(TimeSpan.FromMinutes(1));

        Assert.Empty(item.Calls);
        Assert.Equal(0, _schedule.Count);
    }

    private sealed class Recorder(string name) : IExpiring
    {
        public List<long> Calls { get; } = [];

        public void Expire(long key) => Calls.Add(key);

        public override string ToString() => name;
    }
}
