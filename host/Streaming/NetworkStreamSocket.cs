using System.Net.Sockets;

namespace SsePluginHost.Streaming;

/// <summary>A connection's non-blocking socket, as a <see cref="SocketStreamWriter"/> writes it.</summary>
internal sealed class NetworkStreamSocket(Socket socket) : IStreamSocket
{
    public int TrySend(ReadOnlySpan<byte> bytes)
    {
        try
        {
            int sent = socket.Send(bytes, SocketFlags.None, out SocketError error);
            if (error is SocketError.Success or SocketError.WouldBlock)
            {
                return Math.Max(sent, 0);
            }
        }
        catch (ObjectDisposedException)
        {
        }

        return -1;
    }

    public async ValueTask SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) =>
        await socket.SendAsync(bytes, SocketFlags.None, cancellationToken).ConfigureAwait(false);
}
