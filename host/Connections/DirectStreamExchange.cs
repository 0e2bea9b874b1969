using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.WebUtilities;
using SsePluginHost.Mounts;
using SsePluginHost.Streaming;

namespace SsePluginHost.Connections;

/// <summary>
/// A request to a mount served straight off its connection: the response is written to the
/// transport as HTTP/1.1 with <c>Connection: close</c>, an event stream's body delimited by the
/// end of the connection (so no chunk framing), and the connection ends with the response.
/// </summary>
internal sealed class DirectStreamExchange(ConnectionContext connection, string? lastEventIdHeader) : IStreamExchange
{
    private static readonly byte[] EventStreamHead =
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nX-Accel-Buffering: no\r\nConnection: close\r\n"u8.ToArray();

    private readonly System.Net.Sockets.Socket? _socket = connection.Features.Get<IConnectionSocketFeature>()?.Socket;
    private string? _headers;

    public CancellationToken Aborted => connection.ConnectionClosed;

    public string? LastEventIdHeader => lastEventIdHeader;

    public bool HasStarted { get; private set; }

    public PipeWriter Output => connection.Transport.Output;

    /// <summary>The socket, written directly once the event stream's head went to it.</summary>
    public System.Net.Sockets.Socket? Socket => _socket;

    public void AddHeader(string name, string value)
    {
        if (!HeaderValues.IsValid(value))
        {
            throw new ArgumentException($"The value of the header {name} has a character no header value may hold.", nameof(value));
        }

        _headers += name + ": " + value + "\r\n";
    }

    public async Task StartEventStreamAsync()
    {
        if (_socket is null)
        {
            WriteHead(Output, EventStreamHead, extra: null);
            await Output.FlushAsync(Aborted).ConfigureAwait(false);
            return;
        }

        ArrayBufferWriter<byte> start = new(256);
        WriteHead(start, EventStreamHead, extra: null);
        await _socket.SendAsync(start.WrittenMemory, System.Net.Sockets.SocketFlags.None, Aborted).ConfigureAwait(false);
    }

    public async Task WriteTextAsync(int statusCode, string contentType, string? text, int? retryAfterSeconds = null)
    {
        if (HasStarted)
        {
            return;
        }

        if (text is not null && !HeaderValues.IsValid(contentType))
        {
            // As Kestrel refuses such a header value: no header injection, no mangled characters.
            statusCode = StatusCodes.Status500InternalServerError;
            contentType = "text/plain; charset=utf-8";
            text = "The service answered with an invalid content type.\n";
        }

        // No body after 204 or 304, whatever was given: here it would read as a second response.
        bool bodiless = statusCode is StatusCodes.Status204NoContent or StatusCodes.Status304NotModified;
        byte[] body = text is null || bodiless ? [] : Encoding.UTF8.GetBytes(text);
        StringBuilder start = new StringBuilder("HTTP/1.1 ")
            .Append(statusCode.ToString(CultureInfo.InvariantCulture)).Append(' ')
            .Append(ReasonPhrases.GetReasonPhrase(statusCode)).Append("\r\n");
        if (text is not null)
        {
            start.Append("Content-Type: ").Append(contentType).Append("\r\n");
        }

        if (!bodiless)
        {
            start.Append("Content-Length: ").Append(body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        }

        if (retryAfterSeconds is { } seconds)
        {
            start.Append("Retry-After: ").Append(seconds.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        }

        start.Append("Connection: close\r\n");
        WriteHead(Output, Encoding.ASCII.GetBytes(start.ToString()), extra: null);
        Output.Write(body);
        await Output.FlushAsync(Aborted).ConfigureAwait(false);
    }

    public async Task RefuseWithRetryAsync(Mount mount, string why, TimeSpan? delay = null)
    {
        mount.Metrics.Refused(mount.Path);
        int seconds = PluginRetryLater.Seconds(delay ?? mount.RefusalRetry);
        WriteHead(Output, EventStreamHead, "Retry-After: " + seconds.ToString(CultureInfo.InvariantCulture) + "\r\n");
        Output.Write(Encoding.UTF8.GetBytes($": {why}, retry later\n"));
        Output.Write(delay is { } given ? SseFramer.Retry(given) : mount.RefusalRetryFrame.Span);
        await Output.FlushAsync(Aborted).ConfigureAwait(false);
    }

    /// <summary>Writes a status line and fields, then the Date field, any extra fields and the blank line.</summary>
    private void WriteHead(IBufferWriter<byte> output, ReadOnlySpan<byte> statusAndFields, string? extra)
    {
        HasStarted = true;
        output.Write(statusAndFields);
        output.Write(Encoding.ASCII.GetBytes(
            "Date: " + DateTimeOffset.UtcNow.ToString("r", CultureInfo.InvariantCulture) + "\r\n" + _headers + extra + "\r\n"));
    }
}
