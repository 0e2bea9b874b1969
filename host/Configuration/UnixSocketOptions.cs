namespace SsePluginHost.Configuration;

/// <summary>The Unix domain socket listener (<c>SseHost:Publish:UnixSocket</c>).</summary>
public sealed class UnixSocketOptions
{
    /// <summary>The socket's path, relative to the content root; empty for no socket.</summary>
    public string? Path { get; set; }

    /// <summary>The socket file's permissions, in octal.</summary>
    public string Mode { get; set; } = "0660";
}
