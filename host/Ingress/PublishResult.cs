using System.Text.Json.Serialization;

namespace SsePluginHost.Ingress;

/// <summary>The answer to a publish: where it went, its id, how many clients it was queued for.</summary>
internal sealed record PublishResult(
    [property: JsonPropertyName("mount")] string Mount,
    [property: JsonPropertyName("session")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Session,
    [property: JsonPropertyName("id")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Id,
    [property: JsonPropertyName("delivered")] int Delivered);
