namespace SsePluginHost.Ingress;

/// <summary>An event handed in through the publish API, before it is checked.</summary>
/// <param name="EventType">The event type, or null for the default <c>message</c>.</param>
/// <param name="Data">The data.</param>
/// <param name="Id">An explicit id, or null for the mount's next one.</param>
/// <param name="Session">One session to send to, or null to broadcast.</param>
/// <param name="Topic">A topic of the mount to broadcast to (<c>topic</c>, or its other name <c>group</c>), or null for the whole mount.</param>
internal sealed record PublishRequest(string? EventType, string Data, string? Id, string? Session, string? Topic);
