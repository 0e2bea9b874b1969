namespace SsePluginHost.Channels;

/// <summary>
/// Told when a fan-out begins and ends: the writers an event makes due while it is handed to
/// every subscriber are run together once it has been handed to all, rather than one by one as
/// the loop reaches them.
/// </summary>
internal interface IFanOutBurst
{
    /// <summary>A fan-out begins on this thread.</summary>
    void BeginBurst();

    /// <summary>The fan-out begun last on this thread is over.</summary>
    void EndBurst();
}
