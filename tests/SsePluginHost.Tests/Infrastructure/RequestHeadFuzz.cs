using System.Text;
using FsCheck;
using FsCheck.Fluent;
using SsePluginHost.Connections;

namespace SsePluginHost.Tests.Infrastructure;

/// <summary>
/// One generated request for the head fuzzers: the bytes of its head (cut short when
/// <see cref="Truncated"/>), the bytes that follow it on the connection (a body, a pipelined
/// second request, junk, or nothing), and why the fast lane must not take it (<see cref="Taint"/>),
/// if it must not.
/// </summary>
/// <param name="Kind">What was done to a plain EventSource head to make this one (<c>plain</c> when nothing).</param>
/// <param name="Head">The head: request line, header lines and blank line (unless truncated).</param>
/// <param name="After">What the client sends after the head, in the same write.</param>
/// <param name="Taint">What in the head the direct-stream parser must never accept, or null when it must accept it.</param>
/// <param name="Truncated">Whether the head was cut before the end of its blank line.</param>
public sealed record FuzzedHead(string Kind, byte[] Head, byte[] After, string? Taint, bool Truncated)
{
    /// <summary>Whether the parser must never say <see cref="HeadParse.Parsed"/> for this head.</summary>
    public bool MustNotParse => Taint is not null || Truncated;

    /// <summary>The head and what follows it, as sent.</summary>
    public byte[] Bytes() => [.. Head, .. After];

    public override string ToString() =>
        $"{Kind}{(Truncated ? " (truncated)" : string.Empty)}: \"{Escape(Head)}\"" + (After.Length > 0 ? $" then \"{Escape(After)}\"" : string.Empty);

    /// <summary>Bytes as C#-like text: CR, LF, tab and other non-printables escaped, long runs of one byte shortened.</summary>
    public static string Escape(ReadOnlySpan<byte> bytes)
    {
        StringBuilder text = new();
        for (int i = 0; i < bytes.Length; i++)
        {
            int run = 1;
            while (i + run < bytes.Length && bytes[i + run] == bytes[i])
            {
                run++;
            }

            string one = bytes[i] switch
            {
                (byte)'\r' => "\\r",
                (byte)'\n' => "\\n",
                (byte)'\t' => "\\t",
                (byte)'\\' => "\\\\",
                (byte)'"' => "\\\"",
                >= 0x20 and < 0x7F => ((char)bytes[i]).ToString(),
                _ => $"\\x{bytes[i]:X2}",
            };
            if (run > 8)
            {
                text.Append(one).Append('{').Append(run).Append('}');
                i += run - 1;
            }
            else
            {
                text.Append(one);
            }
        }

        return text.ToString();
    }
}

/// <summary>
/// FsCheck generators of HTTP/1.1 request heads for the direct-stream parser and the fast lane:
/// a plain EventSource GET (random targets, Host values, header names, values and whitespace)
/// that is then, or not, changed in the ways a front door must cope with: another method or
/// version, an absolute-form, authority-form or asterisk target, any byte (0x00 to 0xFF) in the
/// target, a header name or a value, obs-fold, bodies with every kind of Content-Length and
/// Transfer-Encoding (conflicting ones too), Upgrade and Expect, a Connection field Kestrel would
/// rewrite, a missing, repeated or malformed
/// Host, header lines without a colon or with an invalid name, lines ended by a bare LF or a
/// stray CR, too many fields, a request line or head at or just over the limits; then maybe cut
/// short, and maybe followed by a body and a pipelined second request.
/// </summary>
internal static class RequestHeadFuzz
{
    /// <summary>The text every generated second request carries, so that it can be looked for where it must not be.</summary>
    public const string SecondMarker = "SECOND-REQUEST";

    private const string TokenChars = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    private static readonly string[] KnownNames =
    [
        "Accept-Encoding", "Accept-Language", "Cache-Control", "Cookie", "Last-Event-ID", "Origin",
        "Pragma", "Referer", "User-Agent", "X-Session-Id", "Sec-Fetch-Mode", "Sec-Fetch-Site", "If-None-Match",
    ];

