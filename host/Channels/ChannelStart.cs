namespace SsePluginHost.Channels;

/// <summary>
/// What a new subscriber gets before any live event: the events it missed, oldest first, or the
/// signal that it missed more than the channel still holds.
/// </summary>
/// <param name="Replay">The events after the subscriber's position, oldest first (shared, not copied).</param>
/// <param name="Reset">
/// Whether the position is unknown or older than the history: the subscriber missed events it
/// cannot have, and should tell its client to resynchronise.
/// </param>
/// <param name="HeadSequence">The sequence of the newest event published before live delivery began (0 before any).</param>
internal sealed record ChannelStart(IReadOnlyList<ChannelEvent> Replay, bool Reset, long HeadSequence);
