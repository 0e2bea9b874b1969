namespace SsePluginHost.Configuration;

/// <summary>A <c>SseHost:Services</c> entry that cannot be mounted, and why.</summary>
/// <param name="Path">The path as written in the configuration.</param>
/// <param name="Message">What is wrong with it.</param>
internal sealed record MountDefinitionError(string Path, string Message);
