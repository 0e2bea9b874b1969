using System.Text.Json.Serialization;

namespace SsePluginHost.Ingress;

/// <summary>The answer to <c>DELETE /_host/sessions/&lt;id&gt;</c>.</summary>
internal sealed record DropResult(
    [property: JsonPropertyName("dropped")] string Session,
    [property: JsonPropertyName("mount")] string Mount);
