using System.Text.Json.Serialization;

namespace SsePluginHost.Ingress;

/// <summary>One mount in <c>GET /_host/mounts</c>.</summary>
internal sealed record MountInfo(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("plugin")] string Plugin,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("version")] string? Version,
    [property: JsonPropertyName("clients")] int Clients,
    [property: JsonPropertyName("streams")] int Streams,
    [property: JsonPropertyName("slowConsumers")] long SlowConsumers,
    [property: JsonPropertyName("history")] int History,
    [property: JsonPropertyName("clusterClients")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? ClusterClients,
    [property: JsonPropertyName("error")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error);
