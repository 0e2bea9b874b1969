using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SsePluginHost.Tests.Infrastructure;

/// <summary>
/// An event stream asked for on a raw socket with a small receive buffer that reads nothing until
/// a test tells it to: a client whose socket buffer fills and stays full. Reading, when asked,
/// discards what comes and stops at the end of the stream: the connection closed or reset by
/// the server, or the last chunk of a chunked body.
/// </summary>
internal sealed class StalledEventStream : IDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private static readonly byte[] LastChunk = "\r\n0\r\n\r\n"u8.ToArray();

    private readonly Socket _socket;

    private StalledEventStream(Socket socket)
    {
        _socket = socket;
    }

    /// <summary>Bytes the host has sent that are waiting, unread, in this socket's receive buffer.</summary>
    public int Available => _socket.Available;

    /// <summary>
    /// Connects with a 4 KiB receive buffer (set before connecting, so that the window stays
    /// small) and sends an EventSource GET of <paramref name="target"/> with any extra header lines.
    /// </summary>
    public static async Task<StalledEventStream> OpenAsync(Uri baseAddress, string target, params string[] extraHeaderLines)
    {
        Socket socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        try
        {
            using CancellationTokenSource timeout = new(DefaultTimeout);
            await socket.ConnectAsync(IPAddress.Loopback, baseAddress.Port, timeout.Token);
            byte[] request = Encoding.Latin1.GetBytes(RawHttpConnection.EventSourceGet(target, extraHeaderLines));
            await socket.SendAsync(request, SocketFlags.None, timeout.Token);
            return new StalledEventStream(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads, at last, and discards everything until the stream ends; returns how many bytes
    /// came (head included), and whether the server closed (or reset) the connection rather than
    /// end a chunked body. Fails with <see cref="TimeoutException"/> when it does not end in time.
    /// </summary>
    public async Task<(long Bytes, bool Closed)> ReadToEndAsync(TimeSpan? timeout = null)
    {
        using CancellationTokenSource cts = new(timeout ?? DefaultTimeout);
        byte[] buffer = new byte[64 * 1024];
        byte[] tail = new byte[LastChunk.Length];
        int tailLength = 0;
        long total = 0;
        try
        {
            while (true)
            {
                int read;
                try
                {
                    read = await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                }
                catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
                {
                    return (total, true);
                }

                if (read == 0)
                {
                    return (total, true);
                }

                total += read;
                tailLength = KeepTail(tail, tailLength, buffer.AsSpan(0, read));
                if (tail.AsSpan(0, tailLength).SequenceEqual(LastChunk))
                {
                    // A chunked body's last chunk: the response has ended (the connection may be kept).
                    return (total, false);
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The stream did not end within {timeout ?? DefaultTimeout} ({total} bytes read).");
        }
    }

    public void Dispose() => _socket.Dispose();

    /// <summary>Keeps the last bytes seen, as many as <paramref name="tail"/> holds; returns how many it holds.</summary>
    private static int KeepTail(byte[] tail, int tailLength, ReadOnlySpan<byte> read)
    {
        if (read.Length >= tail.Length)
        {
            read[^tail.Length..].CopyTo(tail);
            return tail.Length;
        }

        int keep = Math.Min(tailLength, tail.Length - read.Length);
        tail.AsSpan(tailLength - keep, keep).CopyTo(tail);
        read.CopyTo(tail.AsSpan(keep));
        return keep + read.Length;
    }
}
