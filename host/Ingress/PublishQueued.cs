using System.Text.Json.Serialization;

namespace SsePluginHost.Ingress;

/// <summary>The publish API's 202 answer: the event was taken but waits for Redis, which went away meanwhile.</summary>
/// <param name="Mount">The mount's path.</param>
/// <param name="Queued">Always true: it goes out, in order, once Redis is back.</param>
internal sealed record PublishQueued(
    [property: JsonPropertyName("mount")] string Mount,
    [property: JsonPropertyName("queued")] bool Queued);
