using System.Buffers;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using SsePluginHost.Connections;
using SsePluginHost.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SsePluginHost.Tests.Unit;

/// <summary>
/// The direct-stream head parser, fuzzed with <see cref="RequestHeadFuzz"/>: plain EventSource
/// heads and heads changed in every way a front door meets (another method or version, other
/// target forms, any byte in the target, a name or a value, obs-fold, bodies announced every way,
/// Upgrade, Expect, a missing, repeated or malformed Host, bare LF line ends, sizes at and over
/// the limits, heads cut short, pipelined requests and junk after the head). Whatever the split
/// into segments the verdict is the same; nothing the fast lane must not take is ever
/// <see cref="HeadParse.Parsed"/>; a parsed head ends at its own blank line; more bytes only
/// ever turn <see cref="HeadParse.Incomplete"/> into the final verdict; and what is parsed is
/// what a simple reference reading of the same bytes gives.
/// </summary>
public sealed partial class RequestHeadParserProperties(ITestOutputHelper output)
{
    private static readonly HeadLimits Limits = HeadLimits.Default;

    [Property(MaxTest = 1500, Arbitrary = [typeof(Arbitraries)])]
    public void Parsing_does_not_depend_on_how_the_bytes_are_split_into_segments(SplitHead split)
    {
        byte[] bytes = split.Head.Bytes();

        HeadParse whole = RequestHeadParser.TryParse(new ReadOnlySequence<byte>(bytes), Limits, out RequestHead? expected);
        HeadParse pieces = RequestHeadParser.TryParse(BufferSegment.Split(bytes, split.Cuts), Limits, out RequestHead? actual);

        Assert.Equal(whole, pieces);
        AssertSame(expected, actual);
    }

    [Property(MaxTest = 1500, Arbitrary = [typeof(Arbitraries)])]
    public void A_head_the_fast_lane_must_not_take_is_never_parsed_and_a_plain_one_is(FuzzedHead fuzzed)
    {
        HeadParse verdict = Parse(fuzzed.Bytes(), out RequestHead? head);

        if (fuzzed.Taint is { } taint)
        {
            Assert.True(verdict != HeadParse.Parsed, $"Parsed, though the head has: {taint}");
            Assert.Null(head);
        }
        else if (fuzzed.Truncated)
        {
            Assert.True(verdict == HeadParse.Incomplete, $"A plain head cut short should be incomplete, not {verdict}");
        }
        else
        {
            Assert.True(verdict == HeadParse.Parsed, $"A plain head should be parsed, not {verdict}");
        }
    }

    [Property(MaxTest = 1500, Arbitrary = [typeof(Arbitraries)])]
    public void A_parsed_head_ends_at_its_own_blank_line_and_nothing_after_it_is_part_of_it(FuzzedHead fuzzed)
    {
        byte[] bytes = fuzzed.Bytes();
        if (Parse(bytes, out RequestHead? head) != HeadParse.Parsed)
        {
            return;
        }

        Assert.NotNull(head);
        Assert.Equal(fuzzed.Head.Length, head.Length);

        // Where a lenient reader (LF or CRLF line ends, as Kestrel's) says the first head ends.
        Assert.Equal(LenientHeadEnd(bytes), head.Length);

        // The head alone reads the same: what came after it changed nothing.
        Assert.Equal(HeadParse.Parsed, Parse(fuzzed.Head, out RequestHead? alone));
        AssertSame(alone, head);
        string read = head.Path + head.QueryString + string.Concat(head.Headers.Select(h => h.Key + h.Value));
        Assert.DoesNotContain(RequestHeadFuzz.SecondMarker, read, StringComparison.Ordinal);
    }

    [Property(MaxTest = 1000, Arbitrary = [typeof(Arbitraries)])]
    public void Reading_more_bytes_only_ever_turns_incomplete_into_the_final_verdict(FuzzedHead fuzzed)
    {
        byte[] bytes = fuzzed.Bytes();
        HeadParse? settled = null;
        RequestHead? settledHead = null;
        int settledAt = -1;
        foreach (int length in PrefixLengths(bytes))
        {
            HeadParse verdict = RequestHeadParser.TryParse(new ReadOnlySequence<byte>(bytes, 0, length), Limits, out RequestHead? head);
            if (settled is null)
            {
                if (verdict != HeadParse.Incomplete)
                {
                    (settled, settledHead, settledAt) = (verdict, head, length);
                }

                continue;
            }

            Assert.True(verdict == settled, $"{settled} with {settledAt} bytes, then {verdict} with {length}");
            AssertSame(settledHead, head);
        }
    }

