namespace SsePluginHost.Plugins;

/// <summary>One call into a plugin, as <see cref="PluginCallbackQueue"/> runs it.</summary>
/// <param name="Name">What is called, for the watchdog's log line (for example <c>OnClientConnected(abc)</c>).</param>
/// <param name="Run">The call.</param>
/// <param name="Failed">What to do when it throws (log it, drop the client).</param>
internal sealed record PluginCallback(string Name, Action Run, Action<Exception> Failed)
{
    /// <summary>Whether the watchdog has reported this call running long.</summary>
    public bool Reported { get; set; }
}
