using System.Text;
using System.Text.Json;

namespace SsePluginHost.Ingress;

/// <summary>
/// Reads a publish request: JSON (<c>{"event":..,"data":..,"id":..,"session":..}</c>), a form
/// (<c>data=..&amp;event=..</c>) or plain text (the body is the data); the query string may give
/// <c>event</c>, <c>id</c>, <c>session</c> and <c>data</c> as well.
/// </summary>
internal static class PublishRequestReader
{
    /// <exception cref="BadHttpRequestException">415, 413 or 400, with the reason.</exception>
    public static async Task<PublishRequest> ReadAsync(HttpRequest request, int maxBodyBytes, CancellationToken cancellationToken)
    {
        Streaming.RequestLimits.ApplyBodyLimit(request, maxBodyBytes, "the publish API");

        string? mediaType = request.ContentType is { } contentType
            ? Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var parsed) ? parsed.MediaType.Value : contentType
            : null;
        string? eventType = request.Query["event"].FirstOrDefault();
        string? id = request.Query["id"].FirstOrDefault();
        string? session = request.Query["session"].FirstOrDefault();
        string? topic = request.Query["topic"].FirstOrDefault() ?? request.Query["group"].FirstOrDefault();
        string? data = request.Query["data"].FirstOrDefault();

        switch (mediaType?.ToLowerInvariant())
        {
            case "application/json":
                using (JsonDocument document = await ParseJsonAsync(request, cancellationToken).ConfigureAwait(false))
                {
                    JsonElement root = document.RootElement;
                    if (root.ValueKind != JsonValueKind.Object)
                    {
                        throw Bad("The JSON body must be an object such as {\"event\":\"message\",\"data\":\"hello\"}.");
                    }

                    eventType = Text(root, "event") ?? eventType;
                    id = Text(root, "id") ?? id;
                    session = Text(root, "session") ?? session;
                    topic = Text(root, "topic") ?? Text(root, "group") ?? topic;
                    if (root.TryGetProperty("data", out JsonElement value))
                    {
                        data = DataOf(value);
                    }
                }

                break;
            case "application/x-www-form-urlencoded" or "multipart/form-data":
                IFormCollection form = await FormReading.ReadAsync(request, cancellationToken).ConfigureAwait(false);
                eventType = form["event"].FirstOrDefault() ?? eventType;
                id = form["id"].FirstOrDefault() ?? id;
                session = form["session"].FirstOrDefault() ?? session;
                topic = form["topic"].FirstOrDefault() ?? form["group"].FirstOrDefault() ?? topic;
                data = form["data"].FirstOrDefault() ?? data;
                break;
            case "text/plain":
                using (StreamReader reader = new(request.Body, Encoding.UTF8))
                {
                    data = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
                }

                break;
            case null when (request.ContentLength is null or 0) && request.Headers.TransferEncoding.Count == 0:
                break;
            default:
                throw new BadHttpRequestException(
                    $"Content type '{request.ContentType}' is not accepted: send application/json, application/x-www-form-urlencoded or text/plain.",
                    StatusCodes.Status415UnsupportedMediaType);
        }

        if (data is null)
        {
            throw Bad("No data: give a 'data' field (JSON, form or query) or a text/plain body.");
        }

        return new PublishRequest(
            string.IsNullOrEmpty(eventType) ? null : eventType,
            data,
            string.IsNullOrEmpty(id) ? null : id,
            string.IsNullOrEmpty(session) ? null : session,
            string.IsNullOrEmpty(topic) ? null : topic);
    }

    private static async Task<JsonDocument> ParseJsonAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await JsonDocument.ParseAsync(request.Body, default, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            throw Bad($"The body is not valid JSON: {ex.Message}");
        }
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => StringOf(value, name),
                JsonValueKind.Null => null,
                _ => throw Bad($"'{name}' must be a string."),
            }
            : null;

    // A string is the data; an array of strings is several lines; anything else is sent as its JSON text.
    private static string DataOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => StringOf(value, "data"),
        JsonValueKind.Array when value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) =>
            string.Join('\n', value.EnumerateArray().Select(e => StringOf(e, "data"))),
        _ => value.GetRawText(),
    };

    /// <summary>A JSON string as text; one that is not text (invalid UTF-8, a lone surrogate) is the client's mistake: 400.</summary>
    private static string StringOf(JsonElement value, string name)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw Bad($"'{name}' is not valid text: it has invalid UTF-8 or a lone surrogate.");
        }
    }

    private static BadHttpRequestException Bad(string message) => new(message, StatusCodes.Status400BadRequest);
}
