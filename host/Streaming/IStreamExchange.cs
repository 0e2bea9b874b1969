using System.IO.Pipelines;
using SsePluginHost.Mounts;

namespace SsePluginHost.Streaming;

/// <summary>
/// One request to a mount as the streaming code sees it, whichever way it arrived: through
/// ASP.NET Core's pipeline (<see cref="HttpStreamExchange"/>) or taken straight off the
/// connection (<see cref="Connections.DirectStreamExchange"/>).
/// </summary>
internal interface IStreamExchange
{
    /// <summary>Cancelled when the client goes away.</summary>
    CancellationToken Aborted { get; }

    /// <summary>The <c>Last-Event-ID</c> request header, or <see langword="null"/>.</summary>
    string? LastEventIdHeader { get; }

    /// <summary>Whether the response's status and headers have been sent.</summary>
    bool HasStarted { get; }

    /// <summary>Where the body goes once the event stream has started.</summary>
    PipeWriter Output { get; }

    /// <summary>
    /// The connection's socket when the stream's body may be written to it directly (the head
    /// was sent straight to it too), or <see langword="null"/> to write to <see cref="Output"/>.
    /// </summary>
    System.Net.Sockets.Socket? Socket { get; }

    /// <summary>Adds a header field to the answer, whichever it turns out to be; before it has started.</summary>
    void AddHeader(string name, string value);

    /// <summary>Sends the status and headers of an event stream (200, <c>text/event-stream</c>, no caching) at once.</summary>
    Task StartEventStreamAsync();

    /// <summary>Answers with a status and a text body (and a <c>Retry-After</c>, if given), unless the response has started.</summary>
    Task WriteTextAsync(int statusCode, string contentType, string? text, int? retryAfterSeconds = null);

    /// <summary>
    /// Answers a stream that cannot be served now: a 200 event stream that carries only a retry
    /// delay and ends (an EventSource gives up for good on any other status). The delay is the
    /// mount's for refusals (<see cref="Mount.RefusalRetry"/>) unless <paramref name="delay"/> is given.
    /// </summary>
    Task RefuseWithRetryAsync(Mount mount, string why, TimeSpan? delay = null);
}
