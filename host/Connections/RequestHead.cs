namespace SsePluginHost.Connections;

/// <summary>The head of a plain HTTP/1.1 GET request, read straight off a connection.</summary>
internal sealed class RequestHead
{
    /// <summary>The path, as sent (the parser accepts only paths that need no decoding).</summary>
    public required string Path { get; init; }

    /// <summary>The query string with its leading <c>?</c>, or empty.</summary>
    public required string QueryString { get; init; }

    /// <summary>The header fields in the order sent; a name may appear more than once.</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; }

    /// <summary>The length of the head in bytes, up to and including the blank line.</summary>
    public required int Length { get; init; }

    /// <summary>The first value of a header, or <see langword="null"/> when it was not sent.</summary>
    public string? GetFirst(string name)
    {
        foreach (KeyValuePair<string, string> pair in Headers)
        {
            if (string.Equals(pair.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return pair.Value;
            }
        }

        return null;
    }

    /// <summary>
    /// The values of a header joined by commas as ASP.NET Core joins them (empty values left
    /// out), or <see langword="null"/> when it was not sent.
    /// </summary>
    public string? Get(string name)
    {
        string? found = null;
        foreach (KeyValuePair<string, string> pair in Headers)
        {
            if (string.Equals(pair.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                found = found is null ? pair.Value : Join(found, pair.Value);
            }
        }

        return found;
    }

    /// <summary>
    /// Two values of a header as one, as <c>StringValues.ToString()</c> joins them: an empty
    /// value is left out (<c>""</c> then <c>"o"</c> is <c>"o"</c>, not <c>",o"</c>).
    /// </summary>
    public static string Join(string earlier, string value) =>
        value.Length == 0 ? earlier : earlier.Length == 0 ? value : earlier + "," + value;
}
