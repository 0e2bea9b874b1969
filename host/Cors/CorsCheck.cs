namespace SsePluginHost.Cors;

/// <summary>A mount's CORS verdict on a request, and the header fields its answer carries.</summary>
/// <param name="Verdict">The verdict.</param>
/// <param name="Headers">The CORS header fields for the answer (empty unless allowed or a preflight).</param>
/// <param name="Origin">The request's origin, for a refusal's reason.</param>
internal readonly record struct CorsCheck(CorsVerdict Verdict, IReadOnlyList<KeyValuePair<string, string>> Headers, string? Origin)
{
    public static readonly CorsCheck SameOrigin = new(CorsVerdict.SameOrigin, [], null);
}
