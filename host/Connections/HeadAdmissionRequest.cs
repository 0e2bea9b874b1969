using SsePluginHost.Admission;

namespace SsePluginHost.Connections;

/// <summary>A head read straight off a connection, as admission reads it.</summary>
internal sealed class HeadAdmissionRequest(RequestHead head, System.Net.EndPoint? remote) : IAdmissionRequest
{
    private Dictionary<string, string>? _query;

    public string Method => "GET";

    public string Path => head.Path;

    public string? RemoteAddress => IAdmissionRequest.Describe((remote as System.Net.IPEndPoint)?.Address);

    public string? GetHeader(string name) => head.Get(name);

    public string? GetQuery(string name)
    {
        if (head.QueryString.Length <= 1)
        {
            return null;
        }

        _query ??= DirectRequestReader.ParseQuery(head.QueryString) ?? [];
        return _query.GetValueOrDefault(name);
    }
}
