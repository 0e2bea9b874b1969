namespace SsePluginHost.Tests.Infrastructure;

/// <summary>The status line and header fields of a response, exactly as read off the wire.</summary>
internal sealed class RawResponseHead
{
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
}
