using System.Text.Json.Serialization;

namespace SsePluginHost.Cluster;

/// <summary>How many clients of a mount one host has (as it last said, every couple of seconds).</summary>
internal sealed record NodeClients(
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("clients")] int Clients,
    [property: JsonPropertyName("local")] bool Local);
