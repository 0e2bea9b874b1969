namespace SsePluginHost.Streaming;

/// <summary>Where a session is in its life (see <see cref="SseSession"/>'s transitions).</summary>
internal enum SessionState
{
    /// <summary>Created; its first connection is about to write it.</summary>
    Connecting,

    /// <summary>A connection writes it.</summary>
    Connected,

    /// <summary>Its connection closed; it waits, within its grace period, to be resumed.</summary>
    Away,

    /// <summary>A new connection is taking it over (the earlier one, if any, is being stopped).</summary>
    Resumed,

    /// <summary>Ended, with a reason; nothing more is written to it.</summary>
    Closed,
}
