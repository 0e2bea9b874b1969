namespace SsePluginHost.Tests.Infrastructure;

/// <summary>
/// Waits for a value to settle: for a writer that has sent all its socket takes and is held, say.
/// The value is polled (every 20 ms, as <see cref="Eventually"/> does) until it is ready and has
/// not changed for a quiet period, with a timeout instead of a fixed sleep.
/// </summary>
internal static class Steady
{
    public static async Task<long> UntilUnchangedAsync(Func<long> probe, Func<long, bool> ready, TimeSpan quiet, TimeSpan? timeout = null)
    {
        TimeSpan limit = timeout ?? TimeSpan.FromSeconds(10);
        using CancellationTokenSource cts = new(limit);
        using PeriodicTimer tick = new(TimeSpan.FromMilliseconds(20));
        long value = probe();
        DateTime since = DateTime.UtcNow;
        while (true)
        {
            try
            {
                await tick.WaitForNextTickAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"The value did not settle within {limit}; it was {value}.");
            }

            long now = probe();
            if (now != value || !ready(now))
            {
                value = now;
                since = DateTime.UtcNow;
            }
            else if (DateTime.UtcNow - since >= quiet)
            {
                return value;
            }
        }
    }
}
