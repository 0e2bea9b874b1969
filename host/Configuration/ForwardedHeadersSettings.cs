using System.Net;

namespace SsePluginHost.Configuration;

/// <summary>
/// The reverse proxies whose <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> the host believes
/// (<c>SseHost:ForwardedHeaders</c>), applied with ASP.NET Core's forwarded-headers middleware: a
/// request from one of them is judged by the client address the proxy names. None by default.
/// </summary>
public sealed class ForwardedHeadersSettings
{
    /// <summary>Proxy addresses (<c>127.0.0.1</c>, <c>::1</c>, <c>10.0.0.5</c>).</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Proxy networks in CIDR form (<c>10.0.0.0/8</c>).</summary>
    public List<string> KnownNetworks { get; set; } = [];

    /// <summary>Whether any proxy is configured.</summary>
    public bool Enabled => KnownProxies.Count > 0 || KnownNetworks.Count > 0;

    /// <summary>Says which entries are not addresses or networks, naming the setting, or returns null.</summary>
    public string? Validate()
    {
        List<string> problems = [];
        foreach (string proxy in KnownProxies)
        {
            if (!IPAddress.TryParse(proxy, out _))
            {
                problems.Add($"SseHost:ForwardedHeaders:KnownProxies: '{proxy}' is not an IP address.");
            }
        }

        foreach (string network in KnownNetworks)
        {
            if (!IPNetwork.TryParse(network, out _))
            {
                problems.Add($"SseHost:ForwardedHeaders:KnownNetworks: '{network}' is not a network in CIDR form (10.0.0.0/8).");
            }
        }

        return problems.Count == 0 ? null : string.Join(" ", problems);
    }
}
