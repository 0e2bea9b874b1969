namespace SsePluginHost.Abstractions;

/// <summary>
/// What a service answers to a request: open an event stream, or reply with a status and a body.
/// </summary>
public sealed class SseResponse
{
    private SseResponse(bool openStream, int statusCode, string? body, string contentType, object? state)
    {
        IsStream = openStream;
        StatusCode = statusCode;
        Body = body;
        ContentType = contentType;
        State = state;
    }

    /// <summary>Whether the host should open an event stream.</summary>
    public bool IsStream { get; }

    /// <summary>The HTTP status code of a direct reply (200 for a stream).</summary>
    public int StatusCode { get; }

    /// <summary>The body of a direct reply, or <see langword="null"/> for none.</summary>
    public string? Body { get; }

    /// <summary>The content type of a direct reply.</summary>
    public string ContentType { get; }

    /// <summary>The initial <see cref="ISseClient.State"/> of a stream's client.</summary>
    public object? State { get; }

    /// <summary>Opens an event stream (the original's <c>startSession</c>).</summary>
    /// <param name="state">The initial per-client state the plugin owns, or <see langword="null"/>.</param>
    /// <returns>The response.</returns>
    public static SseResponse OpenStream(object? state = null) =>
        new(true, 200, null, "text/event-stream", state);

    /// <summary>
    /// Opens an event stream whose client follows some topics of the mount from the start (the
    /// rooms a chat page asks for, say): it gets their events besides those broadcast to the
    /// whole mount, and when it reconnects with <c>Last-Event-ID</c>, the missed events of these
    /// topics and of the mount, and no others.
    /// </summary>
    /// <param name="state">The initial per-client state the plugin owns, or <see langword="null"/>.</param>
    /// <param name="topics">The topics (see <see cref="SseTopics"/>); repeated names count once.</param>
    /// <returns>The response.</returns>
    /// <exception cref="ArgumentException">A name is not a valid topic, or there are more than <see cref="SseTopics.MaxPerClient"/>.</exception>
    public static SseResponse OpenStreamFollowing(object? state, IEnumerable<string> topics)
    {
        ArgumentNullException.ThrowIfNull(topics);
        List<string> distinct = [];
        foreach (string topic in topics)
        {
            SseTopics.EnsureValid(topic, nameof(topics));
            if (!distinct.Contains(topic, StringComparer.Ordinal))
            {
                distinct.Add(topic);
            }
        }

        if (distinct.Count > SseTopics.MaxPerClient)
        {
            throw new ArgumentException($"A client follows at most {SseTopics.MaxPerClient} topics; {distinct.Count} were given.", nameof(topics));
        }

        return new(true, 200, null, "text/event-stream", state) { Topics = distinct };
    }

    /// <summary>The topics an opened stream's client follows from the start; empty for none (and for a direct reply).</summary>
    public IReadOnlyList<string> Topics { get; private init; } = [];

    /// <summary>Replies with a status code and a plain-text body.</summary>
    /// <param name="statusCode">The HTTP status code.</param>
    /// <param name="body">The body, or <see langword="null"/> for none.</param>
    /// <returns>The response.</returns>
    public static SseResponse Text(int statusCode, string? body) =>
        new(false, statusCode, body, "text/plain; charset=utf-8", null);

    /// <summary>Replies with a status code, a content type and a body.</summary>
    /// <param name="statusCode">The HTTP status code.</param>
    /// <param name="contentType">The content type, such as <c>application/json</c>.</param>
    /// <param name="body">The body.</param>
    /// <returns>The response.</returns>
    public static SseResponse Content(int statusCode, string contentType, string body)
    {
        ArgumentException.ThrowIfNullOrEmpty(contentType);
        return new(false, statusCode, body, contentType, null);
    }

    /// <summary>Replies 200 with an HTML page.</summary>
    /// <param name="html">The page.</param>
    /// <returns>The response.</returns>
    public static SseResponse Html(string html) => new(false, 200, html, "text/html; charset=utf-8", null);

    /// <summary>Replies 204 No Content.</summary>
    /// <returns>The response.</returns>
    public static SseResponse NoContent() => new(false, 204, null, "text/plain; charset=utf-8", null);

    /// <summary>Replies 404 with a message.</summary>
    /// <param name="message">The message.</param>
    /// <returns>The response.</returns>
    public static SseResponse NotFound(string message) => Text(404, message);

    /// <summary>Replies 400 with a message.</summary>
    /// <param name="message">The message.</param>
    /// <returns>The response.</returns>
    public static SseResponse BadRequest(string message) => Text(400, message);
}
