namespace SsePluginHost.Channels;

/// <summary>
/// One event as a mount's channel gives it out: its id, its place in the channel's order on this
/// host, and its wire bytes (framed once, shared by every client that gets it).
/// </summary>
/// <param name="Id">The event's id on the wire: the channel's opaque position, or the publisher's own id.</param>
/// <param name="Sequence">Its place in the order this host received the channel's events: 1, 2, 3, ...</param>
/// <param name="Frame">The <c>text/event-stream</c> bytes, <c>id:</c> field included.</param>
/// <param name="Timestamp">When the channel took it, in <see cref="TimeProvider.GetTimestamp"/> units.</param>
/// <param name="Topic">The topic of the mount it was broadcast to (only that topic's subscribers get it), or <see langword="null"/> for every client of the mount.</param>
internal sealed record ChannelEvent(string Id, long Sequence, byte[] Frame, long Timestamp, string? Topic = null);
