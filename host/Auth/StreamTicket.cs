namespace SsePluginHost.Auth;

/// <summary>
/// A short opaque ticket that opens one session's stream (<c>?ticket=</c>), so that a page's
/// long-lived token never appears in a URL: its first stream within
/// <see cref="StreamTickets.FirstUseWithin"/> of issue, then only reconnects of that same session
/// while the token it was issued for is valid.
/// </summary>
internal sealed class StreamTicket(string id, string mountPath, Credentials credentials, DateTimeOffset issuedAt)
{
    private string? _sessionId;
    private int _claimed;

    /// <summary>The ticket as the client sends it.</summary>
    public string Id { get; } = id;

    /// <summary>The mount it opens.</summary>
    public string MountPath { get; } = mountPath;

    /// <summary>The credentials of the token it was issued for (the ticket itself is not among them).</summary>
    public Credentials Credentials { get; } = credentials;

    /// <summary>When it was issued.</summary>
    public DateTimeOffset IssuedAt { get; } = issuedAt;

    /// <summary>The session it opened, or <see langword="null"/> before its first stream.</summary>
    public string? SessionId => Volatile.Read(ref _sessionId);

    /// <summary>Claims the ticket for its first stream; false when another stream claimed it already.</summary>
    public bool TryClaim() => Interlocked.CompareExchange(ref _claimed, 1, 0) == 0;

    /// <summary>Ties the ticket to the session its first stream opened (or resumed).</summary>
    public void Bind(string sessionId) => Interlocked.CompareExchange(ref _sessionId, sessionId, null);
}
