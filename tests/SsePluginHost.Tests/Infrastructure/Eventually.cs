namespace SsePluginHost.Tests.Infrastructure;

/// <summary>Waits for a condition by polling it, with a timeout instead of a fixed sleep.</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        TimeSpan limit = timeout ?? TimeSpan.FromSeconds(10);
        using CancellationTokenSource cts = new(limit);
        using PeriodicTimer tick = new(TimeSpan.FromMilliseconds(20));
        while (!condition())
        {
            try
            {
                await tick.WaitForNextTickAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"The condition did not become true within {limit}.");
            }
        }
    }

    /// <summary>Asks for a value (every 100 ms) until it is as wanted, and returns it; fails after the timeout with the last value.</summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T>> ask, Func<T, bool> wanted, TimeSpan? timeout = null)
    {
        TimeSpan limit = timeout ?? TimeSpan.FromSeconds(10);
        using CancellationTokenSource cts = new(limit);
        using PeriodicTimer tick = new(TimeSpan.FromMilliseconds(100));
        while (true)
        {
            T value = await ask();
            if (wanted(value))
            {
                return value;
            }

            try
            {
                await tick.WaitForNextTickAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"The value was not as wanted within {limit}; the last was {value}.");
            }
        }
    }
}
