using System.Buffers;
using System.Text;

namespace SsePluginHost.Connections;

/// <summary>
/// Reads the head of the first request on a connection, strictly: only a plain HTTP/1.1 GET with
/// an origin-form target that needs no decoding, visible-ASCII header fields, one Host and no
/// body, upgrade or expectation is <see cref="HeadParse.Parsed"/>. Anything else is
/// <see cref="HeadParse.NotEligible"/> and goes to ASP.NET Core, which answers it as always
/// (including the errors), so this parser never has to reject anything itself. An unfinished
/// head goes there only once ASP.NET Core would answer it as it stands, so that its head timeout
/// is not started afresh there.
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

    /// <summary>Reads a head from the start of <paramref name="buffer"/>, all of it new.</summary>
    public static HeadParse TryParse(in ReadOnlySequence<byte> buffer, HeadLimits limits, out RequestHead? head)
    {
        HeadScan scan = default;
        return TryParse(buffer, limits, ref scan, out head);
    }

    /// <summary>
    /// Reads a head from the start of <paramref name="buffer"/>; <paramref name="scan"/> is where
    /// the last read of the same head left off (<see langword="default"/> for the first). An
    /// unfinished head is <see cref="HeadParse.Incomplete"/> while ASP.NET Core too would wait for
    /// the rest of it, whether or not it can still be served here: handed over, it would get a
    /// fresh head timeout there, on top of the time it has had here (see <see cref="ReadyForAspNetCore"/>).
    /// </summary>
    public static HeadParse TryParse(in ReadOnlySequence<byte> buffer, HeadLimits limits, ref HeadScan scan, out RequestHead? head)
    {
        head = null;
        if (buffer.IsEmpty)
        {
            return HeadParse.Incomplete;
        }

        // Another method (or TLS) goes to ASP.NET Core with its first byte, before any time has passed here.
        int start = (int)Math.Min(buffer.Length, Method.Length);
        Span<byte> first = stackalloc byte[Method.Length];
        buffer.Slice(0, start).CopyTo(first);
        if (first[0] != Method[0])
        {
            return HeadParse.NotEligible;
        }

        // The blank line, looked for from the end of the last line checked (an earlier one would have been seen then).
        long from = Math.Max(0, scan.LineStart - 2);
        SequenceReader<byte> reader = new(buffer.Slice(from));
        if (!reader.TryReadTo(out ReadOnlySequence<byte> _, EndOfHead, advancePastDelimiter: true))
        {
            return ReadyForAspNetCore(buffer, limits, ref scan) ? HeadParse.NotEligible : HeadParse.Incomplete;
        }

        long length = from + reader.Consumed;
        if (length > limits.MaxHead || !first[..start].SequenceEqual(Method))
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
    /// Whether an unfinished head (no blank line yet) is one ASP.NET Core answers as it stands, so
    /// that it goes there now: one Kestrel has finished (with a blank line ended by a bare LF), one
    /// over Kestrel's limits (414 or 431 there at once), or one with a line Kestrel refuses (400,
    /// 405 or 505 there at once: a request line that is not <c>method SP target SP HTTP/1.x</c>, a
    /// header line that starts with white space, has no colon, a name that is not a token, a NUL
    /// or a bare CR, or bytes that are not UTF-8). Kestrel waits for the rest of any other, even
    /// one that can never be served here (a line ended by a bare LF, a UTF-8 value, more header
    /// fields or bytes than this path reads, another version or method): such a head stays here
    /// and is answered 408 when its head timeout, counted from its first byte, runs out. Only the
    /// lines after <paramref name="scan"/> are checked; the line not yet ended counts only by its length.
    /// </summary>
    private static bool ReadyForAspNetCore(in ReadOnlySequence<byte> buffer, HeadLimits limits, ref HeadScan scan)
    {
        SequenceReader<byte> reader = new(buffer.Slice(scan.LineStart));
        while (reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n', advancePastDelimiter: true))
        {
            long end = scan.LineStart + line.Length + 1;
            if (scan.FieldsStart == 0 ? end > limits.KestrelRequestLine || !WithSpan(line, KestrelTakesRequestLine) : !TakesField(line, limits, ref scan))
            {
                return true;
            }

            if (scan.FieldsStart == 0)
            {
                scan.FieldsStart = end;
            }

            scan.LineStart = end;
        }

        // A header line not ended yet that holds a CR with something other than LF after it:
        // Kestrel refuses that (400) as soon as it sees it.
        if (scan.FieldsStart != 0 && HasBareCr(buffer.Slice(scan.LineStart)))
        {
            return true;
        }

        // Kestrel's limits as it applies them to what it has: a request line not ended within its
        // limit, header fields over theirs (plus the blank line's CRLF).
        return scan.FieldsStart == 0
            ? buffer.Length >= limits.KestrelRequestLine
            : buffer.Length - scan.FieldsStart > limits.KestrelFieldBytes + 2;
    }

    /// <summary>Whether bytes that hold no LF have a CR before their last byte (one that no LF can follow).</summary>
    private static bool HasBareCr(in ReadOnlySequence<byte> tail)
    {
        SequenceReader<byte> reader = new(tail);
        return reader.TryAdvanceTo((byte)'\r', advancePastDelimiter: true) && !reader.End;
    }

    /// <summary>Whether Kestrel takes a header line (without its LF) and goes on waiting; counts it.</summary>
    private static bool TakesField(in ReadOnlySequence<byte> line, HeadLimits limits, ref HeadScan scan)
    {
        // An empty line (a bare CR at most) ends the head as Kestrel reads it.
        bool empty = line.Length == 0 || (line.Length == 1 && line.PositionOf((byte)'\r') is not null);
        return !empty
            && ++scan.Fields <= limits.KestrelFields
            && WithSpan(line, KestrelTakesFieldLine);
    }

    private delegate bool SpanCheck(ReadOnlySpan<byte> line);

    /// <summary>Applies a check to a line, without its trailing CR, in one span.</summary>
    private static bool WithSpan(in ReadOnlySequence<byte> line, SpanCheck check)
    {
        if (line.IsSingleSegment)
        {
            return check(WithoutCr(line.FirstSpan));
        }

        byte[] rented = ArrayPool<byte>.Shared.Rent((int)line.Length);
        try
        {
            line.CopyTo(rented);
            return check(WithoutCr(rented.AsSpan(0, (int)line.Length)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        static ReadOnlySpan<byte> WithoutCr(ReadOnlySpan<byte> span) => !span.IsEmpty && span[^1] == '\r' ? span[..^1] : span;
    }

    /// <summary>A request line Kestrel reads and then waits for the header fields: a token, SP, a target of visible ASCII in a form it takes for the method, SP, HTTP/1.1 or HTTP/1.0.</summary>
    private static bool KestrelTakesRequestLine(ReadOnlySpan<byte> line)
    {
        int space = line.IndexOf((byte)' ');
        int last = line.LastIndexOf((byte)' ');
        if (space <= 0 || last <= space + 1 || !IsToken(line[..space]))
        {
            return false;
        }

        ReadOnlySpan<byte> target = line[(space + 1)..last];
        ReadOnlySpan<byte> version = line[(last + 1)..];
        bool form = target[0] == '/' || target.IndexOf("://"u8) > 0 || (target.SequenceEqual("*"u8) && line[..space].SequenceEqual("OPTIONS"u8));
        return form
            && target.IndexOfAnyExceptInRange((byte)0x21, (byte)0x7F) < 0
            && (version.SequenceEqual("HTTP/1.1"u8) || version.SequenceEqual("HTTP/1.0"u8));
    }

    /// <summary>A header line Kestrel takes: a token name right before the colon, and a value without NUL or CR, in UTF-8.</summary>
    private static bool KestrelTakesFieldLine(ReadOnlySpan<byte> line)
    {
        int colon = line.IndexOf((byte)':');
        if (colon <= 0 || !IsToken(line[..colon]))
        {
            return false;
        }

        ReadOnlySpan<byte> value = line[(colon + 1)..];
        return value.IndexOfAny((byte)0, (byte)'\r') < 0 && System.Text.Unicode.Utf8.IsValid(value);
    }

    private static HeadParse Parse(ReadOnlySpan<byte> bytes, HeadLimits limits, out RequestHead? head)
    {
        head = null;
        int totalLength = bytes.Length;
        int eol = bytes.IndexOf("\r\n"u8);
        ReadOnlySpan<byte> requestLine = bytes[..eol];
        if (requestLine.Length + 2 > limits.MaxRequestLine
            || requestLine.Length <= Method.Length + Version.Length
            || !requestLine.EndsWith(Version))
        {
            return HeadParse.NotEligible;
        }

        ReadOnlySpan<byte> target = requestLine[Method.Length..^Version.Length];
        if (!IsPlainTarget(target, out int queryAt))
        {
            return HeadParse.NotEligible;
        }

        List<KeyValuePair<string, string>> headers = [];
        int hosts = 0;
        int lengths = 0;
        int connections = 0;
        ReadOnlySpan<byte> rest = bytes[(eol + 2)..];
        while (true)
        {
            eol = rest.IndexOf("\r\n"u8);
            ReadOnlySpan<byte> line = rest[..eol];
            rest = rest[(eol + 2)..];
            if (line.IsEmpty)
            {
                break;
            }

            int colon = line.IndexOf((byte)':');
            if (colon <= 0 || headers.Count == limits.MaxHeaders || !IsToken(line[..colon]))
            {
                return HeadParse.NotEligible;
            }

            ReadOnlySpan<byte> value = line[(colon + 1)..].Trim(" \t"u8);
            if (!IsFieldValue(value))
            {
                return HeadParse.NotEligible;
            }

            string name = NameOf(line[..colon]);
            if (!IsAllowed(name, value, ref hosts, ref lengths, ref connections))
            {
                return HeadParse.NotEligible;
            }

            headers.Add(new KeyValuePair<string, string>(name, Encoding.Latin1.GetString(value)));
        }

        if (hosts != 1)
        {
            return HeadParse.NotEligible;
        }

        head = new RequestHead
        {
            Path = Encoding.Latin1.GetString(queryAt < 0 ? target : target[..queryAt]),
            QueryString = queryAt < 0 ? string.Empty : Encoding.Latin1.GetString(target[queryAt..]),
            Headers = headers,
            Length = totalLength,
        };
        return HeadParse.Parsed;
    }

    /// <summary>
    /// An origin-form target of visible ASCII whose path needs no decoding or normalising: no
    /// <c>%</c>, no dot segment, no fragment.
    /// </summary>
    private static bool IsPlainTarget(ReadOnlySpan<byte> target, out int queryAt)
    {
        queryAt = target.IndexOf((byte)'?');
        if (target.IsEmpty || target[0] != '/' || target.IndexOfAnyExceptInRange((byte)0x21, (byte)0x7E) >= 0 || target.Contains((byte)'#'))
        {
            return false;
        }

        ReadOnlySpan<byte> path = queryAt < 0 ? target : target[..queryAt];
        return !path.Contains((byte)'%') && path.IndexOf("/."u8) < 0;
    }

    /// <summary>
    /// Refuses what this host does not handle on a connection of its own (bodies, upgrades,
    /// expectations) and what Kestrel would refuse (a malformed Host, a repeated Content-Length).
    /// </summary>
    private static bool IsAllowed(string name, ReadOnlySpan<byte> value, ref int hosts, ref int lengths, ref int connections)
    {
        if (ReferenceEquals(name, KnownNames[0]))
        {
            return ++hosts == 1 && IsPlainHost(value);
        }

        if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
        {
            return ++lengths == 1 && value.SequenceEqual("0"u8);
        }

        if (ReferenceEquals(name, KnownNames[5]))
        {
            // Kestrel hands the application a Connection value that holds close, keep-alive or
            // upgrade among its tokens as that token alone: only one field that already is
            // keep-alive or close reads the same here.
            return ++connections == 1 && (value.SequenceEqual("keep-alive"u8) || value.SequenceEqual("close"u8));
        }

        return !name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
            && !name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase)
            && !name.Equals("Expect", StringComparison.OrdinalIgnoreCase);
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
