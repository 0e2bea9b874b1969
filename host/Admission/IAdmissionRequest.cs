namespace SsePluginHost.Admission;

/// <summary>
/// What admission reads of a request, whichever way it arrived: a head read straight off the
/// connection (the fast lane) or an ASP.NET Core request.
/// </summary>
internal interface IAdmissionRequest
{
    /// <summary>The HTTP method.</summary>
    string Method { get; }

    /// <summary>The request path, decoded.</summary>
    string Path { get; }

    /// <summary>A header's values joined with commas, or <see langword="null"/> when it was not sent.</summary>
    string? GetHeader(string name);

    /// <summary>The client's IP address (after a known proxy's <c>X-Forwarded-For</c>, through ASP.NET Core), or <see langword="null"/> on a Unix socket.</summary>
    string? RemoteAddress { get; }

    /// <summary>A query string parameter's first value, decoded, or <see langword="null"/> when it was not sent.</summary>
    string? GetQuery(string name);

    /// <summary>An address as admission names it: an IPv4 address mapped to IPv6 as the IPv4 address.</summary>
    static string? Describe(System.Net.IPAddress? address) =>
        address is null ? null : (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
}
