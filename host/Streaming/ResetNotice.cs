using System.Text.Json;

namespace SsePluginHost.Streaming;

/// <summary>The data of a <c>reset</c> event, as JSON.</summary>
/// <param name="LastEventId">The id the client asked to resume after.</param>
/// <param name="Reason">Why it cannot.</param>
internal sealed record ResetNotice(
    [property: System.Text.Json.Serialization.JsonPropertyName("lastEventId")] string LastEventId,
    [property: System.Text.Json.Serialization.JsonPropertyName("reason")] string Reason)
{
    /// <summary>
    /// Frames the <c>reset</c> event that tells a client it missed events it cannot have: the
    /// history no longer reaches back to its position (or never held it), or, with
    /// <paramref name="overLimits"/>, what it missed is more than its queue may hold.
    /// </summary>
    public static byte[] Frame(string lastEventId, bool overLimits) =>
        SseFramer.Frame("reset", JsonSerializer.Serialize(new ResetNotice(lastEventId, overLimits
            ? "the events after this id are more than this client may have queued; resynchronise"
            : "the events after this id are no longer available; resynchronise")));

    /// <summary>
    /// Frames the <c>reset</c> event sent to a client in the middle of its stream: events after
    /// <paramref name="lastEventId"/> were lost on the way (the backplane lost them or its data),
    /// for the reason given.
    /// </summary>
    public static byte[] Live(string lastEventId, string reason) =>
        SseFramer.Frame("reset", JsonSerializer.Serialize(new ResetNotice(lastEventId, reason)));
}
