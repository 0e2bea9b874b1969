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
}
