using System.Net;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using SsePluginHost.Abstractions;

namespace SsePluginHost.Connections;

/// <summary>Turns a head read straight off a connection into the plugin's <see cref="SseRequest"/>, as ASP.NET Core's would be.</summary>
internal static class DirectRequestReader
{
    /// <summary>
    /// The parameters of a query string (with its <c>?</c>), the first value of each, by ASP.NET
    /// Core's own parser, so that keys, repeats and decoding come out the same; null when empty.
    /// </summary>
    public static Dictionary<string, string>? ParseQuery(string queryString)
    {
        if (queryString.Length <= 1)
        {
            return null;
        }

        Dictionary<string, string> query = new(StringComparer.Ordinal);
        FeatureCollection features = new();
        features.Set<IHttpRequestFeature>(new HttpRequestFeature { QueryString = queryString });
        foreach (KeyValuePair<string, StringValues> pair in new QueryFeature(features).Query)
        {
            query[pair.Key] = pair.Value.Count > 0 ? pair.Value[0] ?? string.Empty : string.Empty;
        }

        return query;
    }

    /// <remarks>With <paramref name="credentials"/>, the token they came in is left out (the header or the query parameter), as <see cref="Streaming.SseRequestReader"/> leaves it out.</remarks>
    public static SseRequest Create(RequestHead head, string mountPath, string subPath, EndPoint? remote, Auth.Credentials? credentials)
    {
        Dictionary<string, string>? query = ParseQuery(head.QueryString);
        if (credentials is { Source: Auth.TokenSource.Query })
        {
            query?.Remove("access_token");
        }

        Dictionary<string, string> headers = new(head.Headers.Count, StringComparer.OrdinalIgnoreCase);
        foreach (KeyValuePair<string, string> pair in head.Headers)
        {
            if (credentials?.Hides(pair.Key) == true)
            {
                continue;
            }

            headers[pair.Key] = headers.TryGetValue(pair.Key, out string? earlier) ? RequestHead.Join(earlier, pair.Value) : pair.Value;
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
            User = credentials?.User,
            AcceptsEventStream = Admission.MountAdmission.AcceptsEventStream(accept),
            AcceptsHtml = Admission.AcceptHeader.Allows(accept, "text/html"),
        };
    }
}
