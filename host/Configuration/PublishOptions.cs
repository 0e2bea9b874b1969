namespace SsePluginHost.Configuration;

/// <summary>The publish API for other processes (<c>SseHost:Publish</c>).</summary>
public sealed class PublishOptions
{
    /// <summary>Whether the API under <c>/_host/</c> answers at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The bearer token the API requires (<c>Authorization: Bearer TOKEN</c>); set it in the
    /// environment as <c>SseHost__Publish__Token</c>. Without one the API answers only callers on
    /// loopback and on the Unix socket.
    /// </summary>
    public string? Token { get; set; }

    /// <summary>
    /// JSON Web Tokens that grant publish rights (validated like a mount's), besides or instead of
    /// <see cref="Token"/>: the claim <see cref="JwtClaim"/> lists the mounts a token may publish
    /// to (<c>"/chat"</c>), or <c>"*"</c> for the whole API. Not used when no keys are given.
    /// </summary>
    public JwtSettings Jwt { get; set; } = new() { RequiredClaims = [] };

    /// <summary>The claim of a publish JWT that lists the mounts it may publish to.</summary>
    public string JwtClaim { get; set; } = "sse_publish";

    /// <summary>Which other origins' pages may call the API (with a token); none by default.</summary>
    public CorsSettings Cors { get; set; } = new();

    /// <summary>Whether publish JWTs are accepted.</summary>
    public bool AcceptsJwt => Jwt.SigningKeys.Length > 0;

    /// <summary>The Unix domain socket that serves the same API (and the mounts).</summary>
    public UnixSocketOptions UnixSocket { get; set; } = new();

    /// <summary>The optional UDP listener: one datagram, one event.</summary>
    public UdpOptions Udp { get; set; } = new();
}
