namespace SsePluginHost.Streaming;

/// <summary>One framed event in a client's queue.</summary>
/// <param name="Frame">The bytes, shared by every client that gets the same event.</param>
/// <param name="Sequence">The mount's sequence number of a broadcast, or 0 for an event sent to this client alone.</param>
internal readonly record struct Outgoing(ReadOnlyMemory<byte> Frame, long Sequence);