    [Property(MaxTest = 1500, Arbitrary = [typeof(Arbitraries)])]
    public void What_is_parsed_is_what_a_simple_reference_reading_gives(FuzzedHead fuzzed)
    {
        byte[] bytes = fuzzed.Bytes();
        HeadParse verdict = Parse(bytes, out RequestHead? head);
        Reference expected = ReferenceRead(bytes, Limits);

        switch (expected.Verdict)
        {
            case HeadParse.Incomplete:
                Assert.True(verdict != HeadParse.Parsed, $"Parsed, though the reference says: {expected.Why}");
                break;
            case HeadParse.NotEligible:
                Assert.True(verdict == HeadParse.NotEligible, $"{verdict}, though the reference refuses it: {expected.Why}");
                break;
            default:
                Assert.True(verdict == HeadParse.Parsed, $"{verdict}, though the reference parses it");
                Assert.NotNull(head);
                Assert.Equal(expected.Path, head.Path);
                Assert.Equal(expected.Query, head.QueryString);
                Assert.Equal(expected.Length, head.Length);
                Assert.Equal(expected.Fields.Select(f => f.Value), head.Headers.Select(h => h.Value));
                Assert.Equal(expected.Fields.Select(f => f.Key.ToUpperInvariant()), head.Headers.Select(h => h.Key.ToUpperInvariant()));
                break;
        }
    }

    /// <summary>Exhaustively: each byte 0x00 to 0xFF put in (and put over) each position of a small plain head gets the reference's verdict, and a byte outside visible ASCII, space and tab is never parsed.</summary>
    [Fact]
    public void Every_byte_at_every_position_of_a_small_head_gets_the_reference_verdict()
    {
        byte[] template = Encoding.ASCII.GetBytes("GET /a/b?q=1 HTTP/1.1\r\nHost: h:80\r\nAccept: text/event-stream\r\nX-N: v w\r\n\r\n");
        int checkedHeads = 0;
        for (int at = 0; at <= template.Length; at++)
        {
            for (int b = 0; b <= 0xFF; b++)
            {
                byte[] inserted = [.. template.AsSpan(0, at), (byte)b, .. template.AsSpan(at)];
                CheckAgainstReference(inserted, b, inHead: at < template.Length);
                checkedHeads++;
                if (at < template.Length)
                {
                    byte[] replaced = [.. template];
                    replaced[at] = (byte)b;
                    CheckAgainstReference(replaced, b, inHead: true);
                    checkedHeads++;
                }
            }
        }

        Assert.Equal((2 * template.Length + 1) * 256, checkedHeads);

        static void CheckAgainstReference(byte[] bytes, int b, bool inHead)
        {
            HeadParse verdict = Parse(bytes, out RequestHead? head);
            Reference expected = ReferenceRead(bytes, Limits);
            string what = $"\"{FuzzedHead.Escape(bytes)}\": {verdict}, reference {expected.Verdict} {expected.Why}";
            Assert.True(verdict == expected.Verdict || (expected.Verdict == HeadParse.Incomplete && verdict == HeadParse.NotEligible), what);
            if (inHead && b is not ((>= 0x20 and <= 0x7E) or 0x09 or 0x0D or 0x0A))
            {
                Assert.True(verdict != HeadParse.Parsed, what);
            }

            if (verdict == HeadParse.Parsed)
            {
                Assert.Equal(expected.Path + expected.Query, head!.Path + head.QueryString);
                Assert.Equal(expected.Fields.Select(f => f.Value), head.Headers.Select(h => h.Value));
            }
        }
    }