    private static readonly string[] Whitespace = [string.Empty, string.Empty, " ", " ", "  ", "\t", " \t ", "\t\t"];

    /// <summary>Visible ASCII, and space and tab, the bytes of a header value the parser accepts.</summary>
    private static readonly char[] ValueChars = [.. Enumerable.Range(0x20, 0x5F).Select(c => (char)c), '\t'];

    /// <summary>Visible ASCII but for <c>%</c>, <c>#</c>, <c>?</c>, <c>/</c>: what a plain path segment may hold.</summary>
    private static readonly char[] SegmentChars = [.. Enumerable.Range(0x21, 0x5E).Select(c => (char)c).Where(c => c is not ('%' or '#' or '?' or '/'))];

    /// <summary>Visible ASCII but for <c>#</c>: what a query may hold (percent signs and dot segments included).</summary>
    private static readonly char[] QueryChars = [.. Enumerable.Range(0x21, 0x5E).Select(c => (char)c).Where(c => c != '#')];

    /// <summary>The changes that may make a head one the parser must not accept (or, for some bytes, leave it plain).</summary>
    private static readonly Func<Draft, Options, Gen<Draft>>[] Changes =
    [
        OtherMethod, OtherVersion, OtherTargetForm, TargetByte, ValueByte, ValueByte, ValueByte, NameByte, ObsFold, Framing, Framing,
        UpgradeOrExpect, OtherConnection, BadHost, MissingHost, RepeatedHost, BadName, NoColon, LeadingEmptyLine, OddSpacing,
    ];

    /// <summary>The changes of size: at or just over the limits on the request line, the head, the field count.</summary>
    private static readonly Func<Draft, Options, Gen<Draft>>[] Sizes =
    [
        (d, o) => RequestLineOf(d, o, over: false),
        (d, o) => RequestLineOf(d, o, over: true),
        (d, o) => HeadOf(d, o, over: false),
        (d, o) => HeadOf(d, o, over: true),
        (d, o) => FieldCountOf(d, o, over: false),
        (d, o) => FieldCountOf(d, o, over: true),
    ];

    /// <summary>Generated heads as <paramref name="options"/> says.</summary>
    public static Gen<FuzzedHead> Heads(Options options) =>
        from plain in Plain(options)
        from count in Gen.Frequency((8, Gen.Constant(0)), (9, Gen.Constant(1)), (3, Gen.Constant(2)))
        from changes in Gen.Elements(Changes).ListOf(count)
        from changed in ApplyAll(plain, changes, options)
        from size in Gen.Frequency((16, Gen.Constant(-1)), (4, Gen.Choose(0, Sizes.Length - 1)))
        from sized in size < 0 ? Gen.Constant(changed) : Sizes[size](changed, options)
        from ended in Gen.Frequency((9, Gen.Constant(sized)), (1, LineEnds(sized)))
        from cut in options.Truncate ? Gen.Frequency((6, Gen.Constant(false)), (1, Gen.Constant(true))) : Gen.Constant(false)
        from head in cut ? Truncate(ended) : Gen.Constant(Finish(ended, truncatedTo: null))
        from second in Gen.Frequency((3, Gen.Constant(string.Empty)), (2, options.Seconds))
        select head.Truncated ? head : head with { After = Encoding.Latin1.GetBytes(ended.Body + second) };

    /// <summary>A plain EventSource-style GET: clean, but for what <see cref="Options"/> puts in it.</summary>
    private static Gen<Draft> Plain(Options o) =>
        from target in o.Targets
        from hostName in Gen.Elements("Host", "Host", "host", "HOST", "hOsT")
        from hostValue in o.Hosts
        from before in Gen.Elements(Whitespace)
        from after in Gen.Elements(Whitespace)
        from accept in o.Accepts
        from count in Gen.Choose(0, 5)
        from fields in Field().ListOf(count)
        from extra in o.ExtraLines
        from zeroLength in Gen.Frequency((9, Gen.Constant(false)), (1, Gen.Constant(true)))
        from shuffled in Gen.Shuffle(Others(fields, accept, extra, zeroLength).ToArray())
        from hostAt in Gen.Choose(0, shuffled.Length)
        select new Draft("GET", target, "HTTP/1.1",
            [.. shuffled.Take(hostAt), $"{hostName}:{before}{hostValue}{after}", .. shuffled.Skip(hostAt)]);

