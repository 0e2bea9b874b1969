using System.Net.Sockets;

namespace SsePluginHost.Tests.Infrastructure;

/// <summary>An HttpClient that talks HTTP over a Unix domain socket, as <c>curl --unix-socket</c> does.</summary>
internal static class UnixSocketHttp
{
    public static HttpClient Create(string socketPath)
    {
        SocketsHttpHandler handler = new()
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                Socket socket = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        return new HttpClient(handler) { BaseAddress = new Uri("http://localhost/"), Timeout = TimeSpan.FromSeconds(30) };
    }
}
