using System.Buffers;
using System.Text;

namespace SsePluginHost.Connections;

/// <summary>
/// Reads the head of the first request on a connection, strictly: only a plain HTTP/1.1 GET with
/// an origin-form target that needs no decoding, visible-ASCII header fields, one Host, at most
/// one Connection field (<c>keep-alive</c> or <c>close</c>) and no body, upgrade or expectation
/// is <see cref="HeadParse.Parsed"/>. Anything else is
/// <see cref="HeadParse.NotEligible"/> and goes to ASP.NET Core, which answers it as always
/// (including the errors), so this parser never has to reject anything itself.
/// </summary>
internal static class RequestHeadParser
{
    /// <summary>The largest head read here with the default limits.</summary>
    public const int MaxHeadBytes = 16 * 1024;

    /// <summary>The most header fields read here with the default limits.</summary>
    public const int MaxHeaders = 64;

    private static readonly byte[] Method = "GET "u8.ToArray();
    private static readonly byte[] Version = " HTTP/1.1"u8.ToArray();
    private static readonly byte[] EndOfHead = "\r\n\r\n"u8.ToArray();

    // Header names that almost every request sends: one shared string each rather than one per request.
    private static readonly string[] KnownNames =
    [
        "Host", "Accept", "Accept-Encoding", "Accept-Language", "Cache-Control", "Connection", "Cookie",
        "Last-Event-ID", "Origin", "Pragma", "Referer", "User-Agent", "X-Session-Id",
        "Sec-Fetch-Dest", "Sec-Fetch-Mode", "Sec-Fetch-Site",
    ];

    /// <summary>Reads a head from the start of <paramref name="buffer"/>, within the default limits.</summary>
    public static HeadParse TryParse(in ReadOnlySequence<byte> buffer, out RequestHead? head) =>
        TryParse(buffer, HeadLimits.Default, out head);

