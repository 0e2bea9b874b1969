namespace SsePluginHost.Configuration;

/// <summary>
/// Which other origins' pages may use a mount (<c>"Cors"</c> in a mount's entry or in
/// <c>SseHost:MountDefaults</c>; a mount's own <c>Cors</c> replaces the defaults' as a whole), or
/// the publish API (<c>SseHost:Publish:Cors</c>). A request from a page on another origin that is
/// not listed is refused (403); a page on the host's own origin needs nothing here.
/// </summary>
public sealed class CorsSettings
{
    /// <summary>The origins allowed (<c>https://app.example.com</c>), or <c>*</c> for any (not with credentials).</summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>Whether pages of those origins may send cookies (<c>new EventSource(url, { withCredentials: true })</c>).</summary>
    public bool AllowCredentials { get; set; }

    /// <summary>How long a browser may keep a preflight's answer, in seconds.</summary>
    public int PreflightMaxAgeSeconds { get; set; } = 600;

    /// <summary>Whether any other origin is allowed at all.</summary>
    public bool AllowsOthers => AllowedOrigins.Length > 0;

    /// <summary>Whether any origin is allowed.</summary>
    public bool AllowsAny => AllowedOrigins.Contains("*", StringComparer.Ordinal);

    /// <summary>A copy, for a mount's entry to override.</summary>
    public CorsSettings Clone() => new()
    {
        AllowedOrigins = [.. AllowedOrigins],
        AllowCredentials = AllowCredentials,
        PreflightMaxAgeSeconds = PreflightMaxAgeSeconds,
    };

    /// <summary>Says what is wrong, naming the setting under <paramref name="prefix"/>, or returns null.</summary>
    public string? Validate(string prefix)
    {
        List<string> problems = [];
        for (int i = 0; i < AllowedOrigins.Length; i++)
        {
            string origin = AllowedOrigins[i];
            if (origin == "*")
            {
                continue;
            }

            if (!Uri.TryCreate(origin, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
                || uri.PathAndQuery != "/" || origin.EndsWith('/') || !string.IsNullOrEmpty(uri.UserInfo))
            {
                problems.Add($"{prefix}AllowedOrigins:{i} '{origin}' is not an origin: write scheme://host[:port], such as https://app.example.com, or *");
            }
        }

        if (AllowsAny && AllowCredentials)
        {
            problems.Add($"{prefix}AllowCredentials cannot be true with AllowedOrigins *: list the origins that may send credentials");
        }

        if (PreflightMaxAgeSeconds is < 0 or > 86_400)
        {
            problems.Add($"{prefix}PreflightMaxAgeSeconds must be between 0 and 86400, not {PreflightMaxAgeSeconds}");
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);
    }
}
