using SsePluginHost.Streaming;

namespace SsePluginHost.Tests.Unit;

/// <summary>The shared write beat: writers put on it run, a waiting writer never runs before it is due.</summary>
public sealed class FlushTickerTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_writer_scheduled_for_the_next_beat_runs()
    {
        using FlushTicker ticker = new(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(20));
        Recorder writer = new();

        ticker.Schedule(writer);

        await writer.Ran.WaitAsync(Wait);
    }

    [Fact]
    public async Task A_busy_writer_runs_once_due_and_not_before()
    {
        using FlushTicker ticker = new(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(200));
        Recorder writer = new();
        long due = Environment.TickCount64 + 200;

        ticker.ScheduleAt(writer, due);

        long ranAt = await writer.Ran.WaitAsync(Wait);
        Assert.True(ranAt >= due - 3, $"ran at {ranAt}, due at {due}");
    }

    [Fact]
    public async Task Many_writers_each_run_once_per_schedule()
    {
        using FlushTicker ticker = new(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(20));
        Recorder[] writers = Enumerable.Range(0, 1000).Select(_ => new Recorder()).ToArray();

        foreach (Recorder writer in writers)
        {
            ticker.Schedule(writer);
        }

        await Task.WhenAll(writers.Select(w => w.Ran)).WaitAsync(Wait);
        Assert.All(writers, w => Assert.Equal(1, w.Runs));
    }

    [Fact]
    public void Busy_coalescing_not_longer_than_the_beat_is_off()
    {
        using FlushTicker ticker = new(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(5));

        Assert.Equal(0, ticker.BusyMilliseconds);
    }

    private sealed class Recorder : IThreadPoolWorkItem
    {
        private readonly TaskCompletionSource<long> _ran = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _runs;

        public Task<long> Ran => _ran.Task;

        public int Runs => Volatile.Read(ref _runs);

        public void Execute()
        {
            Interlocked.Increment(ref _runs);
            _ran.TrySetResult(Environment.TickCount64);
        }
    }
}
