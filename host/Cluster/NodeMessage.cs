namespace SsePluginHost.Cluster;

/// <summary>
/// One message between hosts, on the receiving host's pub/sub channel: a question (send, request,
/// release) or the answer to one (reply, matched by <see cref="Correlation"/>).
/// </summary>
internal sealed record NodeMessage(
    string Op,
    string From,
    long Correlation,
    string? Mount = null,
    string? Session = null,
    byte[]? Frame = null,
    ForwardedRequest? Request = null,
    ForwardedResponse? Response = null,
    bool Ok = false,
    byte[][]? Frames = null)
{
    public const string Send = "send";
    public const string Forward = "request";
    public const string Release = "release";
    public const string Reply = "reply";
}
