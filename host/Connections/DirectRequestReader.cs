using System.Net;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using SsePluginHost.Abstractions;

namespace SsePluginHost.Connections;

/// <summary>Turns a head read straight off a connection into the plugin's <see cref="SseRequest"/>, as ASP.NET Core's would be.</summary>
internal static class DirectRequestReader
{
    public static SseRequest Create(RequestHead head, string mountPath, string subPath, EndPoint? remote)
    {
        // ASP.NET Core's own query parser, so that keys, repeats and decoding come out the same.
        Dictionary<string, string>? query = null;
        if (head.QueryString.Length > 1)
        {
            query = new Dictionary<string, string>(StringComparer.Ordinal);
            FeatureCollection features = new();
            features.Set<IHttpRequestFeature>(new HttpRequestFeature { QueryString = head.QueryString });
            foreach (KeyValuePair<string, StringValues> pair in new QueryFeature(features).Query)
            {
                query[pair.Key] = pair.Value.Count > 0 ? pair.Value[0] ?? string.Empty : string.Empty;
            }
        }

        Dictionary<string, string> headers = new(head.Headers.Count, StringComparer.OrdinalIgnoreCase);
        foreach (KeyValuePair<string, string> pair in head.Headers)
        {
            headers[pair.Key] = headers.TryGetValue(pair.Key, out string? earlier) ? earlier + "," + pair.Value : pair.Value;
        }

        string accept = headers.GetValueOrDefault("Accept") ?? string.Empty;
        return new SseRequest
        {
            Method = "GET",
            MountPath = mountPath,
            SubPath = subPath,
            Query = query is { Count: > 0 } ? query : System.Collections.Frozen.FrozenDictionary<string, string>.Empty,
            Headers = headers,
            RemoteAddress = (remote as IPEndPoint)?.Address.ToString(),
            AcceptsEventStream = Admission.MountAdmission.AcceptsEventStream(accept),
            AcceptsHtml = Admission.AcceptHeader.Allows(accept, "text/html"),
        };
    }
}
