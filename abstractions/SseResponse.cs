using System.Collections.ObjectModel;

namespace SsePluginHost.Abstractions;

/// <summary>
/// What a service answers to a request: open an event stream, reply with a status and a body, or
/// ask the client to come back later (<see cref="RetryLater()"/>); any of them with header fields
/// of the plugin's own (<see cref="WithHeader"/>).
/// </summary>
public sealed class SseResponse
{
    private const string PlainText = "text/plain; charset=utf-8";

    // Read-only: a plugin that casts it cannot change a field once it was checked.
    private readonly ReadOnlyCollection<KeyValuePair<string, string>> _headers = ReadOnlyCollection<KeyValuePair<string, string>>.Empty;

    private SseResponse(bool openStream, int statusCode, string? body, string contentType, object? state)
    {
        IsStream = openStream;
        StatusCode = statusCode;
        Body = body;
        ContentType = contentType;
        State = state;
    }

    private SseResponse(TimeSpan? retryAfter, string? reason)
        : this(false, 503, reason, PlainText, null)
    {
        IsRetryLater = true;
        RetryAfter = retryAfter;
    }

    private SseResponse(SseResponse original, ReadOnlyCollection<KeyValuePair<string, string>> headers)
        : this(original.IsStream, original.StatusCode, original.Body, original.ContentType, original.State)
    {
        Topics = original.Topics;
        IsRetryLater = original.IsRetryLater;
        RetryAfter = original.RetryAfter;
        _headers = headers;
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

    /// <summary>
    /// Whether this answer refuses the request for now and asks the client to try again later
    /// (<see cref="RetryLater()"/>); its <see cref="StatusCode"/> is then 503 and its
    /// <see cref="Body"/> the reason given, what a request other than an EventSource one gets.
    /// Since 1.1.
    /// </summary>
    public bool IsRetryLater { get; }

    /// <summary>
    /// How long the client is asked to wait, for <see cref="IsRetryLater"/>; <see langword="null"/>
    /// for the mount's own delay (its <c>RetryMilliseconds</c>, at least a second), and for every
    /// other answer. Since 1.1.
    /// </summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>
    /// The header fields the plugin added (<see cref="WithHeader"/>), in the order added, names as
    /// given; sent with the answer, whichever it is. Empty unless some were added. Since 1.1.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers => _headers;

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

    /// <summary>
    /// Refuses the request for now and asks the client to come back later, with the mount's own
    /// delay (its <c>RetryMilliseconds</c>, at least a second). Since 1.1.
    /// </summary>
    /// <remarks>
    /// An EventSource request (<see cref="SseRequest.AcceptsEventStream"/>) gets what the host
    /// answers when a mount is over its stream limit: <c>200</c> <c>text/event-stream</c> with
    /// <c>Retry-After</c>, a comment with the reason and a <c>retry:</c> field, and the end of the
    /// stream, so that the browser reconnects after the delay (on any other status an
    /// EventSource gives up for good). Any other request gets <c>503</c> with <c>Retry-After</c>
    /// (the delay in whole seconds, rounded up) and the reason as its plain-text body. No
    /// session is opened and <see cref="ISseService.OnClientConnected"/> is not called.
    /// </remarks>
    /// <returns>The response.</returns>
    public static SseResponse RetryLater() => new(retryAfter: null, reason: null);

    /// <summary>Refuses the request for now and asks the client to come back after <paramref name="delay"/>. Since 1.1.</summary>
    /// <remarks>Answered as <see cref="RetryLater()"/> says.</remarks>
    /// <param name="delay">How long the client is to wait: from one second to one hour.</param>
    /// <returns>The response.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is under a second or over an hour.</exception>
    public static SseResponse RetryLater(TimeSpan delay) => new(CheckDelay(delay), null);

    /// <summary>Refuses the request for now, saying why, and asks the client to come back later, with the mount's own delay. Since 1.1.</summary>
    /// <remarks>Answered as <see cref="RetryLater()"/> says.</remarks>
    /// <param name="reason">Why, in one line, for the client (in the stream's comment, or as the body of the 503).</param>
    /// <returns>The response.</returns>
    /// <exception cref="ArgumentException"><paramref name="reason"/> is empty, or holds CR, LF, NUL or another control character.</exception>
    public static SseResponse RetryLater(string reason) => new(null, CheckReason(reason));

    /// <summary>Refuses the request for now, saying why, and asks the client to come back after <paramref name="delay"/>. Since 1.1.</summary>
    /// <remarks>Answered as <see cref="RetryLater()"/> says.</remarks>
    /// <param name="delay">How long the client is to wait: from one second to one hour.</param>
    /// <param name="reason">Why, in one line, for the client (in the stream's comment, or as the body of the 503).</param>
    /// <returns>The response.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is under a second or over an hour.</exception>
    /// <exception cref="ArgumentException"><paramref name="reason"/> is empty, or holds CR, LF, NUL or another control character.</exception>
    public static SseResponse RetryLater(TimeSpan delay, string reason) => new(CheckDelay(delay), CheckReason(reason));

    /// <summary>
    /// A copy of this answer with one more header field, such as
    /// <c>SseResponse.Text(200, "ok").WithHeader("Cache-Control", "no-store")</c>; this one is
    /// left as it is. Call it again for more fields; a name may be given more than once (each
    /// becomes a field of its own). Since 1.1.
    /// </summary>
    /// <remarks>
    /// Refused here, so that nothing reaches the wire: a name that is not an HTTP token; a value
    /// with anything but visible ASCII, spaces and tabs (CR, LF and NUL among what is refused); a
    /// field the host sets itself: <c>Content-Type</c> (given by the factory),
    /// <c>Content-Length</c>, <c>Content-Encoding</c>, <c>Transfer-Encoding</c>, <c>Trailer</c>,
    /// <c>Connection</c>, <c>Keep-Alive</c>, <c>Proxy-Connection</c>, <c>Upgrade</c>, <c>TE</c>,
    /// <c>Date</c>, <c>Server</c> and the CORS fields (<c>Access-Control-*</c>, from the mount's
    /// <c>Cors</c> settings); and, on a stream (<see cref="OpenStream"/>) or a
    /// <see cref="RetryLater()"/> (which may be one), <c>Cache-Control</c>,
    /// <c>X-Accel-Buffering</c> and <c>Retry-After</c>. A reply may carry <c>Cache-Control</c>,
    /// <c>Retry-After</c>, <c>Location</c>, <c>Set-Cookie</c> and the like.
    /// </remarks>
    /// <param name="name">The field name, such as <c>Cache-Control</c>.</param>
    /// <param name="value">The field value.</param>
    /// <returns>A new response: this one with the field added after those it has.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="value"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The name or the value is not allowed (the message says why).</exception>
    public SseResponse WithHeader(string name, string value)
    {
        ResponseHeaderRules.Check(name, value, eventStream: IsStream || IsRetryLater);
        KeyValuePair<string, string>[] headers = new KeyValuePair<string, string>[_headers.Count + 1];
        _headers.CopyTo(headers, 0);
        headers[^1] = new(name, value);
        return new SseResponse(this, new ReadOnlyCollection<KeyValuePair<string, string>>(headers));
    }

    private static TimeSpan CheckDelay(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.FromSeconds(1));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(delay, TimeSpan.FromHours(1));
        return delay;
    }

    private static string CheckReason(string reason)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        foreach (char c in reason)
        {
            if (char.IsControl(c))
            {
                throw new ArgumentException("A reason to retry later is one line of text: no CR, LF, NUL or other control character.", nameof(reason));
            }
        }

        return reason;
    }
}
