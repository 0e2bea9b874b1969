using SsePluginHost.Abstractions;

namespace SsePluginHost.Cluster;

/// <summary>A plugin request as it travels to the host that has the session it names.</summary>
internal sealed record ForwardedRequest(
    string Method,
    string MountPath,
    string SubPath,
    Dictionary<string, string> Query,
    Dictionary<string, string> Headers,
    Dictionary<string, string> Form,
    string? Body,
    string? RemoteAddress,
    bool AcceptsHtml)
{
    public static ForwardedRequest From(SseRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new ForwardedRequest(request.Method, request.MountPath, request.SubPath,
            new Dictionary<string, string>(request.Query, StringComparer.Ordinal),
            new Dictionary<string, string>(request.Headers, StringComparer.OrdinalIgnoreCase),
            new Dictionary<string, string>(request.Form, StringComparer.Ordinal),
            request.Body, request.RemoteAddress, request.AcceptsHtml);
    }

    public SseRequest ToRequest() => new()
    {
        Method = Method,
        MountPath = MountPath,
        SubPath = SubPath,
        Query = new Dictionary<string, string>(Query, StringComparer.Ordinal),
        Headers = new Dictionary<string, string>(Headers, StringComparer.OrdinalIgnoreCase),
        Form = new Dictionary<string, string>(Form, StringComparer.Ordinal),
        Body = Body,
        RemoteAddress = RemoteAddress,
        AcceptsHtml = AcceptsHtml,
    };
}
