using SsePluginHost.Abstractions;
using SsePluginHost.Streaming;

namespace SsePluginHost.Channels;

/// <summary>
/// An event framed once, by its publisher and outside any lock, without its <c>id:</c> field,
/// which only the channel can give: the channel adds that line in front of these bytes.
/// </summary>
/// <param name="Bytes">The <c>event:</c> and <c>data:</c> lines and the blank line that ends the event.</param>
/// <param name="OwnId">The id the publisher gave the event, or <see langword="null"/> for the channel's.</param>
/// <param name="Topic">The topic it is broadcast to, or <see langword="null"/> for every client of the mount.</param>
internal sealed record EventBody(byte[] Bytes, string? OwnId, string? Topic = null)
{
    /// <summary>The bytes a send to one session writes: the body, behind its own <c>id:</c> line if it has one (sends get no channel id).</summary>
    public byte[] DirectFrame() => OwnId is null ? Bytes : SseFramer.WithId(OwnId, Bytes);

    /// <summary>Frames an event's type and data (already checked by <see cref="SseEvent"/>).</summary>
    public static EventBody From(SseEvent sseEvent)
    {
        ArgumentNullException.ThrowIfNull(sseEvent);
        return new EventBody(SseFramer.FrameBody(sseEvent), sseEvent.Id);
    }

    /// <summary>Frames an event broadcast to one topic of a mount.</summary>
    public static EventBody To(string topic, SseEvent sseEvent)
    {
        ArgumentNullException.ThrowIfNull(sseEvent);
        return new EventBody(SseFramer.FrameBody(sseEvent), sseEvent.Id, topic);
    }
}
