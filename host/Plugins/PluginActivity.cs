namespace SsePluginHost.Plugins;

/// <summary>
/// Tells the <see cref="PluginWatchdog"/> that a plugin started running something (a
/// constructor, a run of callbacks), so that it looks only while there is something to watch
/// and an idle host is not woken every second.
/// </summary>
internal sealed class PluginActivity : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    /// <summary>Something started: wakes the watchdog (once, however often it is called before it looks).</summary>
    public void Started()
    {
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Signalled already.
            }
        }
    }

    /// <summary>Completes when something has started since the last wait.</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => _signal.WaitAsync(cancellationToken);

    public void Dispose() => _signal.Dispose();
}
