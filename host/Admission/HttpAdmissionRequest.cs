namespace SsePluginHost.Admission;

/// <summary>An ASP.NET Core request, as admission reads it.</summary>
internal sealed class HttpAdmissionRequest(HttpRequest request) : IAdmissionRequest
{
    public string Method => request.Method;

    public string? RemoteAddress => IAdmissionRequest.Describe(request.HttpContext.Connection.RemoteIpAddress);

    public string Path => request.Path.Value is { Length: > 0 } path ? path : "/";

    public string? GetHeader(string name) =>
        request.Headers.TryGetValue(name, out Microsoft.Extensions.Primitives.StringValues values) && values.Count > 0 ? values.ToString() : null;

    public string? GetQuery(string name) =>
        request.Query.TryGetValue(name, out Microsoft.Extensions.Primitives.StringValues values) && values.Count > 0 ? values[0] ?? string.Empty : null;
}
