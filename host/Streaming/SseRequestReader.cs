using SsePluginHost.Abstractions;

namespace SsePluginHost.Streaming;

/// <summary>Turns an ASP.NET Core request into the plugin's <see cref="SseRequest"/>, within the body limit.</summary>
internal static class SseRequestReader
{
    /// <exception cref="BadHttpRequestException">The body is over the limit (413) or malformed (400).</exception>
    /// <remarks>With <paramref name="credentials"/>, the token they came in is left out (the header or the query parameter): the plugin has their claims in <see cref="SseRequest.User"/>.</remarks>
    public static async Task<SseRequest> ReadAsync(HttpContext context, string mountPath, string subPath, int maxBodyBytes,
        Auth.Credentials? credentials)
    {
        HttpRequest request = context.Request;
        RequestLimits.ApplyBodyLimit(request, maxBodyBytes, mountPath);

        Dictionary<string, string> query = new(StringComparer.Ordinal);
        foreach (KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues> pair in request.Query)
        {
            if (credentials?.HidesQuery(pair.Key) == true)
            {
                continue;
            }

            query[pair.Key] = pair.Value.Count > 0 ? pair.Value[0] ?? string.Empty : string.Empty;
        }

        Dictionary<string, string> headers = new(StringComparer.OrdinalIgnoreCase);
        foreach (KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues> pair in request.Headers)
        {
            if (credentials?.Hides(pair.Key) == true)
            {
                continue;
            }

            headers[pair.Key] = pair.Value.ToString();
        }

        Dictionary<string, string> form = new(StringComparer.Ordinal);
        string? body = null;
        if (request.HasFormContentType)
        {
            IFormCollection fields = await Ingress.FormReading.ReadAsync(request, context.RequestAborted).ConfigureAwait(false);
            foreach (KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues> pair in fields)
            {
                form[pair.Key] = pair.Value.Count > 0 ? pair.Value[0] ?? string.Empty : string.Empty;
            }
        }
        else if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            using StreamReader reader = new(request.Body);
            body = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
            if (body.Length == 0)
            {
                body = null;
            }
        }

        string accept = request.Headers.Accept.ToString();
        return new SseRequest
        {
            Method = request.Method,
            MountPath = mountPath,
            SubPath = subPath,
            Query = query,
            Headers = headers,
            Form = form,
            Body = body,
            RemoteAddress = context.Connection.RemoteIpAddress?.ToString(),
            User = credentials?.User,
            AcceptsEventStream = Admission.MountAdmission.AcceptsEventStream(accept),
            AcceptsHtml = Admission.AcceptHeader.Allows(accept, "text/html"),
        };
    }
}
