using SsePluginHost.Configuration;

namespace SsePluginHost.Endpoints;

/// <summary>The metadata a mount's endpoint carries: the mount's definition (path, plugin, delivery settings).</summary>
/// <param name="Definition">The mount's entry of <c>SseHost:Services</c>, as read.</param>
internal sealed record MountEndpointMetadata(MountDefinition Definition);
