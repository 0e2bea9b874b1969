using System.Text.Json.Serialization;
using SsePluginHost.Cluster;

namespace SsePluginHost.Ingress;

/// <summary><c>GET /_host/clients/&lt;mount&gt;?cluster</c>: the clients of every host and this host's own.</summary>
/// <param name="Mount">The mount's path.</param>
/// <param name="Clients">The clients of all live hosts together.</param>
/// <param name="Nodes">Each live host's count, this host's first (<c>local: true</c>).</param>
/// <param name="Local">This host's clients.</param>
internal sealed record ClusterClients(
    [property: JsonPropertyName("mount")] string Mount,
    [property: JsonPropertyName("clients")] int Clients,
    [property: JsonPropertyName("nodes")] IReadOnlyList<NodeClients> Nodes,
    [property: JsonPropertyName("local")] IReadOnlyList<ClientInfo> Local);
