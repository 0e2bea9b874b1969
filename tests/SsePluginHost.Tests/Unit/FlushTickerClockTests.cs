using Microsoft.Extensions.Time.Testing;
using SsePluginHost.Streaming;

namespace SsePluginHost.Tests.Unit;

/// <summary>The write beat on a fake clock: writers run at the beat the clock reaches, busy ones not before they are due.</summary>
public sealed class FlushTickerClockTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Beat = TimeSpan.FromMilliseconds(5);

    [Fact]
    public async Task A_writer_put_on_the_beat_runs_when_the_clock_reaches_the_beat_and_not_before()
    {
        FakeTimeProvider time = new();
        using FlushTicker ticker = new(Beat, TimeSpan.FromMilliseconds(20), time);
        Recorder writer = new(time);

        ticker.Schedule(writer);
        time.Advance(TimeSpan.FromMilliseconds(4));

        // Only the beat's timer hands writers to the thread pool: before it fires, nothing can have run.
        Assert.Equal(0, writer.Runs);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(time.GetUtcNow(), await writer.Ran.WaitAsync(Wait));
        Assert.Equal(1, writer.Runs);
    }

    [Fact]
    public async Task A_busy_writer_runs_at_the_first_beat_at_or_after_its_due_time()
    {
        FakeTimeProvider time = new();
        using FlushTicker ticker = new(Beat, TimeSpan.FromMilliseconds(200), time);
        Recorder busy = new(time);
        DateTimeOffset due = time.GetUtcNow() + TimeSpan.FromMilliseconds(200);

        ticker.ScheduleAt(busy, ticker.NowMilliseconds + 200);

        // Beat by beat, each beat shown to have happened by a writer put on it.
        while (!busy.Ran.IsCompleted && time.GetUtcNow() < due + TimeSpan.FromSeconds(1))
        {
            Recorder marker = new(time);
            ticker.Schedule(marker);
            time.Advance(Beat);
            await marker.Ran.WaitAsync(Wait);
        }

        DateTimeOffset ranAt = await busy.Ran.WaitAsync(Wait);
        Assert.True(ranAt >= due - (Beat / 2), $"ran at {ranAt:HH:mm:ss.fff}, due at {due:HH:mm:ss.fff}");
        Assert.True(ranAt <= due + Beat, $"ran at {ranAt:HH:mm:ss.fff}, due at {due:HH:mm:ss.fff}: later than the first beat after it was due");
        Assert.Equal(1, busy.Runs);
    }

    [Fact]
    public async Task Without_a_beat_a_writer_runs_at_once_whatever_the_clock()
    {
        FakeTimeProvider time = new();
        using FlushTicker ticker = new(TimeSpan.Zero, TimeSpan.Zero, time);
        Recorder writer = new(time);

        ticker.Schedule(writer);

        Assert.False(ticker.Enabled);
        Assert.Equal(time.GetUtcNow(), await writer.Ran.WaitAsync(Wait));
    }

    [Fact]
    public void The_tickers_milliseconds_follow_its_clock()
    {
        FakeTimeProvider time = new();
        using FlushTicker ticker = new(Beat, TimeSpan.FromMilliseconds(20), time);
        long before = ticker.NowMilliseconds;

        time.Advance(TimeSpan.FromMilliseconds(1234));

        Assert.Equal(1234, ticker.NowMilliseconds - before);
    }

    private sealed class Recorder(TimeProvider time) : IThreadPoolWorkItem
    {
        private readonly TaskCompletionSource<DateTimeOffset> _ran = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _runs;

        public Task<DateTimeOffset> Ran => _ran.Task;

        public int Runs => Volatile.Read(ref _runs);

        public void Execute()
        {
            Interlocked.Increment(ref _runs);
            _ran.TrySetResult(time.GetUtcNow());
        }
    }
}
