using System.Text.Json.Serialization;

namespace SsePluginHost.Ingress;

/// <summary>One client in <c>GET /_host/clients/&lt;mount&gt;</c>.</summary>
internal sealed record ClientInfo(
    [property: JsonPropertyName("session")] string Session,
    [property: JsonPropertyName("remote")] string? Remote,
    [property: JsonPropertyName("connectedAt")] string ConnectedAt,
    [property: JsonPropertyName("connected")] bool Connected);
