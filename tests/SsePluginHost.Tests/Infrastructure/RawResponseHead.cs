namespace SsePluginHost.Tests.Infrastructure;

/// <summary>The status line and header fields of a response, exactly as read off the wire.</summary>
internal sealed class RawResponseHead
{
    /// <summary>The fields the transport decides, not admission: left out of <see cref="ForComparison"/>.</summary>
    private static readonly HashSet<string> TransportFields = new(StringComparer.OrdinalIgnoreCase)
    {
        "Date", "Connection", "Transfer-Encoding", "Content-Length", "Keep-Alive", "Server",
    };

    public required string StatusLine { get; init; }

    public required int StatusCode { get; init; }

    /// <summary>The header fields in the order sent, names as sent.</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; }

    /// <summary>The values of a header (any casing), in order.</summary>
    public IReadOnlyList<string> All(string name) =>
        [.. Headers.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value)];

    /// <summary>The single value of a header, or <see langword="null"/> when it was not sent; fails when it was sent twice.</summary>
    public string? Get(string name)
    {
        IReadOnlyList<string> values = All(name);
        Assert.True(values.Count <= 1, $"The header {name} was sent {values.Count} times.");
        return values.Count == 0 ? null : values[0];
    }

    public bool IsChunked => Get("Transfer-Encoding") is { } te && te.Contains("chunked", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The status code and reason, then the header fields the transport does not decide, sorted
    /// by name (lower-cased), values as sent: what two ways in must answer alike.
    /// </summary>
    public string ForComparison()
    {
        string[] status = StatusLine.Split(' ', 3);
        System.Text.StringBuilder text = new System.Text.StringBuilder(status[1]).Append(' ').Append(status.Length > 2 ? status[2] : string.Empty).Append('\n');
        foreach (KeyValuePair<string, string> field in Headers
            .Where(h => !TransportFields.Contains(h.Key))
            .OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase))
        {
            text.Append(field.Key.ToLowerInvariant()).Append(": ").Append(field.Value).Append('\n');
        }

        return text.ToString();
    }
}
