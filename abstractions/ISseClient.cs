namespace SsePluginHost.Abstractions;

/// <summary>
/// One connected EventSource client (the original's <c>SSEClient</c>).
/// </summary>
public interface ISseClient
{
    /// <summary>The session id: at least 128 random bits, URL-safe.</summary>
    string SessionId { get; }

    /// <summary>The request that opened the stream.</summary>
    SseRequest Request { get; }

    /// <summary>When the stream was opened.</summary>
    DateTimeOffset ConnectedAt { get; }

    /// <summary>
    /// State the plugin owns for this client, such as a chat nickname. It starts as the value
    /// given to <see cref="SseResponse.OpenStream(object?)"/>.
    /// </summary>
    object? State { get; set; }

    /// <summary>
    /// Whether the session is still open: connected now, or away for less than its grace period
    /// and able to resume (events sent to it meanwhile are delivered when it does).
    /// </summary>
    bool IsConnected { get; }

    /// <summary>Sends one event to this client (the original's <c>sendMsg</c>).</summary>
    /// <param name="sseEvent">The event.</param>
    /// <returns><see langword="false"/> when the client has gone and nothing was queued.</returns>
    bool Send(SseEvent sseEvent);

    /// <summary>Sends one event to this client.</summary>
    /// <param name="eventType">The event type; must not contain CR, LF or NUL.</param>
    /// <param name="data">The data; line breaks become several <c>data:</c> lines.</param>
    /// <returns><see langword="false"/> when the client has gone and nothing was queued.</returns>
    bool Send(string eventType, string data);

    /// <summary>Sends one event whose data is several lines (the original's list form of <c>sendMsg</c>).</summary>
    /// <param name="eventType">The event type; must not contain CR, LF or NUL.</param>
    /// <param name="lines">The lines; each becomes one <c>data:</c> line.</param>
    /// <returns><see langword="false"/> when the client has gone and nothing was queued.</returns>
    bool Send(string eventType, IEnumerable<string> lines);

    /// <summary>
    /// Removes the client and ends its stream (the original's <c>drop</c>). The service is told
    /// with <see cref="SseDisconnectReason.Dropped"/>.
    /// </summary>
    void Drop();

    /// <summary>
    /// The topics of the mount this client follows now (see <see cref="SseTopics"/>): it gets the
    /// events broadcast to them, besides those broadcast to the whole mount and those sent to it.
    /// </summary>
    /// <remarks>The default (for implementations written before topics) follows none.</remarks>
    IReadOnlyCollection<string> Topics => [];

    /// <summary>
    /// Makes the client follow a topic from now on: it gets the topic's live events (not its
    /// history: the history a client is replayed is that of the topics its stream opened with, see
    /// <see cref="SseResponse.OpenStreamFollowing(object?, IEnumerable{string})"/>).
    /// </summary>
    /// <param name="topic">The topic.</param>
    /// <returns><see langword="false"/> when it followed it already, or has gone.</returns>
    /// <exception cref="ArgumentException">Not a valid topic name, or the client follows <see cref="SseTopics.MaxPerClient"/> already.</exception>
    /// <exception cref="NotSupportedException">The default, for implementations written before topics.</exception>
    bool Follow(string topic) => throw new NotSupportedException("This client does not support topics.");

    /// <summary>Makes the client stop following a topic.</summary>
    /// <param name="topic">The topic.</param>
    /// <returns><see langword="false"/> when it did not follow it.</returns>
    bool Unfollow(string topic) => false;
}