    /// <summary>The generator is not vacuous: with a fixed seed it makes plain heads, heads cut short, pipelined ones, and every kind of change, and the parser parses a good share of them.</summary>
    [Fact]
    public void The_generator_makes_every_kind_of_head()
    {
        FuzzedHead[] sample = RequestHeadFuzz.Heads(UnitOptions()).Sample(3000, new Rnd(20240611UL), 50);

        Assert.Equal(3000, sample.Length);
        int parsed = sample.Count(h => Parse(h.Bytes(), out _) == HeadParse.Parsed);
        output.WriteLine($"{sample.Count(h => h.Taint is null && !h.Truncated)} plain, {sample.Count(h => h.Taint is not null)} tainted, "
            + $"{sample.Count(h => h.Truncated)} truncated, {sample.Count(h => h.After.Length > 0)} with bytes after the head, {parsed} parsed");
        Assert.InRange(sample.Count(h => h.Taint is null && !h.Truncated), 600, 2400);
        Assert.InRange(sample.Count(h => h.Truncated), 200, 1000);
        Assert.InRange(sample.Count(h => h.After.Length > 0), 600, 2400);
        Assert.InRange(parsed, 600, 2400);
        string kinds = string.Join("\n", sample.Select(h => h.Kind));
        foreach (string kind in new[]
        {
            "method", "version", "absolute-form", "authority-form", "asterisk-form", "target byte", "path with", "value byte", "name byte",
            "obs-fold", "framing 'Content-Length", "framing 'Transfer-Encoding", "Upgrade", "Expect", "'Connection", "after another Connection field",
            "Host '", "no Host", "two Host fields",
            "name '", "line without a colon", "before the request line", "spacing", "request line at the limit", "request line over the limit",
            "head at the limit", "head over the limit", "fields at the limit", "too many fields", "bare LF", "a line ended by '\\r",
        })
        {
            Assert.Contains(kind, kinds, StringComparison.Ordinal);
        }
    }

    private static HeadParse Parse(byte[] bytes, out RequestHead? head) =>
        RequestHeadParser.TryParse(new ReadOnlySequence<byte>(bytes), Limits, out head);

    private static void AssertSame(RequestHead? expected, RequestHead? actual)
    {
        if (expected is null)
        {
            Assert.Null(actual);
            return;
        }

        Assert.NotNull(actual);
        Assert.Equal(expected.Path, actual.Path);
        Assert.Equal(expected.QueryString, actual.QueryString);
        Assert.Equal(expected.Length, actual.Length);
        Assert.Equal(expected.Headers, actual.Headers);
    }

    /// <summary>Where the first head ends for a reader that takes LF or CRLF as a line end: after its first empty line; -1 when there is none.</summary>
    private static int LenientHeadEnd(byte[] bytes)
    {
        int lineStart = 0;
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != '\n')
            {
                continue;
            }

            int contentEnd = i > lineStart && bytes[i - 1] == '\r' ? i - 1 : i;
            if (contentEnd == lineStart && lineStart > 0)
            {
                return i + 1;
            }

