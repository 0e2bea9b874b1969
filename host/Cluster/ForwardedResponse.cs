namespace SsePluginHost.Cluster;

/// <summary>The answer of the host that has the session, carried back to the host the request came to.</summary>
/// <param name="StatusCode">The status.</param>
/// <param name="ContentType">The content type of the body.</param>
/// <param name="Body">The body, or <see langword="null"/>.</param>
/// <param name="Headers">The header fields the plugin added to its answer, or <see langword="null"/> (from a host before they existed).</param>
/// <param name="RetryAfterSeconds">A <c>Retry-After</c> to send (the plugin asked to retry later), or <see langword="null"/>.</param>
internal sealed record ForwardedResponse(int StatusCode, string ContentType, string? Body,
    IReadOnlyList<KeyValuePair<string, string>>? Headers = null, int? RetryAfterSeconds = null);
