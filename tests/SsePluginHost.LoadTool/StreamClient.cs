using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SsePluginHost.LoadTool;

/// <summary>
/// One event stream over a raw socket: connect (from a chosen source address), send the GET,
/// read the response head, then receive into one pooled buffer and scan in place until the
/// server ends the stream or the tool closes it.
/// </summary>
internal sealed class StreamClient(DeliveryLog log)
{
    public const int BufferSize = 16 * 1024;

    private const int IpProtocolIp = 0; // SOL_IP
    private const int IpBindAddressNoPort = 24; // IP_BIND_ADDRESS_NO_PORT: choose the port at connect, by the 4-tuple

    private Socket? _socket;
    private byte[]? _buffer;
    private volatile bool _closing;
    private int _firstBytes;
    private int _ended;

    public DeliveryLog Log { get; } = log;

    public bool Connected { get; private set; }

    /// <summary>Why connecting failed, or why the server ended the stream; null otherwise.</summary>
    public string? Error { get; private set; }

    /// <summary>Connect and response head, in Stopwatch ticks.</summary>
    public long ConnectTicks { get; private set; }

    /// <summary>Body bytes have arrived (a hub that registers a stream after its headers shows it this way).</summary>
    public bool HasFirstBytes => Volatile.Read(ref _firstBytes) != 0;

    /// <summary>The server ended the stream (or it failed) before the tool closed it.</summary>
    public bool EndedByServer => Volatile.Read(ref _ended) != 0;

    public long BytesReceived { get; private set; }

    public Task ReceiveLoop { get; private set; } = Task.CompletedTask;

    /// <summary>Connects and reads the response head; on success starts the receive loop.</summary>
    public async Task<bool> ConnectAsync(IPEndPoint server, IPAddress? source, ReadOnlyMemory<byte> request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        Socket socket = new(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _socket = socket;
        _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        using CancellationTokenSource timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        try
        {
            if (source is not null)
            {
                if (OperatingSystem.IsLinux())
                {
                    socket.SetRawSocketOption(IpProtocolIp, IpBindAddressNoPort, BitConverter.GetBytes(1));
                }

                socket.Bind(new IPEndPoint(source, 0));
            }

            await socket.ConnectAsync(server, timer.Token).ConfigureAwait(false);
            await socket.SendAsync(request, SocketFlags.None, timer.Token).ConfigureAwait(false);

            int filled = 0;
            int headEnd;
            while ((headEnd = _buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8)) < 0)
            {
                if (filled == _buffer.Length)
                {
                    return Fail("response head larger than 16 KiB");
                }

                int n = await socket.ReceiveAsync(_buffer.AsMemory(filled), SocketFlags.None, timer.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    return Fail("closed before the response head");
                }

                filled += n;
            }

            long receivedAt = Stopwatch.GetTimestamp();
            if (!ParseHead(_buffer.AsSpan(0, headEnd + 2), out int status, out bool chunked, out long contentLength, out string? contentType))
            {
                return Fail("malformed response head");
            }

            if (status != 200)
            {
                return Fail($"status {status}");
            }

            if (contentType is null || !contentType.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase))
            {
                return Fail($"content-type {contentType ?? "(none)"}");
            }

            ConnectTicks = receivedAt - started;
            Connected = true;
            BodyDecoder decoder = new(new EventStreamScanner(Log), chunked, contentLength);
            int bodyStart = headEnd + 4;
            int leftover = filled - bodyStart;
            bool open = contentLength != 0;
            if (open && leftover > 0)
            {
                Volatile.Write(ref _firstBytes, 1);
                BytesReceived += leftover;
                open = decoder.Feed(_buffer.AsSpan(bodyStart, leftover), receivedAt);
            }

            if (!open)
            {
                End(decoder.Error ?? "stream ended");
                return true;
            }

            ReceiveLoop = ReceiveAsync(decoder);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Fail("timeout");
        }
        catch (OperationCanceledException)
        {
            return Fail("stopped");
        }
        catch (SocketException ex)
        {
            return Fail(ex.SocketErrorCode.ToString());
        }
    }

    /// <summary>Closes the socket (the receive loop then ends) and returns the buffer once the loop is done.</summary>
    public async Task CloseAsync()
    {
        _closing = true;
        _socket?.Dispose();
        await ReceiveLoop.ConfigureAwait(false);
        ReturnBuffer();
    }

    private async Task ReceiveAsync(BodyDecoder decoder)
    {
        await Task.Yield();
        Socket socket = _socket!;
        byte[] buffer = _buffer!;
        try
        {
            while (true)
            {
                int n = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).ConfigureAwait(false);
                if (n == 0)
                {
                    End("closed by the server");
                    return;
                }

                long receivedAt = Stopwatch.GetTimestamp();
                Volatile.Write(ref _firstBytes, 1);
                BytesReceived += n;
                if (!decoder.Feed(buffer.AsSpan(0, n), receivedAt))
                {
                    End(decoder.Error ?? "stream ended");
                    return;
                }
            }
        }
        catch (SocketException ex)
        {
            End(ex.SocketErrorCode.ToString());
        }
        catch (ObjectDisposedException)
        {
            End("closed");
        }
    }

    private void End(string reason)
    {
        if (!_closing)
        {
            Error = reason;
            Volatile.Write(ref _ended, 1);
        }

        _socket?.Dispose();
    }

    private bool Fail(string reason)
    {
        Error = reason;
        _socket?.Dispose();
        ReturnBuffer();
        return false;
    }

    private void ReturnBuffer()
    {
        byte[]? buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads the status line and the headers that matter (<paramref name="head"/> ends with CRLF).</summary>
    internal static bool ParseHead(ReadOnlySpan<byte> head, out int status, out bool chunked, out long contentLength, out string? contentType)
    {
        status = 0;
        chunked = false;
        contentLength = -1;
        contentType = null;
        int eol = head.IndexOf("\r\n"u8);
        if (eol < 0)
        {
            return false;
        }

        ReadOnlySpan<byte> statusLine = head[..eol];
        int space = statusLine.IndexOf((byte)' ');
        if (!statusLine.StartsWith("HTTP/1."u8) || space < 0 || !Utf8Parser.TryParse(statusLine[(space + 1)..], out status, out _))
        {
            return false;
        }

        ReadOnlySpan<byte> rest = head[(eol + 2)..];
        while (!rest.IsEmpty)
        {
            eol = rest.IndexOf("\r\n"u8);
            if (eol < 0)
            {
                return false;
            }

            ReadOnlySpan<byte> line = rest[..eol];
            rest = rest[(eol + 2)..];
            int colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                continue;
            }

            ReadOnlySpan<byte> name = line[..colon];
            ReadOnlySpan<byte> value = line[(colon + 1)..].Trim((byte)' ');
            if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
            {
                chunked = Encoding.ASCII.GetString(value).Contains("chunked", StringComparison.OrdinalIgnoreCase);
            }
            else if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
            {
                if (!Utf8Parser.TryParse(value, out contentLength, out int used) || used != value.Length || contentLength < 0)
                {
                    return false;
                }
            }
            else if (Ascii.EqualsIgnoreCase(name, "Content-Type"u8))
            {
                contentType = Encoding.ASCII.GetString(value);
            }
        }

        if (chunked)
        {
            contentLength = -1;
        }

        return true;
    }
}
