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
}