    /// <summary>Reads a head from the start of <paramref name="buffer"/>.</summary>
    public static HeadParse TryParse(in ReadOnlySequence<byte> buffer, HeadLimits limits, out RequestHead? head)
    {
        head = null;
        int start = (int)Math.Min(buffer.Length, Method.Length);
        Span<byte> first = stackalloc byte[Method.Length];
        buffer.Slice(0, start).CopyTo(first);
        if (!first[..start].SequenceEqual(Method.AsSpan(0, start)))
        {
            return HeadParse.NotEligible;
        }

        SequenceReader<byte> reader = new(buffer);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> _, EndOfHead, advancePastDelimiter: true))
        {
            // A line ended by a bare LF (which ASP.NET Core accepts) would never end the head here.
            return buffer.Length > limits.MaxHead
                || CannotBecomeEligible(buffer, limits, out long finishedLines)
                || FinishedLinesRefused(buffer.Slice(0, finishedLines), limits)
                ? HeadParse.NotEligible
                : HeadParse.Incomplete;
        }

        long length = reader.Consumed;
        if (length > limits.MaxHead)
        {
            return HeadParse.NotEligible;
        }

        ReadOnlySequence<byte> headBytes = buffer.Slice(0, length);
        if (headBytes.IsSingleSegment)
        {
            return Parse(headBytes.FirstSpan, limits, out head);
        }

        byte[] rented = ArrayPool<byte>.Shared.Rent((int)length);
        try
        {
            headBytes.CopyTo(rented);
            return Parse(rented.AsSpan(0, (int)length), limits, out head);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Whether the finished lines of an unfinished head already make it one not read here (an
    /// HTTP/2.0 or tab-separated request line, a Content-Length, a second Host...): Kestrel
    /// answers some of those as soon as the line is in (400, 505), so such a head goes to it now.
    /// </summary>
    private static bool FinishedLinesRefused(in ReadOnlySequence<byte> lines, HeadLimits limits)
    {
        if (lines.IsEmpty)
        {
            return false;
        }

        if (lines.IsSingleSegment)
        {
            return !ReadLines(lines.FirstSpan, limits, null, out _, out _);
        }

        byte[] rented = ArrayPool<byte>.Shared.Rent((int)lines.Length);
        try
        {
            lines.CopyTo(rented);
            return !ReadLines(rented.AsSpan(0, (int)lines.Length), limits, null, out _, out _);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Whether an unfinished head is already one that ASP.NET Core must answer: a line ended by
    /// a bare LF (accepted there, never ending the head here), a request line or a header count
    /// over the limits (answered 414 or 431 there at once), a byte that is not visible ASCII,
    /// space or tab (a NUL, 0xFF: never served here), a CR not followed by LF, or a header line
    /// without a colon (400 there at once). Such a head goes to ASP.NET Core now, not once the
    /// head timeout has run. <paramref name="finishedLines"/> is where the last CRLF ends, for
    /// <see cref="ReadLines"/> to look at the lines finished so far.
    /// </summary>
    private static bool CannotBecomeEligible(in ReadOnlySequence<byte> buffer, HeadLimits limits, out long finishedLines)
    {
        byte previous = 0;
        long position = 0;
        int lines = 0;
        bool colon = false;
        long lineStart = 0;
        finishedLines = 0;
        foreach (ReadOnlyMemory<byte> segment in buffer)
        {
            foreach (byte b in segment.Span)
            {
                position++;
                if (previous == '\r' && b != '\n')
                {
                    return true;
                }

                if (b == '\n')
                {
                    if (previous != '\r' || ++lines > limits.MaxHeaders + 1)
                    {
                        return true;
                    }

                    // A header line (not the request line, not the empty line that ends the head).
                    if (lines > 1 && !colon && position - lineStart > 2)
                    {
                        return true;
                    }

                    colon = false;
                    lineStart = position;
                    finishedLines = position;
                }
                else if (lines == 0 && position > limits.MaxRequestLine)
                {
                    return true;
                }
                else if ((b < 0x20 && b is not (byte)'\t' and not (byte)'\r') || b >= 0x7F)
                {
                    return true;
                }
                else if (b == ':')
                {
                    colon = true;
                }

                previous = b;
            }
        }

        return false;
    }

    /// <summary>A whole head, up to and including its blank line.</summary>
    private static HeadParse Parse(ReadOnlySpan<byte> bytes, HeadLimits limits, out RequestHead? head)
    {
        head = null;
        List<KeyValuePair<string, string>> headers = [];
        if (!ReadLines(bytes, limits, headers, out int hosts, out int targetEnd) || hosts != 1)
        {
            return HeadParse.NotEligible;
        }

        ReadOnlySpan<byte> target = bytes[Method.Length..targetEnd];
        int queryAt = target.IndexOf((byte)'?');
        head = new RequestHead
        {
            Path = Encoding.Latin1.GetString(queryAt < 0 ? target : target[..queryAt]),
            QueryString = queryAt < 0 ? string.Empty : Encoding.Latin1.GetString(target[queryAt..]),
            Headers = headers,
            Length = bytes.Length,
        };
        return HeadParse.Parsed;
    }

    /// <summary>
    /// Checks the lines of <paramref name="bytes"/> that are finished (ended by CRLF), up to the
    /// blank line if there is one: false as soon as the request line or a header line is one
    /// this parser never reads, whatever may follow (all but "exactly one Host", which only the
    /// whole head can show). The fields are added to <paramref name="headers"/> when it is given.
    /// </summary>
    private static bool ReadLines(ReadOnlySpan<byte> bytes, HeadLimits limits, List<KeyValuePair<string, string>>? headers, out int hosts, out int targetEnd)
    {
        hosts = 0;
        targetEnd = 0;
        int eol = bytes.IndexOf("\r\n"u8);
        if (eol < 0)
        {
            return true;
        }

        ReadOnlySpan<byte> requestLine = bytes[..eol];
        if (requestLine.Length + 2 > limits.MaxRequestLine
            || requestLine.Length <= Method.Length + Version.Length
            || !requestLine.EndsWith(Version)
            || !IsPlainTarget(requestLine[Method.Length..^Version.Length]))
        {
            return false;
        }

        targetEnd = eol - Version.Length;
        int fields = 0;
        int lengths = 0;
        int connections = 0;
        ReadOnlySpan<byte> rest = bytes[(eol + 2)..];
        while ((eol = rest.IndexOf("\r\n"u8)) > 0)
        {
            ReadOnlySpan<byte> line = rest[..eol];
            rest = rest[(eol + 2)..];
            int colon = line.IndexOf((byte)':');
            if (colon <= 0 || fields++ == limits.MaxHeaders || !IsToken(line[..colon]))
            {
                return false;
            }

            ReadOnlySpan<byte> value = line[(colon + 1)..].Trim(" \t"u8);
            if (!IsFieldValue(value) || !IsAllowed(line[..colon], value, ref hosts, ref lengths, ref connections))
            {
                return false;
            }

            headers?.Add(new KeyValuePair<string, string>(NameOf(line[..colon]), Encoding.Latin1.GetString(value)));
        }

        return true;
    }

    /// <summary>
    /// An origin-form target of visible ASCII whose path needs no decoding or normalising: no
    /// <c>%</c>, no dot segment, no fragment.
    /// </summary>
    private static bool IsPlainTarget(ReadOnlySpan<byte> target)
    {
        int queryAt = target.IndexOf((byte)'?');
        if (target.IsEmpty || target[0] != '/' || target.IndexOfAnyExceptInRange((byte)0x21, (byte)0x7E) >= 0 || target.Contains((byte)'#'))
        {
            return false;
        }

        ReadOnlySpan<byte> path = queryAt < 0 ? target : target[..queryAt];
        return !path.Contains((byte)'%') && path.IndexOf("/."u8) < 0;
    }

    /// <summary>
    /// Refuses what this host does not handle on a connection of its own (bodies, upgrades,
    /// expectations), what Kestrel would refuse (a malformed Host, a repeated Content-Length),
    /// and what Kestrel would hand the application otherwise than as sent: it rewrites a
    /// Connection value with one of <c>close</c>, <c>keep-alive</c> or <c>upgrade</c> among its
    /// tokens to that token alone (<c>Keep-Alive, foo</c> is <c>keep-alive</c>), so only one
    /// Connection field that is already <c>keep-alive</c> or <c>close</c> is read here.
    /// </summary>
    private static bool IsAllowed(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, ref int hosts, ref int lengths, ref int connections)
    {
        if (Ascii.EqualsIgnoreCase(name, "Host"u8))
        {
            return ++hosts == 1 && IsPlainHost(value);
        }

        if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
        {
            return ++lengths == 1 && value.SequenceEqual("0"u8);
        }

        if (Ascii.EqualsIgnoreCase(name, "Connection"u8))
        {
            return ++connections == 1 && (value.SequenceEqual("keep-alive"u8) || value.SequenceEqual("close"u8));
        }

        return !Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8)
            && !Ascii.EqualsIgnoreCase(name, "Upgrade"u8)
            && !Ascii.EqualsIgnoreCase(name, "Expect"u8);
    }

    /// <summary>A host name or IPv4 address (letters, digits, <c>.-_</c>) or a bracketed IPv6 address, and an optional port.</summary>
    private static bool IsPlainHost(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return false;
        }

        ReadOnlySpan<byte> port = [];
        if (value[0] == '[')
        {
            int close = value.IndexOf((byte)']');
            if (close < 2 || close > 64 || value[1..close].IndexOfAnyExcept("0123456789abcdefABCDEF:."u8) >= 0 || !IsIPv6(value[1..close]))
            {
                return false;
            }

            ReadOnlySpan<byte> after = value[(close + 1)..];
            if (!after.IsEmpty && after[0] != ':')
            {
                return false;
            }

            port = after.IsEmpty ? after : after[1..];
            if (!after.IsEmpty && port.IsEmpty)
            {
                return false;
            }
        }
        else
        {
            int colon = value.IndexOf((byte)':');
            ReadOnlySpan<byte> name = colon < 0 ? value : value[..colon];
            if (name.IsEmpty || name.IndexOfAnyExcept("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_"u8) >= 0)
            {
                return false;
            }

            if (colon >= 0)
            {
                port = value[(colon + 1)..];
                if (port.IsEmpty)
                {
                    return false;
                }
            }
        }

        return port.Length <= 5 && port.IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0;
    }

    /// <summary>
    /// Whether ASCII hex digits, colons and dots spell an IPv6 address other than the unspecified
    /// one: Kestrel answers <c>[a]</c>, <c>[:]</c> and <c>[::]</c> with 400, so those go to it.
    /// </summary>
    private static bool IsIPv6(ReadOnlySpan<byte> text)
    {
        Span<char> chars = stackalloc char[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            chars[i] = (char)text[i];
        }

        return System.Net.IPAddress.TryParse(chars, out System.Net.IPAddress? address)
            && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            && !address.Equals(System.Net.IPAddress.IPv6Any);
    }

    private static string NameOf(ReadOnlySpan<byte> name)
    {
        foreach (string known in KnownNames)
        {
            if (known.Length == name.Length && Ascii.EqualsIgnoreCase(name, known))
            {
                return known;
            }
        }

        return Encoding.Latin1.GetString(name);
    }

    private static bool IsToken(ReadOnlySpan<byte> name)
    {
        foreach (byte b in name)
        {
            bool ok = b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9')
                || "!#$%&'*+-.^_`|~"u8.Contains(b);
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsFieldValue(ReadOnlySpan<byte> value)
    {
        foreach (byte b in value)
        {
            if (b is not ((>= 0x20 and <= 0x7E) or (byte)'\t'))
            {
                return false;
            }
        }

        return true;
    }
}
