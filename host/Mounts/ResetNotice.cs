namespace SsePluginHost.Mounts;

/// <summary>The data of a <c>reset</c> event, as JSON.</summary>
/// <param name="LastEventId">The id the client asked to resume after.</param>
/// <param name="Reason">Why it cannot.</param>
internal sealed record ResetNotice(
    [property: System.Text.Json.Serialization.JsonPropertyName("lastEventId")] string LastEventId,
    [property: System.Text.Json.Serialization.JsonPropertyName("reason")] string Reason);
