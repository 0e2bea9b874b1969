using System.Globalization;
using SsePluginHost.Configuration;
using SsePluginHost.Streaming;

namespace SsePluginHost.Channels;

/// <summary>
/// The default channel: events stay in this process. Ids are decimal numbers that start from the
/// clock, so that the ids of an earlier run of the host are older than any of this run and a
/// client that reconnects across a restart gets an explicit reset rather than a wrong replay.
/// </summary>
/// <remarks>
/// One lock orders everything: publishing (id, history, hand-over to each subscriber) and
/// subscribing (replay, then live). The event's bytes were framed by the publisher before; under
/// the lock only its <c>id:</c> line is put in front, and subscribers only queue what they get.
/// Publishing completes at once.
/// </remarks>
internal sealed class InProcessMountChannel : IMountChannel
{
    private readonly ChannelFanOut _fanOut;
    private readonly IDirectRecipients _recipients;
    private readonly TimeProvider _time;
    private readonly long _idBase;

    public InProcessMountChannel(HistorySettings history, IDirectRecipients recipients, TimeProvider time)
    {
        _fanOut = new ChannelFanOut(history, time);
        _recipients = recipients;
        _time = time;
        _idBase = time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
    }

    public int HistoryCount => _fanOut.HistoryCount;

    public int SubscriberCount => _fanOut.SubscriberCount;

    public bool IsAvailable => true;

    public ValueTask<PublishReceipt> PublishAsync(EventBody body)
    {
        ArgumentNullException.ThrowIfNull(body);
        int delivered;
        string id;

        // An event with its own id is framed whole here, outside the lock, and a bad id is
        // refused before anything changes; the channel's own ids are digits, always valid.
        byte[]? ownFrame = body.OwnId is null ? null : SseFramer.WithId(body.OwnId, body.Bytes);
        lock (_fanOut.Lock)
        {
            id = body.OwnId ?? (_idBase + _fanOut.Sequence + 1).ToString(CultureInfo.InvariantCulture);
            delivered = _fanOut.DeliverLocked(id, ownFrame ?? SseFramer.WithId(id, body.Bytes), _time.GetTimestamp());
        }

        return new ValueTask<PublishReceipt>(new PublishReceipt(id, delivered));
    }

    public bool SendTo(string sessionId, EventBody body)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        ArgumentNullException.ThrowIfNull(body);
        return _recipients.Deliver(sessionId, body.DirectFrame());
    }

    public IDisposable Subscribe(IChannelSubscriber subscriber, ReplayFrom from, out ChannelStart start) =>
        _fanOut.Subscribe(subscriber, from, out start);

    public void Dispose() => _fanOut.Clear();
}
