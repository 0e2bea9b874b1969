namespace SsePluginHost.Cluster;

/// <summary>The answer of the host that has the session, carried back to the host the request came to.</summary>
internal sealed record ForwardedResponse(int StatusCode, string ContentType, string? Body);
