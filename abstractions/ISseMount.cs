namespace SsePluginHost.Abstractions;

/// <summary>
/// The mount a service is hosted at: its path and its connected clients.
/// </summary>
public interface ISseMount
{
    /// <summary>The mount path, for example <c>/chat</c>.</summary>
    string Path { get; }

    /// <summary>A snapshot of the clients connected now.</summary>
    IReadOnlyCollection<ISseClient> Clients { get; }

    /// <summary>The number of clients connected now.</summary>
    int ClientCount { get; }

    /// <summary>
    /// Finds the caller's open session (the original's <c>findClient</c>) from the session id
    /// the request carries: the <c>session</c> query or form field, or the
    /// <c>X-Session-Id</c> header.
    /// </summary>
    /// <param name="request">A request to this mount.</param>
    /// <returns>The client, or <see langword="null"/> when the request names no open session.</returns>
    ISseClient? FindClient(SseRequest request);

    /// <summary>Finds a client of this mount by its session id.</summary>
    /// <param name="sessionId">The session id sent in the client's <c>session-id</c> event.</param>
    /// <returns>The client, or <see langword="null"/>.</returns>
    ISseClient? FindClient(string sessionId);

    /// <summary>Sends one event to every client of the mount.</summary>
    /// <param name="sseEvent">The event; it is framed once and shared by all clients.</param>
    /// <returns>The number of clients the event was queued for.</returns>
    int Broadcast(SseEvent sseEvent);

    /// <summary>Sends one event to every client of the mount (the original's <c>broadcast(type, message)</c>).</summary>
    /// <param name="eventType">The event type; must not contain CR, LF or NUL.</param>
    /// <param name="data">The data; line breaks become several <c>data:</c> lines.</param>
    /// <returns>The number of clients the event was queued for.</returns>
    int Broadcast(string eventType, string data);

    /// <summary>
    /// Sends one event to every client of the mount, and says which id it got: the one it was
    /// given, or the one the host's channel numbered it with (what a client that reconnects sends
    /// back as <c>Last-Event-ID</c>). Completes once this host's clients have it queued; with a
    /// Redis channel, once Redis took it.
    /// </summary>
    /// <param name="sseEvent">The event; it is framed once and shared by all clients.</param>
    /// <returns>The event's id and how many clients of this host it was queued for.</returns>
    /// <remarks>The default (for implementations written before this member) broadcasts and returns the event's own id.</remarks>
    ValueTask<SseBroadcastReceipt> BroadcastAsync(SseEvent sseEvent)
    {
        ArgumentNullException.ThrowIfNull(sseEvent);
        return ValueTask.FromResult(new SseBroadcastReceipt(sseEvent.Id, Broadcast(sseEvent)));
    }

    /// <summary>
    /// Sends one event to the clients that follow a topic of the mount (a chat room, say): framed
    /// once, it reaches them only, and a client that reconnects with <c>Last-Event-ID</c> is
    /// replayed it if its stream opens following the topic. With a Redis channel, it reaches the
    /// topic's followers on every host.
    /// </summary>
    /// <param name="topic">The topic (see <see cref="SseTopics"/>).</param>
    /// <param name="sseEvent">The event.</param>
    /// <returns>The event's id and how many clients of this host it was queued for.</returns>
    /// <exception cref="ArgumentException">Not a valid topic name.</exception>
    /// <exception cref="NotSupportedException">The default, for implementations written before topics.</exception>
    ValueTask<SseBroadcastReceipt> BroadcastAsync(string topic, SseEvent sseEvent) =>
        throw new NotSupportedException("This mount does not support topics.");
}
