namespace SsePluginHost.Abstractions;

/// <summary>
/// A request to a mount, detached from the web server so that a plugin needs nothing but this
/// contract.
/// </summary>
public sealed class SseRequest
{
    // Read-only and empty: a plugin that casts it cannot change what other requests see.
    private static readonly IReadOnlyDictionary<string, string> Empty =
        System.Collections.ObjectModel.ReadOnlyDictionary<string, string>.Empty;

    /// <summary>The HTTP method, such as <c>GET</c> or <c>POST</c>.</summary>
    public required string Method { get; init; }

    /// <summary>The mount path the request was routed to, such as <c>/chat</c>.</summary>
    public required string MountPath { get; init; }

    /// <summary>The rest of the path below the mount, empty or starting with <c>/</c>.</summary>
    public string SubPath { get; init; } = string.Empty;

    /// <summary>The query string parameters (the first value of each).</summary>
    public IReadOnlyDictionary<string, string> Query { get; init; } = Empty;

    /// <summary>The request headers (values of a repeated header joined with commas), case-insensitive.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = Empty;

    /// <summary>The fields of a form body (<c>application/x-www-form-urlencoded</c> or <c>multipart/form-data</c>).</summary>
    public IReadOnlyDictionary<string, string> Form { get; init; } = Empty;

    /// <summary>The body as text when it is neither empty nor a form, otherwise <see langword="null"/>.</summary>
    public string? Body { get; init; }

    /// <summary>The remote IP address, if known.</summary>
    public string? RemoteAddress { get; init; }

    /// <summary>
    /// Who made the request: on a mount with authentication (<c>"Auth": { "Mode": "Jwt" }</c>),
    /// the principal of the token the host validated, with the token's claims (<c>sub</c>,
    /// <c>name</c>, <c>exp</c>, ...); <see langword="null"/> on an anonymous mount. A plugin may
    /// refuse a request or a stream on its own rules by answering with a status such as 403.
    /// </summary>
    public System.Security.Claims.ClaimsPrincipal? User { get; init; }

    /// <summary>Whether the client asks for <c>text/event-stream</c> (an EventSource request).</summary>
    public bool AcceptsEventStream { get; init; }

    /// <summary>Whether the client asks for <c>text/html</c> (a browser navigating to the mount).</summary>
    public bool AcceptsHtml { get; init; }

    /// <summary>Returns a field from the query string or, failing that, the form body.</summary>
    /// <param name="name">The field name.</param>
    /// <returns>The value, or <see langword="null"/>.</returns>
    public string? GetField(string name)
    {
        if (Query.TryGetValue(name, out string? value))
        {
            return value;
        }

        return Form.TryGetValue(name, out value) ? value : null;
    }

    /// <summary>Returns a header value.</summary>
    /// <param name="name">The header name, case-insensitive.</param>
    /// <returns>The value, or <see langword="null"/>.</returns>
    public string? GetHeader(string name) => Headers.TryGetValue(name, out string? value) ? value : null;
}