    private static List<string> Others(List<string> fields, string? accept, string? extra, bool zeroLength)
    {
        List<string> others = [.. fields];
        if (accept is not null)
        {
            others.Add(accept);
        }

        if (extra is not null)
        {
            others.Add(extra);
        }

        if (zeroLength)
        {
            others.Add("Content-Length: 0");
        }

        return others;
    }

    /// <summary>A header line the parser accepts: a token name (a common one, in any case, or an X- one) and a value of visible ASCII, spaces and tabs.</summary>
    private static Gen<string> Field() =>
        from name in Gen.OneOf(Gen.Elements(KnownNames).SelectMany(AnyCase), Token(1, 12).Select(t => "X-" + t))
        from before in Gen.Elements(Whitespace)
        from length in Gen.Frequency((1, Gen.Constant(0)), (6, Gen.Choose(1, 30)), (1, Gen.Choose(31, 200)))
        from value in Gen.Elements(ValueChars).ArrayOf(length)
        from after in Gen.Elements(Whitespace)
        select $"{name}:{before}{new string(value)}{after}";

    private static Gen<string> AnyCase(string name) =>
        Gen.Elements(name, name, name.ToLowerInvariant(), name.ToUpperInvariant(), SwapCase(name));

    private static string SwapCase(string name) =>
        new([.. name.Select(c => char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c))]);

    /// <summary>A token (what a header name may be) of <paramref name="min"/> to <paramref name="max"/> characters.</summary>
    public static Gen<string> Token(int min, int max) =>
        from length in Gen.Choose(min, max)
        from chars in Gen.Elements(TokenChars.ToCharArray()).ArrayOf(length)
        select new string(chars);

    /// <summary>Origin-form targets the parser accepts: a path of plain segments (none starting with a dot), and maybe a query of any visible ASCII but <c>#</c>.</summary>
    public static Gen<string> PlainTargets() =>
        from kind in Gen.Choose(0, 9)
        from segments in Gen.Choose(1, 4).SelectMany(n => Segment().ListOf(n))
        from hasQuery in Gen.Elements(true, false)
        from query in Query()
        let path = kind == 0 ? "/" : "/" + string.Join('/', segments)
        select hasQuery ? path + query : path;

    /// <summary>A query string of any visible ASCII but <c>#</c>, with its <c>?</c>.</summary>
    public static Gen<string> Query() =>
        from length in Gen.Choose(0, 24)
        from chars in Gen.Elements(QueryChars).ArrayOf(length)
        select "?" + new string(chars);

    private static Gen<string> Segment() =>
        from length in Gen.Choose(0, 8)
        from chars in Gen.Elements(SegmentChars).ArrayOf(length)
        let text = new string(chars)
        select text.StartsWith('.') ? "x" + text : text;

    /// <summary>Host values the parser accepts: names and IPv4 addresses of letters, digits, <c>.-_</c>, bracketed IPv6 addresses, each with or without a port.</summary>
    public static Gen<string> PlainHosts() =>
        from name in Gen.OneOf(
            Gen.Elements("localhost", "127.0.0.1", "example.com", "my_host.example", "EXAMPLE.COM", "a", "-", "_", "a..b", "1.2.3.4"),
            Gen.Elements("[::1]", "[fe80::1]", "[2001:db8::8:800:200c:417a]", "[::ffff:127.0.0.1]", "[1:2:3:4:5:6:7:8]", "[::2]"),
            Gen.Choose(1, 20).SelectMany(n => Gen.Elements("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_".ToCharArray()).ArrayOf(n)).Select(c => new string(c)))
        from port in Gen.Frequency(
            (3, Gen.Constant(string.Empty)),
            (2, Gen.Elements(":80", ":8080", ":0", ":65535", ":99999", ":00080", ":1")))
        select name + port;

    private static Gen<Draft> ApplyAll(Draft draft, List<Func<Draft, Options, Gen<Draft>>> changes, Options o)
    {
        Gen<Draft> result = Gen.Constant(draft);
        foreach (Func<Draft, Options, Gen<Draft>> apply in changes)
        {
            result = result.SelectMany(d => apply(d, o));
        }

        return result;
    }

    private static Gen<Draft> OtherMethod(Draft d, Options o) =>
        Gen.Elements("POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT", "PRI", "get", "Get", "GETS", "GE", "XGET")
            .Select(m => d.Tainted($"method {m}") with { Method = m });

    private static Gen<Draft> OtherVersion(Draft d, Options o) =>
        Gen.Elements("HTTP/1.0", "HTTP/1.2", "HTTP/2", "HTTP/2.0", "HTTP/3", "HTTP/0.9", "http/1.1", "HTTP/1.10", "HTTP/1", "HTTP/1.1 ", "HTTP/1.1\t", "HTTP/ 1.1", string.Empty)
            .Select(v => d.Tainted($"version '{FuzzedHead.Escape(Encoding.Latin1.GetBytes(v))}'") with { Version = v, Sep2 = v.Length == 0 ? string.Empty : " " });

    private static Gen<Draft> OtherTargetForm(Draft d, Options o) =>
        Gen.Elements(
                ("absolute-form", "http://127.0.0.1" + d.Target),
                ("absolute-form", "http://localhost:80" + d.Target),
                ("absolute-form", "HTTP://127.0.0.1" + d.Target),
                ("absolute-form", "https://example.com" + d.Target),
                ("absolute-form", "http://[::1]" + d.Target),
                ("authority-form", "127.0.0.1:80"),
                ("asterisk-form", "*"),
                ("relative target", d.Target.TrimStart('/')),
                ("empty target", string.Empty))
            .Select(t => d.Tainted(t.Item1) with { Target = t.Item2 });

    /// <summary>A byte the parser never takes in a target (a control byte, space, DEL, non-ASCII, <c>#</c>) anywhere after its first slash, or a percent sign or dot segment in the path.</summary>
    private static Gen<Draft> TargetByte(Draft d, Options o)
    {
        int query = d.Target.IndexOf('?', StringComparison.Ordinal);
        int pathEnd = query < 0 ? d.Target.Length : query;
        Gen<Draft> anyByte =
            from b in Gen.OneOf(Gen.Choose(0x00, 0x20), Gen.Choose(0x7F, 0xFF), Gen.Constant((int)'#'))
            from at in Gen.Choose(Math.Min(1, d.Target.Length), d.Target.Length)
            select d.Tainted($"target byte 0x{b:X2}") with { Target = d.Target.Insert(at, ((char)b).ToString()) };
        Gen<Draft> inPath =
            from piece in Gen.Elements("%41", "%2e", "%", "/.", "/..", "/./", "/../", "/.hidden")
            from at in Gen.Choose(Math.Min(1, pathEnd), pathEnd)
            select d.Tainted($"path with '{piece}'") with { Target = d.Target.Insert(at, piece) };
        return Gen.Frequency((3, anyByte), (1, inPath));
    }

    /// <summary>Any byte, 0x00 to 0xFF, somewhere in the value of a header that is neither Host nor about the body: only HTAB and visible ASCII (and space) keep the head plain.</summary>
    private static Gen<Draft> ValueByte(Draft d, Options o) =>
        from index in OrdinaryLine(d)
        from b in Gen.Choose(0x00, 0xFF)
        let line = index < 0 ? "X-Byte: v" : d.Lines[index]
        let colon = line.IndexOf(':', StringComparison.Ordinal)
        from at in Gen.Choose(colon + 1, line.Length)
        let changed = line.Insert(at, ((char)b).ToString())
        let withLine = index < 0 ? d with { Lines = [.. d.Lines, changed] } : d with { Lines = d.Lines.SetItem(index, changed) }
        select b is 0x09 or (>= 0x20 and <= 0x7E) ? withLine.Noted($"value byte 0x{b:X2}") : withLine.Tainted($"value byte 0x{b:X2}");

    /// <summary>Any byte somewhere in the name of such a header: a token character (or a colon, which only moves where the name ends) keeps it plain.</summary>
    private static Gen<Draft> NameByte(Draft d, Options o) =>
        from index in OrdinaryLine(d)
        from b in Gen.Choose(0x00, 0xFF)
        let line = index < 0 ? "X-Byte: v" : d.Lines[index]
        let colon = line.IndexOf(':', StringComparison.Ordinal)
        from at in Gen.Choose(0, colon)
        let changed = line.Insert(at, ((char)b).ToString())
        let withLine = index < 0 ? d with { Lines = [.. d.Lines, changed] } : d with { Lines = d.Lines.SetItem(index, changed) }
        let plain = TokenChars.Contains((char)b, StringComparison.Ordinal) || (b == ':' && at > 0)
        select plain ? withLine.Noted($"name byte 0x{b:X2}") : withLine.Tainted($"name byte 0x{b:X2}");

    /// <summary>The index of a header line that is not Host nor one of the fields the parser refuses, or -1 (add one) when there is none.</summary>
    private static Gen<int> OrdinaryLine(Draft d)
    {
        int[] ordinary = [.. Enumerable.Range(0, d.Lines.Count).Where(i => IsOrdinary(d.Lines[i]))];
        return ordinary.Length == 0 ? Gen.Constant(-1) : Gen.Elements(ordinary);
    }

    private static bool IsOrdinary(string line)
    {
        int colon = line.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return false;
        }

        string name = line[..colon];
        return !name.Equals("Host", StringComparison.OrdinalIgnoreCase)
            && !name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
            && !name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
            && !name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase)
            && !name.Equals("Expect", StringComparison.OrdinalIgnoreCase)
            && !name.Equals("Connection", StringComparison.OrdinalIgnoreCase)
            && name.All(c => TokenChars.Contains(c, StringComparison.Ordinal));
    }

    private static Gen<Draft> ObsFold(Draft d, Options o) =>
        from at in Gen.Choose(Math.Min(1, d.Lines.Count), d.Lines.Count)
        from fold in Gen.Elements(" folded", "\tfolded", "  more: text", " ", "\t")
        select d.Tainted("obs-fold") with { Lines = d.Lines.Insert(at, fold) };

    /// <summary>A body announced one way or another, conflicting ways included, with the body bytes it announces (so that Kestrel is not left waiting).</summary>
    private static Gen<Draft> Framing(Draft d, Options o) =>
        from framing in Gen.Elements<(string[] Lines, string Body)>(
            (["Content-Length: 5"], "abcde"),
            (["Content-Length: 6"], "SECOND"),
            (["Content-Length: 1"], "x"),
            (["Content-Length: 00"], string.Empty),
            (["Content-Length: +0"], string.Empty),
            (["Content-Length: -1"], string.Empty),
            (["Content-Length: 0x0"], string.Empty),
            (["Content-Length: 0, 0"], string.Empty),
            (["Content-Length: 0", "Content-Length: 0"], string.Empty),
            (["Content-Length: 0", "content-length: 1"], "x"),
            (["Content-Length:"], string.Empty),
            (["Transfer-Encoding: chunked"], "5\r\nabcde\r\n0\r\n\r\n"),
            (["transfer-encoding: CHUNKED"], "0\r\n\r\n"),
            (["Transfer-Encoding: identity"], string.Empty),
            (["Transfer-Encoding: gzip, chunked"], "0\r\n\r\n"),
            (["Transfer-Encoding: chunked, identity"], string.Empty),
            (["Transfer-Encoding:"], string.Empty),
            (["Transfer-Encoding: chunked", "Content-Length: 5"], "0\r\n\r\n"),
            (["Content-Length: 0", "Transfer-Encoding: chunked"], "0\r\n\r\n"),
            (["Content-Length: 3", "Transfer-Encoding: chunked"], "3\r\nabc\r\n0\r\n\r\n"),
            (["Transfer-Encoding: chunked", "Transfer-Encoding: chunked"], "0\r\n\r\n"))
        from at in Gen.Choose(0, d.Lines.Count)
        select d.Tainted($"framing '{string.Join(" / ", framing.Lines)}'") with
        {
            Lines = d.Lines.InsertRange(at, framing.Lines),
            Body = d.Body + framing.Body,
        };

    private static Gen<Draft> UpgradeOrExpect(Draft d, Options o) =>
        from lines in Gen.Elements<string[]>(
            ["Upgrade: websocket", "Connection: Upgrade"],
            ["Upgrade: h2c", "Connection: Upgrade, HTTP2-Settings", "HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA"],
            ["upgrade: anything"],
            ["Expect: 100-continue"],
            ["expect: nothing-known"])
        from at in Gen.Choose(0, d.Lines.Count)
        select d.Tainted($"'{lines[0]}'") with { Lines = d.Lines.InsertRange(at, lines) };

    /// <summary>A Connection field Kestrel would not hand the application as sent (it rewrites one with a close, keep-alive or upgrade token to that token), or a second one.</summary>
    private static Gen<Draft> OtherConnection(Draft d, Options o) =>
        from line in Gen.Elements(
            "Connection: Keep-Alive", "Connection: CLOSE", "connection: upgrade", "Connection: foo, close", "Connection: keep-alive, foo",
            "Connection: close, keep-alive", "Connection: te", "Connection:", "Connection: keep-alive, keep-alive", "Connection: ,close")
        from twice in Gen.Elements(false, false, true)
        from at in Gen.Choose(0, d.Lines.Count)
        let lines = twice ? new[] { "Connection: keep-alive", line } : [line]
        select d.Tainted($"'{line}'{(twice ? " after another Connection field" : string.Empty)}") with { Lines = d.Lines.InsertRange(at, lines) };

    private static Gen<Draft> BadHost(Draft d, Options o) =>
        from value in Gen.Elements(
            string.Empty, "bad host", "a/b", "a@b", "a,b", "*", "x:", ":80", "x:123456", "x:8a", "x:80:80", "x y:80",
            "[::1", "[::1]x", "[::1]:", "[zz]", "[]", "[:]", "[::]", "[a]", "[fe80::1%25eth0]", "[::1]:80:80", "[[::1]]",
            "caf\u00e9.example", "a\u0000b", "a\tb", "127.0.0.1\u007f")
        select d.Tainted($"Host '{FuzzedHead.Escape(Encoding.Latin1.GetBytes(value))}'") with
        {
            Lines = [.. d.Lines.Select(l => IsHostLine(l) ? l[..(l.IndexOf(':', StringComparison.Ordinal) + 1)] + " " + value : l)],
        };

    private static Gen<Draft> MissingHost(Draft d, Options o) =>
        Gen.Constant(d.Tainted("no Host") with { Lines = [.. d.Lines.Where(l => !IsHostLine(l))] });

    private static Gen<Draft> RepeatedHost(Draft d, Options o) =>
        from line in Gen.Elements("Host: 127.0.0.1", "host: localhost", "HOST: other.example", "Host:", "Host: [::1]")
        from at in Gen.Choose(0, d.Lines.Count)
        select d.Lines.Any(IsHostLine) ? d.Tainted("two Host fields") with { Lines = d.Lines.Insert(at, line) } : d.Tainted("no Host");

    private static bool IsHostLine(string line) => line.StartsWith("host:", StringComparison.OrdinalIgnoreCase);

    private static Gen<Draft> BadName(Draft d, Options o) =>
        from line in Gen.Elements(
            "X Name: v", "X-Name : v", "X-Name\t: v", ": v", " X-Lead: v", "(x): v", "X\u00e9: v", "X@Y: v", "X,Y: v", "[x]: v",
            "X/Y: v", "X=Y: v", "\"x\": v", "X{}: v", "X\u0000Y: v", "X\u007fY: v", "X\\Y: v", "Host : 127.0.0.1", "X;Y: v")
        from at in Gen.Choose(0, d.Lines.Count)
        select d.Tainted($"name '{FuzzedHead.Escape(Encoding.Latin1.GetBytes(line))}'") with { Lines = d.Lines.Insert(at, line) };

    private static Gen<Draft> NoColon(Draft d, Options o) =>
        from line in Gen.Elements("no colon here", "X-No-Colon", "GET /smuggled HTTP/1.1", "x")
        from at in Gen.Choose(0, d.Lines.Count)
        select d.Tainted("line without a colon") with { Lines = d.Lines.Insert(at, line) };

    private static Gen<Draft> LeadingEmptyLine(Draft d, Options o) =>
        Gen.Elements("\r\n", "\n", "\r\n\r\n", " ").Select(p => d.Tainted("something before the request line") with { Prefix = p });

    private static Gen<Draft> OddSpacing(Draft d, Options o) =>
        Gen.Elements(("  ", " "), (" ", "  "), ("\t", " "), (" ", "\t"), (" \t", " "))
            .Select(s => d.Tainted("odd request-line spacing") with { Sep1 = s.Item1, Sep2 = d.Version.Length == 0 ? string.Empty : s.Item2 });

    /// <summary>Pads the query so that the request line, with its CRLF, is at most the limit (by 0 to 2 bytes under) or 1 to 3 bytes over it.</summary>
    private static Gen<Draft> RequestLineOf(Draft d, Options o, bool over) =>
        from delta in over ? Gen.Choose(1, 3) : Gen.Choose(-2, 0)
        let start = d.Target + (d.Target.Contains('?', StringComparison.Ordinal) ? "&pad=" : "?pad=")
        let current = d.Method.Length + d.Sep1.Length + start.Length + d.Sep2.Length + d.Version.Length + 2
        let padding = Math.Max(0, o.Limits.MaxRequestLine + delta - current)
        let padded = d with { Target = start + new string('p', padding) }
        select over ? padded.Tainted("request line over the limit") : padded.Noted("request line at the limit");

    /// <summary>Pads a header value so that the whole head is at most the limit (by 0 to 2 bytes under) or 1 to 3 bytes over it.</summary>
    private static Gen<Draft> HeadOf(Draft d, Options o, bool over) =>
        from delta in over ? Gen.Choose(1, 3) : Gen.Choose(-2, 0)
        let withPad = d with { Lines = [.. d.Lines, "X-Pad: "] }
        let padding = Math.Max(0, o.Limits.MaxHead + delta - withPad.Render().Length)
        let padded = d with { Lines = [.. d.Lines, "X-Pad: " + new string('p', padding)] }
        select over ? padded.Tainted("head over the limit") : padded.Noted("head at the limit");

    /// <summary>Adds fields so that there are exactly as many as the limit, or 1 to 3 more.</summary>
    private static Gen<Draft> FieldCountOf(Draft d, Options o, bool over) =>
        from delta in over ? Gen.Choose(1, 3) : Gen.Constant(0)
        let wanted = o.Limits.MaxHeaders + delta
        let filled = d with { Lines = [.. d.Lines, .. Enumerable.Range(0, Math.Max(0, wanted - d.Lines.Count)).Select(i => $"X-Fill-{i}: {i}")] }
        select filled.Lines.Count > o.Limits.MaxHeaders ? filled.Tainted("too many fields") : filled.Noted("fields at the limit");

    /// <summary>Some line ends (or all) made a bare LF, or a CR put before a CRLF.</summary>
    private static Gen<Draft> LineEnds(Draft d)
    {
        int ends = d.Lines.Count + 2;
        Gen<Draft> bareLf =
            from all in Gen.Elements(true, false)
            from some in Gen.Choose(0, ends - 1).ArrayOf(Math.Min(3, ends))
            let picked = all ? Enumerable.Range(0, ends).ToHashSet() : some.ToHashSet()
            select d.Tainted(all ? "every line ended by a bare LF" : "a line ended by a bare LF") with
            {
                Eols = [.. Enumerable.Range(0, ends).Select(i => picked.Contains(i) ? "\n" : "\r\n")],
            };
        Gen<Draft> strayCr =
            from at in Gen.Choose(0, ends - 1)
            from end in Gen.Elements("\r\r\n", "\n\r", "\r")
            select d.Tainted($"a line ended by '{FuzzedHead.Escape(Encoding.Latin1.GetBytes(end))}'") with
            {
                Eols = [.. Enumerable.Range(0, ends).Select(i => i == at ? end : "\r\n")],
            };
        return Gen.Frequency((3, bareLf), (1, strayCr));
    }

    private static Gen<FuzzedHead> Truncate(Draft d)
    {
        byte[] whole = d.Render();
        return Gen.Choose(1, whole.Length - 1).Select(cut => Finish(d, cut));
    }

    private static FuzzedHead Finish(Draft d, int? truncatedTo)
    {
        byte[] whole = d.Render();
        string kind = d.Notes.Count == 0 ? "plain" : string.Join(", ", d.Notes);
        string? taint = d.Taints.Count == 0 ? null : string.Join(", ", d.Taints);
        return truncatedTo is { } cut
            ? new FuzzedHead(kind, whole[..cut], [], taint, Truncated: true)
            : new FuzzedHead(kind, whole, [], taint, Truncated: false);
    }

    /// <summary>What the generated heads are made of.</summary>
    /// <param name="Targets">Origin-form targets the parser accepts.</param>
    /// <param name="Hosts">Host values the parser accepts.</param>
    /// <param name="Accepts">An Accept header line, or null for none.</param>
    /// <param name="ExtraLines">One more plain header line, or null.</param>
    /// <param name="Seconds">What may follow the head (and its body): a second request, junk (may be empty).</param>
    /// <param name="Limits">The parser's limits, for the heads at and over them.</param>
    /// <param name="Truncate">Whether some heads are cut short.</param>
    internal sealed record Options(
        Gen<string> Targets, Gen<string> Hosts, Gen<string?> Accepts, Gen<string?> ExtraLines, Gen<string> Seconds, HeadLimits Limits, bool Truncate);

    /// <summary>A head being built: its request line in parts, its header lines, line ends (null: all CRLF), the body it announces, and what was done to it.</summary>
    internal sealed record Draft(string Method, string Target, string Version, System.Collections.Immutable.ImmutableList<string> Lines)
    {
        public string Prefix { get; init; } = string.Empty;

        public string Sep1 { get; init; } = " ";

        public string Sep2 { get; init; } = " ";

        /// <summary>One line end per line: after the request line, after each header line, and the blank line; null for CRLF throughout.</summary>
        public IReadOnlyList<string>? Eols { get; init; }

        public string Body { get; init; } = string.Empty;

        public System.Collections.Immutable.ImmutableList<string> Taints { get; init; } = [];

        public System.Collections.Immutable.ImmutableList<string> Notes { get; init; } = [];

        public Draft Tainted(string what) => this with { Taints = Taints.Add(what), Notes = Notes.Add(what) };

        public Draft Noted(string what) => this with { Notes = Notes.Add(what) };

        public byte[] Render()
        {
            StringBuilder text = new StringBuilder(Prefix).Append(Method).Append(Sep1).Append(Target).Append(Sep2).Append(Version);
            text.Append(Eol(0));
            for (int i = 0; i < Lines.Count; i++)
            {
                text.Append(Lines[i]).Append(Eol(i + 1));
            }

            text.Append(Eol(Lines.Count + 1));
            return Encoding.Latin1.GetBytes(text.ToString());
        }

        private string Eol(int index) => Eols is { } eols && index < eols.Count ? eols[index] : "\r\n";
    }
}
