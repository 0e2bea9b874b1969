namespace SsePluginHost.Abstractions;

/// <summary>What a broadcast became: the event's id, and how many clients it was queued for.</summary>
public sealed class SseBroadcastReceipt
{
    /// <summary>Creates a receipt.</summary>
    /// <param name="eventId">The event's id, or <see langword="null"/> when it has none.</param>
    /// <param name="delivered">The number of clients the event was queued for.</param>
    public SseBroadcastReceipt(string? eventId, int delivered)
    {
        EventId = eventId;
        Delivered = delivered;
    }

    /// <summary>
    /// The event's id: the one it was given, or the one the host's channel gave it (what a client
    /// that reconnects with <c>Last-Event-ID</c> sends back). <see langword="null"/> only from a
    /// mount that does not number events (an implementation written before ids were returned).
    /// </summary>
    public string? EventId { get; }

    /// <summary>The number of clients of this host the event was queued for.</summary>
    public int Delivered { get; }
}
