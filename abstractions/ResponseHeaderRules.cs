using System.Buffers;
using System.Globalization;

namespace SsePluginHost.Abstractions;

/// <summary>
/// Which header fields a plugin may add to its answer (<see cref="SseResponse.WithHeader"/>), so
/// that nothing it adds can split the response, change how its body is framed, or undo what the
/// host sets itself: checked once, when the field is added, with a message that says why.
/// </summary>
internal static class ResponseHeaderRules
{
    // An HTTP token (RFC 9110, 5.6.2): what a field name is made of.
    private static readonly SearchValues<char> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    // What both ways in put in a header value as it is: visible ASCII, space and tab. (Kestrel
    // refuses anything else, so the two ways in would answer differently.)
    private static readonly SearchValues<char> ValueChars = SearchValues.Create(
        "\t !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    /// <summary>The fields the host sets on every answer, and why a plugin may not.</summary>
    private static readonly Dictionary<string, string> HostFields = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Content-Type"] = "the content type is given by the factory (SseResponse.Content(statusCode, contentType, body) for any other).",
        ["Content-Length"] = "the host frames the body.",
        ["Content-Encoding"] = "the host writes the body as it is given.",
        ["Transfer-Encoding"] = "the host frames the body.",
        ["Connection"] = "the host manages the connection.",
        ["Keep-Alive"] = "the host manages the connection.",
        ["Proxy-Connection"] = "the host manages the connection.",
        ["Upgrade"] = "the host manages the connection.",
        ["TE"] = "the host manages the connection.",
        ["Trailer"] = "the host frames the body.",
        ["Date"] = "the host sets it.",
        ["Server"] = "the host decides it.",
    };

    /// <summary>The fields the host sets on every event stream (and on a stream told to retry later).</summary>
    private static readonly Dictionary<string, string> StreamFields = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Cache-Control"] = "the host sets it on every event stream.",
        ["X-Accel-Buffering"] = "the host sets it on every event stream.",
        ["Retry-After"] = "the host sets it when a stream is told to retry later (give the delay to SseResponse.RetryLater).",
    };

    /// <summary>Throws unless a plugin may add this field to an answer of this kind.</summary>
    /// <param name="name">The field name.</param>
    /// <param name="value">The field value.</param>
    /// <param name="eventStream">Whether the answer is, or may be, an event stream (a stream, or a stream told to retry later).</param>
    public static void Check(string name, string value, bool eventStream)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        if (name.Length == 0)
        {
            throw new ArgumentException("A header field name must not be empty.", nameof(name));
        }

        int bad = name.AsSpan().IndexOfAnyExcept(TokenChars);
        if (bad >= 0)
        {
            // The name itself is not repeated: it may hold CR or LF, and messages end up in logs.
            throw new ArgumentException(
                $"A header field name must be an HTTP token (letters, digits and !#$%&'*+-.^_`|~); this one has {Describe(name[bad])} at index {bad}.",
                nameof(name));
        }

        if (HostFields.TryGetValue(name, out string? why) || (eventStream && StreamFields.TryGetValue(name, out why)))
        {
            throw new ArgumentException($"The header field {name} is the host's: {why}", nameof(name));
        }

        if (name.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"The header field {name} is the host's: CORS headers come from the mount's Cors settings.", nameof(name));
        }

        bad = value.AsSpan().IndexOfAnyExcept(ValueChars);
        if (bad >= 0)
        {
            throw new ArgumentException(
                $"The value of the header field {name} has {Describe(value[bad])} at index {bad}: a header value holds visible ASCII, spaces and tabs only (no CR, LF, NUL or other control character).",
                nameof(value));
        }
    }

    private static string Describe(char c) =>
        c is >= '!' and <= '~' ? $"'{c}'" : "U+" + ((int)c).ToString("X4", CultureInfo.InvariantCulture);
}
