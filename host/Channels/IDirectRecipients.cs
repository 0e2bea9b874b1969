namespace SsePluginHost.Channels;

/// <summary>The sessions of a mount on this host, as a channel finds them to hand over an event sent to one of them.</summary>
internal interface IDirectRecipients
{
    /// <summary>Queues bytes for the session with this id; false when it is not here or has gone.</summary>
    bool Deliver(string sessionId, byte[] frame);
}
