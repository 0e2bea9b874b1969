using Microsoft.Extensions.Time.Testing;
using SsePluginHost.Diagnostics;

namespace SsePluginHost.Tests.Unit;

/// <summary><see cref="LogThrottle"/> on a <see cref="FakeTimeProvider"/>: at most one report per interval, with how many happened since the last.</summary>
public sealed class LogThrottleTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void The_first_occurrence_is_reported_at_once()
    {
        LogThrottle throttle = new(Interval, _time);

        Assert.Equal(1, throttle.Count());
    }

    [Fact]
    public void Later_occurrences_within_the_interval_report_nothing()
    {
        LogThrottle throttle = new(Interval, _time);
        Assert.Equal(1, throttle.Count());

        Assert.Equal(0, throttle.Count());
        _time.Advance(Interval / 2);
        Assert.Equal(0, throttle.Count());
        _time.Advance(Interval / 2 - TimeSpan.FromTicks(1));
        Assert.Equal(0, throttle.Count());
    }

    [Fact]
    public void After_the_interval_the_next_occurrence_reports_how_many_happened_since_the_last_report()
    {
        LogThrottle throttle = new(Interval, _time);
        Assert.Equal(1, throttle.Count());
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(0, throttle.Count());
        }

        _time.Advance(Interval + TimeSpan.FromSeconds(1));

        Assert.Equal(5, throttle.Count());
        Assert.Equal(0, throttle.Count());
    }

    [Fact]
    public void The_interval_counts_from_the_last_report_not_from_the_first_occurrence()
    {
        LogThrottle throttle = new(Interval, _time);
        Assert.Equal(1, throttle.Count());
        _time.Advance(Interval * 3);
        Assert.Equal(1, throttle.Count());

        _time.Advance(Interval - TimeSpan.FromSeconds(1));
        Assert.Equal(0, throttle.Count());
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, throttle.Count());
    }

    [Fact]
    public void A_single_occurrence_after_a_quiet_spell_is_reported_alone()
    {
        LogThrottle throttle = new(Interval, _time);
        Assert.Equal(1, throttle.Count());
        _time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(1, throttle.Count());
    }

    [Fact]
    public void Occurrences_counted_from_many_threads_are_each_reported_once()
    {
        LogThrottle throttle = new(Interval, _time);
        const int Calls = 10_000;
        long reported = 0;

        Parallel.For(0, Calls, _ => Interlocked.Add(ref reported, throttle.Count()));
        Assert.InRange(reported, 1, Calls);
        _time.Advance(Interval);
        reported += throttle.Count();

        Assert.Equal(Calls + 1, reported);
    }
}
