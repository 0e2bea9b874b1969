using Microsoft.Extensions.Time.Testing;
using SsePluginHost.Abstractions;
using SsePluginHost.Streaming;

namespace SsePluginHost.Tests.Unit;

/// <summary>
/// A client's writer and the scheduler together, on a fake clock, a fake socket and a thread pool
/// run by hand: an event for an idle host is written at once, on its own; events batch only
/// while writes back up (the writer already due, its socket full, rounds back to back); the
/// wait that batching adds is bounded.
/// </summary>
public sealed class AdaptiveWriterTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromMilliseconds(20);

    private readonly FakeTimeProvider _time = new();
    private readonly ManualWorkPost _pool = new();
    private readonly WriteScheduler _scheduler;
    private readonly FakeStreamSocket _socket = new();
    private readonly FakeStreamSource _source = new();
    private readonly SocketStreamWriter _writer;

    public AdaptiveWriterTests()
    {
        _scheduler = new WriteScheduler(Bound, _time, _pool);
        _writer = new SocketStreamWriter(_socket, _source, _scheduler, CancellationToken.None);
    }

    public void Dispose() => _scheduler.Dispose();

    [Fact]
    public void An_event_for_an_idle_host_is_written_at_once_in_a_write_of_its_own()
    {
        Publish("data: 1\n\n");
        _pool.RunAll();

        Publish("data: 2\n\n");
        _pool.RunAll();

        Assert.Equal(["data: 1\n\n", "data: 2\n\n"], _socket.Sends);
        Assert.False(_scheduler.UnderPressure);
    }

    [Fact]
    public void Events_that_reach_a_client_while_its_writer_is_due_go_in_one_write()
    {
        Publish("data: 1\n\n");
        Publish("data: 2\n\n");
        Publish("data: 3\n\n");
        _pool.RunAll();

        Assert.Equal(["data: 1\n\ndata: 2\n\ndata: 3\n\n"], _socket.Sends);
    }

    [Fact]
    public void While_a_client_is_not_taking_what_was_sent_what_reaches_it_waits_and_then_goes_in_one_write()
    {
        _socket.Room = 4;
        Publish("data: 1\n\n");
        _pool.RunAll();
        Assert.Equal(["data"], _socket.Sends);
        Assert.Equal([": 1\n\n"], _socket.WaitedSends);
        Assert.True(_writer.IsSending);

        _socket.Room = int.MaxValue;
        Publish("data: 2\n\n");
        Publish("data: 3\n\n");
        _pool.RunAll();
        Assert.Single(_socket.Sends);

        _socket.CompleteWaitingSend();
        Assert.False(_writer.IsSending);
        Assert.Equal(1, _pool.Pending);
        _pool.RunAll();

        Assert.Equal(["data", "data: 2\n\ndata: 3\n\n"], _socket.Sends);
        Assert.False(_writer.IsSending);
    }

    [Fact]
    public void A_client_that_gets_an_event_while_each_write_goes_out_is_written_again_at_once()
    {
        int arriving = 0;
        _source.OnDrain = () =>
        {
            if (arriving++ < 5)
            {
                Publish($"data: {arriving}\n\n");
            }
        };

        Publish("data: 0\n\n");
        _pool.RunAll();

        // One event a write is no batching worth waiting for: six writes, and the clock never moved.
        Assert.Equal(6, _socket.Sends.Count);
        Assert.False(_scheduler.UnderPressure);
    }

    [Fact]
    public void Under_pressure_the_events_of_several_fan_outs_go_in_one_write_after_a_bounded_wait()
    {
        // Every run finds four more events arrived while it wrote: writes back up, four events a write.
        int arriving = 0;
        _source.OnDrain = () =>
        {
            if (arriving++ < 2)
            {
                for (int i = 0; i < 4; i++)
                {
                    Publish($"data: during {arriving}.{i}\n\n");
                }
            }
        };
        Publish("data: 0\n\n");
        _pool.RunAll();
        Assert.True(_scheduler.UnderPressure);
        Assert.Equal(["data: 0\n\n", "data: during 1.0\n\ndata: during 1.1\n\ndata: during 1.2\n\ndata: during 1.3\n\n"], _socket.Sends);

        // The last arrivals and three fan-outs while the next round waits: nothing is written before the clock says so.
        _source.OnDrain = null;
        Publish("data: a\n\n");
        Publish("data: b\n\n");
        Publish("data: c\n\n");
        long delay = _scheduler.CurrentDelayMilliseconds;
        Assert.InRange(delay, 1, (long)Bound.TotalMilliseconds);
        _time.Advance(TimeSpan.FromMilliseconds(delay) - TimeSpan.FromTicks(1));
        _pool.RunAll();
        Assert.Equal(2, _socket.Sends.Count);

        _time.Advance(TimeSpan.FromTicks(1));
        _pool.RunAll();

        Assert.Equal(3, _socket.Sends.Count);
        Assert.Equal("data: during 2.0\n\ndata: during 2.1\n\ndata: during 2.2\n\ndata: during 2.3\n\ndata: a\n\ndata: b\n\ndata: c\n\n", _socket.Sends[^1]);
        Assert.False(_scheduler.UnderPressure);
    }

    [Fact]
    public void However_long_the_pressure_lasts_no_event_waits_longer_than_the_bound()
    {
        _source.OnDrain = () =>
        {
            for (int i = 0; i < 4; i++)
            {
                Publish("data: more\n\n");
            }
        };
        Publish("data: 0\n\n");
        _pool.RunAll();

        for (int round = 0; round < 20; round++)
        {
            int before = _socket.Sends.Count;
            _time.Advance(Bound);
            _pool.RunPending();
            Assert.Equal(before + 1, _socket.Sends.Count);
            Assert.True(_scheduler.CurrentDelayMilliseconds <= (long)Bound.TotalMilliseconds);
        }

        Assert.Equal((long)Bound.TotalMilliseconds, _scheduler.CurrentDelayMilliseconds);
    }

    [Fact]
    public void A_finished_session_ends_the_writer_once_what_was_queued_is_written()
    {
        Publish("data: last\n\n");
        _source.Close(SseDisconnectReason.Dropped);
        _writer.Schedule();
        _pool.RunAll();

        Assert.Equal(["data: last\n\n"], _socket.Sends);
        Assert.True(_writer.Ended.IsCompleted);
    }

    /// <summary>What a fan-out does for this client: queue the event, make the writer due.</summary>
    private void Publish(string frame)
    {
        _scheduler.BeginBurst();
        _source.Add(frame);
        _writer.Schedule();
        _scheduler.EndBurst();
    }
}
