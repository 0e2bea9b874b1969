using System.Net;
using System.Net.Sockets;

namespace SsePluginHost.Tests.Infrastructure;

/// <summary>Loopback ports nothing listens on now, for the servers a test starts (Redis, nginx, UDP).</summary>
internal static class FreePorts
{
    public static int Tcp()
    {
        using TcpListener listener = new(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static int Udp()
    {
        using UdpClient probe = new(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.Client.LocalEndPoint!).Port;
    }
}
