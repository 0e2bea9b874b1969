using SsePluginHost.Admission;

namespace SsePluginHost.Connections;

/// <summary>A head read straight off a connection, as admission reads it.</summary>
internal sealed class HeadAdmissionRequest(RequestHead head) : IAdmissionRequest
{
    public string Method => "GET";

    public string Path => head.Path;

    public string? GetHeader(string name) => head.Get(name);
}
