using System.Globalization;
using System.Net;
using System.Net.ServerSentEvents;
using System.Net.Sockets;
using System.Text;

namespace SsePluginHost.Tests.Infrastructure;

/// <summary>
/// HTTP/1.1 over a bare TCP socket, for tests where the bytes on the wire matter: the request is
/// sent exactly as written, and the response head is read as sent; the body is read through its
/// framing (Content-Length, chunked, or until the server closes the connection), as lines or as
/// server-sent events. Every read has a timeout.
/// </summary>
internal sealed class RawHttpConnection : IDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly List<byte> _pendingBody = [];
    private byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;
    private Framing _framing = Framing.None;
    private long _left;
    private bool _bodyEnded;

    private RawHttpConnection(Socket socket)
    {
        _socket = socket;
    }

    private enum Framing
    {
        None,
        ContentLength,
        Chunked,
        UntilClose,
    }

    /// <summary>The last <c>retry:</c> field read from an event stream, in milliseconds.</summary>
    public int? Retry { get; private set; }

    /// <summary>Connects to the host at <paramref name="baseAddress"/> (a loopback address).</summary>
    public static async Task<RawHttpConnection> OpenAsync(Uri baseAddress)
    {
        Socket socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using CancellationTokenSource timeout = new(DefaultTimeout);
            await socket.ConnectAsync(IPAddress.Loopback, baseAddress.Port, timeout.Token);
            return new RawHttpConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>An EventSource-style GET head: the request line, <c>Host</c>, <c>Accept: text/event-stream</c>, then any extra lines.</summary>
    public static string EventSourceGet(string target, params string[] extraHeaderLines)
    {
        StringBuilder head = new StringBuilder("GET ").Append(target).Append(" HTTP/1.1\r\n")
            .Append("Host: 127.0.0.1\r\n")
            .Append("Accept: text/event-stream\r\n");
        foreach (string line in extraHeaderLines)
        {
            head.Append(line).Append("\r\n");
        }

        return head.Append("\r\n").ToString();
    }

    /// <summary>Sends text as Latin-1 bytes, one byte per character.</summary>
    public async Task SendAsync(string text) => await SendAsync(Encoding.Latin1.GetBytes(text));

    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        using CancellationTokenSource timeout = new(DefaultTimeout);
        await _socket.SendAsync(bytes, SocketFlags.None, timeout.Token);
    }

    /// <summary>Reads the head of the next response and gets ready to read its body.</summary>
    public async Task<RawResponseHead> ReadHeadAsync(TimeSpan? timeout = null)
    {
        using CancellationTokenSource cts = new(timeout ?? DefaultTimeout);
        try
        {
            string statusLine = await ReadRawLineAsync(cts.Token);
            List<KeyValuePair<string, string>> headers = [];
            while (await ReadRawLineAsync(cts.Token) is { Length: > 0 } line)
            {
                int colon = line.IndexOf(':', StringComparison.Ordinal);
                Assert.True(colon > 0, $"Not a header field: '{line}'");
                headers.Add(new KeyValuePair<string, string>(line[..colon], line[(colon + 1)..].Trim(' ', '\t')));
            }

            string[] parts = statusLine.Split(' ', 3);
            Assert.True(parts.Length >= 2 && parts[0].StartsWith("HTTP/", StringComparison.Ordinal), $"Not a status line: '{statusLine}'");
            RawResponseHead head = new()
            {
                StatusLine = statusLine,
                StatusCode = int.Parse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture),
                Headers = headers,
            };

            _pendingBody.Clear();
            _bodyEnded = false;
            if (head.IsChunked)
            {
                _framing = Framing.Chunked;
                _left = 0;
            }
            else if (head.Get("Content-Length") is { } length)
            {
                _framing = Framing.ContentLength;
                _left = long.Parse(length, NumberStyles.None, CultureInfo.InvariantCulture);
            }
            else
            {
                _framing = Framing.UntilClose;
            }

            return head;
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No complete response head arrived within {timeout ?? DefaultTimeout}.");
        }
    }

    /// <summary>Reads the rest of the body, as UTF-8.</summary>
    public async Task<string> ReadBodyToEndAsync(TimeSpan? timeout = null)
    {
        using CancellationTokenSource cts = new(timeout ?? DefaultTimeout);
        try
        {
            List<byte> body = [.. _pendingBody];
            _pendingBody.Clear();
            while (await ReadBodyPieceAsync(cts.Token) is { } piece)
            {
                body.AddRange(piece);
            }

            return Encoding.UTF8.GetString([.. body]);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The body did not end within {timeout ?? DefaultTimeout}.");
        }
    }

    /// <summary>The next event (of <paramref name="eventType"/> when given, skipping others); fails when the body ends first.</summary>
    public async Task<SseItem<string>> NextEventAsync(string? eventType = null, TimeSpan? timeout = null)
    {
        using CancellationTokenSource cts = new(timeout ?? DefaultTimeout);
        try
        {
            string type = "message";
            string? id = null;
            StringBuilder? data = null;
            while (true)
            {
                string line = await ReadBodyLineAsync(cts.Token)
                    ?? throw new InvalidOperationException("The response body ended before the event arrived.");
                if (line.Length == 0)
                {
                    if (data is not null && (eventType is null || type == eventType))
                    {
                        return new SseItem<string>(data.ToString(), type) { EventId = id };
                    }

                    type = "message";
                    id = null;
                    data = null;
                    continue;
                }

                if (line[0] == ':')
                {
                    continue;
                }

                int colon = line.IndexOf(':', StringComparison.Ordinal);
                string field = colon < 0 ? line : line[..colon];
                string value = colon < 0 ? string.Empty : line[(colon + 1)..];
                if (value.StartsWith(' '))
                {
                    value = value[1..];
                }

                switch (field)
                {
                    case "event":
                        type = value;
                        break;
                    case "id":
                        id = value;
                        break;
                    case "data":
                        data = data is null ? new StringBuilder(value) : data.Append('\n').Append(value);
                        break;
                    case "retry" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int retry):
                        Retry = retry;
                        break;
                    default:
                        break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No event{(eventType is null ? string.Empty : " of type " + eventType)} arrived within {timeout ?? DefaultTimeout}.");
        }
    }

    /// <summary>Whether the server closes the connection within the time (reading and discarding whatever comes first).</summary>
    public async Task<bool> ClosedByServerAsync(TimeSpan? timeout = null)
    {
        using CancellationTokenSource cts = new(timeout ?? DefaultTimeout);
        try
        {
            _start = _end;
            while (await FillAsync(cts.Token))
            {
                _start = _end;
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose() => _socket.Dispose();

    /// <summary>The next line of the body without its line break, or <see langword="null"/> once the body has ended.</summary>
    private async Task<string?> ReadBodyLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            int lf = _pendingBody.IndexOf((byte)'\n');
            if (lf >= 0)
            {
                int length = lf > 0 && _pendingBody[lf - 1] == '\r' ? lf - 1 : lf;
                string line = Encoding.UTF8.GetString([.. _pendingBody.GetRange(0, length)]);
                _pendingBody.RemoveRange(0, lf + 1);
                return line;
            }

            byte[]? piece = await ReadBodyPieceAsync(cancellationToken);
            if (piece is null)
            {
                return null;
            }

            _pendingBody.AddRange(piece);
        }
    }

    /// <summary>The next bytes of the body, unframed, or <see langword="null"/> once the body has ended.</summary>
    private async Task<byte[]?> ReadBodyPieceAsync(CancellationToken cancellationToken)
    {
        if (_bodyEnded)
        {
            return null;
        }

        switch (_framing)
        {
            case Framing.ContentLength:
                if (_left == 0)
                {
                    _bodyEnded = true;
                    return null;
                }

                await EnsureDataAsync(cancellationToken);
                return Take((int)Math.Min(_left, _end - _start));

            case Framing.Chunked:
                if (_left == 0)
                {
                    string sizeLine = await ReadRawLineAsync(cancellationToken);
                    int extension = sizeLine.IndexOf(';', StringComparison.Ordinal);
                    _left = long.Parse(extension < 0 ? sizeLine : sizeLine[..extension], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
                    if (_left == 0)
                    {
                        while ((await ReadRawLineAsync(cancellationToken)).Length > 0)
                        {
                            // Trailer fields: none expected, skipped.
                        }

                        _bodyEnded = true;
                        return null;
                    }
                }

                await EnsureDataAsync(cancellationToken);
                byte[] piece = Take((int)Math.Min(_left, _end - _start));
                if (_left == 0)
                {
                    Assert.Equal(string.Empty, await ReadRawLineAsync(cancellationToken));
                }

                return piece;

            case Framing.UntilClose:
                if (_start == _end && !await FillAsync(cancellationToken))
                {
                    _bodyEnded = true;
                    return null;
                }

                return Take(_end - _start);

            default:
                throw new InvalidOperationException("Read a response head first.");
        }
    }

    private byte[] Take(int count)
    {
        byte[] taken = _buffer.AsSpan(_start, count).ToArray();
        _start += count;
        if (_framing is Framing.ContentLength or Framing.Chunked)
        {
            _left -= count;
        }

        return taken;
    }

    private async Task EnsureDataAsync(CancellationToken cancellationToken)
    {
        if (_start == _end && !await FillAsync(cancellationToken))
        {
            throw new IOException("The server closed the connection inside a framed body.");
        }
    }

    /// <summary>A CRLF-terminated line of the raw connection, as Latin-1, without the CRLF.</summary>
    private async Task<string> ReadRawLineAsync(CancellationToken cancellationToken)
    {
        int scanned = _start;
        while (true)
        {
            int at = _buffer.AsSpan(scanned, _end - scanned).IndexOf("\r\n"u8);
            if (at >= 0)
            {
                string line = Encoding.Latin1.GetString(_buffer, _start, scanned + at - _start);
                _start = scanned + at + 2;
                return line;
            }

            scanned = Math.Max(_start, _end - 1);
            int offset = scanned - _start;
            if (!await FillAsync(cancellationToken))
            {
                throw new IOException("The server closed the connection in the middle of a line.");
            }

            scanned = _start + offset;
        }
    }

    /// <summary>Reads more bytes from the socket; <see langword="false"/> when the server has closed (or reset) the connection.</summary>
    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        int read;
        try
        {
            read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            return false;
        }

        _end += read;
        return read > 0;
    }
}
