using Microsoft.Extensions.Time.Testing;
using SsePluginHost.Streaming;

namespace SsePluginHost.Tests.Unit;

/// <summary>
/// The rules of the write scheduler, on a fake clock and a thread pool run by hand: a writer of an
/// idle host runs at once; writers made due during a round or a fan-out wait for the next round;
/// rounds that run back to back with writes of many events each are delayed, a little more each
/// time, never beyond the bound; writes of few events, or nobody waiting, shrink the delay; after
/// a quiet spell a writer runs at once.
/// </summary>
public sealed class WriteSchedulerTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    private readonly FakeTimeProvider _time = new();
    private readonly ManualWorkPost _pool = new();

    [Fact]
    public void A_writer_of_an_idle_host_runs_at_once_without_the_clock_moving()
    {
        using WriteScheduler scheduler = new(Bound, _time, _pool);
        CountingWriter writer = new();

        scheduler.Schedule(writer);

        Assert.Equal(1, _pool.Pending);
        _pool.RunAll();
        Assert.Equal(1, writer.Runs);
        Assert.False(scheduler.UnderPressure);
        Assert.Equal(0, scheduler.CurrentDelayMilliseconds);
    }

    [Fact]
    public void Writers_made_due_while_a_round_is_coming_join_it()
    {
        using WriteScheduler scheduler = new(Bound, _time, _pool);
        CountingWriter[] writers = [new(), new(), new()];

        foreach (CountingWriter writer in writers)
        {
            scheduler.Schedule(writer);
        }

        Assert.Equal(1, _pool.Pending);
        Assert.Equal(1, _pool.RunAll());
        Assert.All(writers, w => Assert.Equal(1, w.Runs));
    }

    [Fact]
    public void Writers_made_due_during_a_fan_out_run_together_once_it_is_over()
    {
        using WriteScheduler scheduler = new(Bound, _time, _pool);
        CountingWriter[] writers = Enumerable.Range(0, 100).Select(_ => new CountingWriter()).ToArray();

        scheduler.BeginBurst();
        foreach (CountingWriter writer in writers)
        {
            scheduler.Schedule(writer);
        }

        Assert.Equal(0, _pool.Pending);
        scheduler.EndBurst();

        Assert.Equal(1, _pool.Pending);
        Assert.Equal(1, _pool.RunAll());
        Assert.All(writers, w => Assert.Equal(1, w.Runs));
    }

    [Fact]
    public void A_writer_made_due_during_a_round_runs_in_the_next_one_and_one_such_round_is_not_delayed()
    {
        using WriteScheduler scheduler = new(Bound, _time, _pool);
        CountingWriter later = new();
        CountingWriter first = new(_ => scheduler.Schedule(later));

        scheduler.Schedule(first);
        Assert.Equal(1, _pool.RunPending());

        // The round that ran made the next one due at once (one round with writers waiting is not yet pressure).
        Assert.Equal(0, later.Runs);
        Assert.Equal(1, _pool.Pending);
        _pool.RunAll();
        Assert.Equal(1, later.Runs);
        Assert.Equal(0, scheduler.CurrentDelayMilliseconds);
    }

    [Fact]
    public void Rounds_that_run_back_to_back_with_writes_of_one_event_each_are_never_delayed()
    {
        using WriteScheduler scheduler = new(Bound, _time, _pool);
        CountingWriter busy = new(self =>
        {
            scheduler.Wrote(1);
            if (self.Runs < 20)
            {
                scheduler.Schedule(self);
            }
        });

        scheduler.Schedule(busy);
        _pool.RunAll();

        // Each round started at once, the clock never moving: batching would not have paid.
        Assert.Equal(20, busy.Runs);
        Assert.False(scheduler.UnderPressure);
    }

    [Fact]
    public void Rounds_that_run_back_to_back_are_delayed_more_each_time_up_to_the_bound_and_never_beyond()
    {
        using WriteScheduler scheduler = new(Bound, _time, _pool);

        // A client that always has more by the time it has been written, many events a write:
        // each of its runs makes it due again.
        CountingWriter hot = Hot(scheduler);
        scheduler.Schedule(hot);
        _pool.RunPending();

        List<long> delays = [];
        for (int round = 0; round < 10; round++)
        {
            long delay = scheduler.CurrentDelayMilliseconds;
            Assert.True(scheduler.UnderPressure);
            delays.Add(delay);

            // The next round has not started: not one tick before its delay is over...
            Assert.Equal(0, _pool.Pending);
            _time.Advance(TimeSpan.FromMilliseconds(delay) - Tick);
            Assert.Equal(0, _pool.Pending);

            // ... and it has once the clock reaches it.
            _time.Advance(Tick);
            Assert.Equal(1, _pool.Pending);
            _pool.RunPending();
        }

        Assert.Equal([1L, 2, 4, 8, 16, 20, 20, 20, 20, 20], delays);
        Assert.Equal(11, hot.Runs);
    }

    [Fact]
    public void The_delay_runs_from_when_the_last_round_began_so_a_long_round_adds_no_wait()
    {
        using WriteScheduler scheduler = new(Bound, _time, _pool);
        CountingWriter hot = Hot(scheduler);
        scheduler.Schedule(hot);
        _pool.RunPending();
        _time.Advance(TimeSpan.FromMilliseconds(1));
        _pool.RunPending();
        Assert.Equal(2, scheduler.CurrentDelayMilliseconds);

        // This round takes longer than the delay after it: the next one is due at once when it ends.
        CountingWriter slow = new(_ => _time.Advance(TimeSpan.FromMilliseconds(5)));
        scheduler.Schedule(slow);
        _time.Advance(TimeSpan.FromMilliseconds(2));
        _pool.RunPending();

        Assert.Equal(1, slow.Runs);
        Assert.Equal(1, _pool.Pending);
    }

    [Fact]
    public void Once_nobody_waits_the_delay_halves_with_each_round_and_after_a_quiet_spell_a_writer_runs_at_once()
    {
        using WriteScheduler scheduler = new(Bound, _time, _pool);
        int runsLeft = 5;
        CountingWriter cooling = new(self =>
        {
            if (--runsLeft > 0)
            {
                scheduler.Wrote(8);
                scheduler.Schedule(self);
            }
        });
        scheduler.Schedule(cooling);
        while (runsLeft > 0)
        {
            _time.Advance(Bound);
            _pool.RunAll();
        }

        // 1, 2, 4, 8 while it was hot; the last round, with nobody waiting, halved it.
        Assert.Equal(4, scheduler.CurrentDelayMilliseconds);

        // Right after that round, a writer waits out what is left of the delay, and no more.
        CountingWriter soon = new();
        scheduler.Schedule(soon);
        Assert.Equal(0, _pool.Pending);
        _time.Advance(TimeSpan.FromMilliseconds(4));
        _pool.RunAll();
        Assert.Equal(1, soon.Runs);
        Assert.Equal(2, scheduler.CurrentDelayMilliseconds);

        // After a spell longer than the delay, the next writer runs at once.
        _time.Advance(Bound);
        CountingWriter later = new();
        scheduler.Schedule(later);
        Assert.Equal(1, _pool.Pending);
        _pool.RunAll();
        Assert.Equal(1, later.Runs);
    }

    [Fact]
    public void With_a_bound_of_zero_no_round_is_ever_delayed()
    {
        using WriteScheduler scheduler = new(TimeSpan.Zero, _time, _pool);
        CountingWriter hot = new(self =>
        {
            if (self.Runs < 50)
            {
                scheduler.Schedule(self);
            }
        });

        scheduler.Schedule(hot);
        _pool.RunAll();

        Assert.Equal(50, hot.Runs);
        Assert.False(scheduler.UnderPressure);
    }

    [Fact]
    public void Many_writers_are_split_over_the_cores_and_each_runs_once()
    {
        using WriteScheduler scheduler = new(Bound, _time, _pool);
        CountingWriter[] writers = Enumerable.Range(0, 1000).Select(_ => new CountingWriter()).ToArray();

        scheduler.BeginBurst();
        foreach (CountingWriter writer in writers)
        {
            scheduler.Schedule(writer);
        }

        scheduler.EndBurst();
        int ran = _pool.RunAll();

        Assert.Equal(Math.Min(Environment.ProcessorCount, 1000 / 64), ran);
        Assert.All(writers, w => Assert.Equal(1, w.Runs));
    }

    [Fact]
    public async Task A_writer_waiting_for_the_next_round_is_released_when_it_begins_and_under_pressure_not_before_its_delay()
    {
        using WriteScheduler scheduler = new(Bound, _time, _pool);

        Task idle = scheduler.NextRoundAsync();
        Assert.False(idle.IsCompleted);
        _pool.RunAll();
        await idle.WaitAsync(TimeSpan.FromSeconds(10));

        CountingWriter hot = Hot(scheduler);
        scheduler.Schedule(hot);
        _pool.RunPending();
        Assert.True(scheduler.UnderPressure);

        Task pressed = scheduler.NextRoundAsync();
        _pool.RunAll();
        Assert.False(pressed.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(scheduler.CurrentDelayMilliseconds));
        _pool.RunPending();
        await pressed.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>A client that always has more by the time it has been written, five events a write.</summary>
    private static CountingWriter Hot(WriteScheduler scheduler) => new(self =>
    {
        scheduler.Wrote(5);
        scheduler.Schedule(self);
    });

    [Fact]
    public void Once_disposed_a_writer_still_runs()
    {
        WriteScheduler scheduler = new(Bound, _time, _pool);
        CountingWriter queued = new();
        scheduler.BeginBurst();
        scheduler.Schedule(queued);

        scheduler.Dispose();
        Assert.Equal(1, queued.Runs);

        CountingWriter after = new();
        scheduler.Schedule(after);
        _pool.RunAll();
        Assert.Equal(1, after.Runs);
    }
}
