using System.Text;

namespace SsePluginHost.Ingress;

/// <summary>
/// One UDP datagram, one event, in UTF-8: a first line <c>PATH EVENT [ID]</c>, a line feed, then
/// the data (any number of lines, possibly none): <c>/chat message\nhello</c>.
/// </summary>
internal static class UdpDatagram
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Parses a datagram; returns null and the reason when it is malformed.</summary>
    public static (string Path, string EventType, string? Id, string Data)? TryParse(ReadOnlySpan<byte> datagram, out string? problem)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(datagram);
        }
        catch (DecoderFallbackException)
        {
            problem = "not valid UTF-8";
            return null;
        }

        int newline = text.IndexOf('\n', StringComparison.Ordinal);
        if (newline < 0)
        {
            problem = "no line feed after the first line 'PATH EVENT [ID]'";
            return null;
        }

        string[] head = text[..newline].TrimEnd('\r').Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (head.Length is < 2 or > 3 || !head[0].StartsWith('/'))
        {
            problem = "the first line must be 'PATH EVENT [ID]', with PATH starting with '/'";
            return null;
        }

        problem = null;
        return (head[0], head[1], head.Length == 3 ? head[2] : null, text[(newline + 1)..]);
    }
}