            lineStart = i + 1;
        }

        return -1;
    }

    /// <summary>
    /// Every prefix length of a short input; of a long one, the first 64, those around each line
    /// end of the first 8 KiB, around the limits, and 48 spread over the rest; always the whole.
    /// </summary>
    private static int[] PrefixLengths(byte[] bytes)
    {
        if (bytes.Length <= 400)
        {
            return [.. Enumerable.Range(0, bytes.Length + 1)];
        }

        SortedSet<int> lengths = [.. Enumerable.Range(0, 65), bytes.Length];
        for (int i = 0; i < Math.Min(bytes.Length, 8 * 1024); i++)
        {
            if (bytes[i] is (byte)'\r' or (byte)'\n')
            {
                lengths.UnionWith([i, i + 1, i + 2]);
            }
        }

        foreach (int limit in new[] { Limits.MaxRequestLine, Limits.MaxHead })
        {
            lengths.UnionWith([limit - 1, limit, limit + 1, limit + 2]);
        }

        for (int k = 1; k <= 48; k++)
        {
            lengths.Add((int)((long)bytes.Length * k / 49));
        }

        return [.. lengths.Where(l => l <= bytes.Length)];
    }

    /// <summary>
    /// A deliberately plain reading of the rules, on text: the head ends at the first CRLF CRLF
    /// (an unfinished one is never parsed); the request line is exactly <c>GET</c>, an origin-form target of visible ASCII (no <c>#</c>; in
    /// the path no <c>%</c> and no <c>/.</c>) and <c>HTTP/1.1</c>, split by single spaces; each
    /// header line is a token, a colon and a value of visible ASCII, spaces and tabs (trimmed of
    /// those); exactly one plain Host, at most one Content-Length and it 0, at most one Connection
    /// and it keep-alive or close, no Transfer-Encoding, Upgrade or Expect; all within the limits.
    /// </summary>
    private static Reference ReferenceRead(byte[] bytes, HeadLimits limits)
    {
        string text = Encoding.Latin1.GetString(bytes);
        int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        bool whole = end >= 0;

        // Of an unfinished head, the lines finished so far must already be ones to read.
        int finished = whole ? end : text.LastIndexOf("\r\n", StringComparison.Ordinal);
        if (finished < 0)
        {
            return new Reference(HeadParse.Incomplete, "no finished line");
        }

        int length = whole ? end + 4 : text.Length;
        string[] lines = text[..finished].Split("\r\n");
        string requestLine = lines[0];
        if (length > limits.MaxHead || requestLine.Length + 2 > limits.MaxRequestLine || lines.Length - 1 > limits.MaxHeaders)
        {
            return Refused("over a limit");
        }

        if (requestLine.Split(' ') is not ["GET", string target, "HTTP/1.1"])
        {
            return Refused("not GET <target> HTTP/1.1");
        }

        if (!target.StartsWith('/') || target.Any(c => c is < '!' or > '~') || target.Contains('#', StringComparison.Ordinal))
        {
            return Refused("not a plain origin-form target");
        }

        int question = target.IndexOf('?', StringComparison.Ordinal);
        string path = question < 0 ? target : target[..question];
        if (path.Contains('%', StringComparison.Ordinal) || path.Contains("/.", StringComparison.Ordinal))
        {
            return Refused("a path that would need decoding or normalising");
        }

        List<KeyValuePair<string, string>> fields = [];
        foreach (string line in lines.Skip(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 1 || !TokenPattern().IsMatch(line[..colon]))
            {
                return Refused("not a header field");
            }

            string value = line[(colon + 1)..].Trim(' ', '\t');
            if (value.Any(c => c != '\t' && c is < ' ' or > '~'))
            {
                return Refused("a value byte outside visible ASCII, space and tab");
            }

            fields.Add(new KeyValuePair<string, string>(line[..colon], value));
        }

        string[] hosts = Values(fields, "Host");
        string[] lengths = Values(fields, "Content-Length");
        if (hosts.Length > 1 || hosts.Any(h => !IsPlainHost(h)))
        {
            return Refused("not exactly one plain Host");
        }

        if (lengths.Length > 1 || lengths.Any(l => l != "0")
            || Values(fields, "Transfer-Encoding").Length + Values(fields, "Upgrade").Length + Values(fields, "Expect").Length > 0)
        {
            return Refused("a body, an upgrade or an expectation");
        }

        if (Values(fields, "Connection") is not ([] or ["keep-alive"] or ["close"]))
        {
            return Refused("a Connection field Kestrel would rewrite, or two");
        }

        if (!whole)
        {
            return new Reference(HeadParse.Incomplete, "no blank line");
        }

        if (hosts.Length == 0)
        {
            return Refused("not exactly one plain Host");
        }

        return new Reference(HeadParse.Parsed, null, path, question < 0 ? string.Empty : target[question..], fields, length);

        // An unfinished head that can never be read here is not Parsed, whether it goes to
        // ASP.NET Core at once (a line Kestrel refuses as soon as it is in) or is held until its
        // head timeout (one Kestrel too would wait for): which one, HeadFuzzParityTests checks
        // against Kestrel itself.
        Reference Refused(string why) => whole ? new(HeadParse.NotEligible, why) : new(HeadParse.Incomplete, "unfinished, and never to be read here: " + why);

        static string[] Values(List<KeyValuePair<string, string>> fields, string name) =>
            [.. fields.Where(f => f.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(f => f.Value)];
    }

    /// <summary>A name of letters, digits and <c>.-_</c>, or a bracketed IPv6 address other than <c>::</c>, and maybe a port of up to five digits.</summary>
    private static bool IsPlainHost(string value)
    {
        if (PlainNamePattern().IsMatch(value))
        {
            return true;
        }

        Match bracketed = BracketedPattern().Match(value);
        return bracketed.Success
            && IPAddress.TryParse(bracketed.Groups[1].Value, out IPAddress? address)
            && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            && !address.Equals(IPAddress.IPv6Any);
    }

    [GeneratedRegex(@"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+\z")]
    private static partial Regex TokenPattern();

    [GeneratedRegex(@"^[A-Za-z0-9._-]+(:[0-9]{1,5})?\z")]
    private static partial Regex PlainNamePattern();

    [GeneratedRegex(@"^\[([0-9A-Fa-f:.]{1,63})\](:[0-9]{1,5})?\z")]
    private static partial Regex BracketedPattern();

    /// <summary>The unit tests' heads: random plain targets and hosts, Accept lines of every kind, and after the head a second request, junk or random bytes.</summary>
    private static RequestHeadFuzz.Options UnitOptions() => new(
        Targets: Gen.Frequency(
            (4, RequestHeadFuzz.PlainTargets()),
            (1, Gen.Elements("/", "/echo", "/a?", "//x", "/a;b=c/d", "/echo?x=%20y&z=/../", "/echo?a=b?c"))),
        Hosts: RequestHeadFuzz.PlainHosts(),
        Accepts: Gen.Elements<string?>(
            "Accept: text/event-stream", "accept: TEXT/EVENT-STREAM", "Accept: text/html, text/event-stream;q=0.5", "Accept: */*", null),
        ExtraLines: Gen.Elements<string?>(null, null, "X-Test-Refuse: 1", "Last-Event-ID: 42", "Cookie: a=b; c=d", "Connection: keep-alive", "connection:  close\t"),
        Seconds: Gen.OneOf(
            Gen.Elements(
                $"GET /second HTTP/1.1\r\nHost: x\r\nX-Marker: {RequestHeadFuzz.SecondMarker}\r\n\r\n",
                $"GET /{RequestHeadFuzz.SecondMarker} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n",
                $"X-Smuggled: {RequestHeadFuzz.SecondMarker}\r\n\r\n",
                "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
                "\r\n\r\n",
                "\r\n",
                "GET /partial HTTP/1.1\r\nHo"),
            Gen.Choose(0, 0xFF).Select(b => (char)b).ArrayOf().Select(c => new string(c))),
        Limits: Limits,
        Truncate: true);

    /// <summary>A reference reading: its verdict (why, when refused) and, when parsed, the fields.</summary>
    private sealed record Reference(HeadParse Verdict, string? Why, string Path = "", string Query = "", List<KeyValuePair<string, string>>? ReadFields = null, int Length = 0)
    {
        public List<KeyValuePair<string, string>> Fields => ReadFields ?? [];
    }

    /// <summary>A generated head and where to cut it (and what follows it) into segments.</summary>
    public sealed record SplitHead(FuzzedHead Head, int[] Cuts)
    {
        public override string ToString() => $"{Head} cut at [{string.Join(", ", Cuts)}]";
    }

    /// <summary>The generated heads, and the same cut into segments: at random, at line ends, or a byte at a time.</summary>
    public static class Arbitraries
    {
        public static Arbitrary<FuzzedHead> Heads() => RequestHeadFuzz.Heads(UnitOptions()).ToArbitrary();

        public static Arbitrary<SplitHead> Splits() =>
            (from head in RequestHeadFuzz.Heads(UnitOptions())
             let length = head.Bytes().Length
             let lineEnds = head.Bytes().Select((b, i) => (b, i)).Where(p => p.b is (byte)'\r' or (byte)'\n').Select(p => p.i).DefaultIfEmpty(0).ToArray()
             from how in Gen.Choose(0, 3)
             from count in Gen.Choose(1, 6)
             from random in Gen.Choose(0, length).ArrayOf(count)
             from atLines in Gen.Elements(lineEnds).Select(i => Math.Min(length, i + 1)).ArrayOf(count)
             select new SplitHead(head, how switch
             {
                 0 when length <= 300 => [.. Enumerable.Range(1, Math.Max(0, length - 1))],
                 1 => atLines,
                 2 => [.. random, .. atLines],
                 _ => random,
             }))
            .ToArbitrary();
    }
}
