using System.Buffers;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using SsePluginHost.Connections;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Unit;

/// <summary>
/// The direct-stream head parser: an EventSource's plain HTTP/1.1 GET is read back exactly; a
/// head cut short is incomplete; anything the host must not answer itself (another method or
/// version, a target that needs decoding, a body, an upgrade, odd header bytes, too big) is not
/// eligible and left to ASP.NET Core; and how the bytes are split into segments changes nothing.
/// </summary>
public sealed class RequestHeadParserTests
{
    private const string Typical =
        "GET /chat/room?nick=ann&lastEventId=7 HTTP/1.1\r\n" +
        "Host: localhost:3080\r\n" +
        "Connection: keep-alive\r\n" +
        "accept: text/event-stream\r\n" +
        "Cache-Control: no-cache\r\n" +
        "USER-AGENT: Mozilla/5.0 (X11; Linux x86_64)\r\n" +
        "Last-Event-ID: 42\r\n" +
        "X-Custom: \t padded  value \t\r\n" +
        "x-empty:\r\n" +
        "\r\n";

    [Fact]
    public void A_typical_EventSource_head_is_parsed_with_its_path_query_headers_and_length()
    {
        byte[] bytes = Encoding.ASCII.GetBytes(Typical);

        RequestHead head = Parsed(bytes);

        Assert.Equal("/chat/room", head.Path);
        Assert.Equal("?nick=ann&lastEventId=7", head.QueryString);
        Assert.Equal(bytes.Length, head.Length);
        KeyValuePair<string, string>[] expected =
            [
                new("Host", "localhost:3080"),
                new("Connection", "keep-alive"),
                new("Accept", "text/event-stream"),
                new("Cache-Control", "no-cache"),
                new("User-Agent", "Mozilla/5.0 (X11; Linux x86_64)"),
                new("Last-Event-ID", "42"),
                new("X-Custom", "padded  value"),
                new("x-empty", string.Empty),
            ];
        Assert.Equal(expected, head.Headers);
        Assert.Equal("text/event-stream", head.Get("ACCEPT"));
        Assert.Null(head.Get("Cookie"));
    }

    [Fact]
    public void Bytes_after_the_head_are_not_part_of_it()
    {
        byte[] bytes = Encoding.ASCII.GetBytes(Typical + "GET /next HTTP/1.1\r\nHost: x\r\n\r\n");

        RequestHead head = Parsed(bytes);

        Assert.Equal(Encoding.ASCII.GetByteCount(Typical), head.Length);
        Assert.Equal("/chat/room", head.Path);
    }

    [Fact]
    public void Known_header_names_come_back_as_one_shared_canonical_string()
    {
        RequestHead one = Parsed(Head("/a", "hOsT: x", "accept: text/event-stream", "LAST-EVENT-ID: 1", "x-session-id: s"));
        RequestHead two = Parsed(Head("/b", "Host: y", "ACCEPT: */*", "last-event-id: 2", "X-SESSION-ID: t"));

        Assert.Equal(["Host", "Accept", "Last-Event-ID", "X-Session-Id"], one.Headers.Select(h => h.Key));
        for (int i = 0; i < one.Headers.Count; i++)
        {
            Assert.Same(one.Headers[i].Key, two.Headers[i].Key);
        }
    }

    [Fact]
    public void Repeated_headers_are_kept_in_order_and_joined_by_Get()
    {
        RequestHead head = Parsed(Head("/a", "Host: x", "Accept: text/event-stream", "Accept: text/html", "X-Multi: one", "x-multi: two"));

        Assert.Equal("text/event-stream,text/html", head.Get("accept"));
        Assert.Equal("one,two", head.Get("X-MULTI"));
        Assert.Equal(5, head.Headers.Count);
    }

    [Fact]
    public void A_path_without_a_query_has_an_empty_query_string_and_a_bare_question_mark_is_kept()
    {
        RequestHead plain = Parsed(Head("/a/b/", "Host: x"));
        RequestHead bare = Parsed(Head("/a?", "Host: x"));

        Assert.Equal("/a/b/", plain.Path);
        Assert.Equal(string.Empty, plain.QueryString);
        Assert.Equal("/a", bare.Path);
        Assert.Equal("?", bare.QueryString);
    }

    [Theory]
    [InlineData("/a?x=%20y&z=%2F")]
    [InlineData("/a?next=/b/../c")]
    [InlineData("/a?dot=/./")]
    [InlineData("/a;b=c/d")]
    [InlineData("/")]
    public void Percent_signs_and_dot_segments_are_fine_in_the_query_and_odd_but_plain_paths_are_fine(string target)
    {
        RequestHead head = Parsed(Head(target, "Host: x"));

        int query = target.IndexOf('?', StringComparison.Ordinal);
        Assert.Equal(query < 0 ? target : target[..query], head.Path);
        Assert.Equal(query < 0 ? string.Empty : target[query..], head.QueryString);
    }

    [Fact]
    public void Content_Length_zero_and_a_tab_inside_a_value_are_fine()
    {
        RequestHead head = Parsed(Head("/a", "Host: x", "content-length: 0", "X-Tabbed: a\tb"));

        Assert.Equal("0", head.Get("Content-Length"));
        Assert.Equal("a\tb", head.Get("X-Tabbed"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("G")]
    [InlineData("GET")]
    [InlineData("GET ")]
    [InlineData("GET /a HTTP/1.1")]
    [InlineData("GET /a HTTP/1.1\r\n")]
    [InlineData("GET /a HTTP/1.1\r\nHost: x\r\n")]
    [InlineData("GET /a HTTP/1.1\r\nHost: x\r\n\r")]
    [InlineData("GET /a HTTP/1.1\r\nHost: x\r\nAccept: text/ev")]
    public void A_head_cut_short_is_incomplete(string text)
    {
        Assert.Equal(HeadParse.Incomplete, RequestHeadParser.TryParse(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text)), out RequestHead? head));
        Assert.Null(head);
    }

    [Theory]
    [InlineData("GET /a HTTP/1.1\r\nHost: x\r\nX-A: b\u0000c\r\n")]
    [InlineData("GET /a HTTP/1.1\r\nHost: x\r\nX-A: \u00ff\r\n")]
    [InlineData("GET /a HTTP/1.1\r\nHost: x\r\nX-A: caf\u00c3\r\n")]
    [InlineData("GET /a HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n")]
    [InlineData("GET /a\u0001 HTTP/1.1\r\n")]
    [InlineData("GET /caf\u00c3\u00a9 HTTP/1.1\r\n")]
    [InlineData("GET /a HTTP/1.9\r\nHost: x\r\n")]
    [InlineData("GET /a HTTP/1.1 \r\nHost: x\r\n")]
    [InlineData("GET  /a HTTP/1.1\r\nHost: x\r\n")]
    [InlineData("GET HTTP/1.1\r\nHost: x\r\n")]
    [InlineData("GET * HTTP/1.1\r\nHost: x\r\n")]
    [InlineData("GET x:80 HTTP/1.1\r\nHost: x\r\n")]
    [InlineData("GET /a HTTP/1.1\rHost: x\r\n")]
    [InlineData("GET /a HTTP/1.1\r\nHost: x\r\nno colon here\r\n")]
    [InlineData("GET /a HTTP/1.1\r\nno colon at all\r\nHost: x\r\n")]
    [InlineData("GET /a HTTP/1.1\r\nHost: x\r\nX-A : b\r\n")]
    [InlineData("GET /a HTTP/1.1\r\nHost: x\r\nX-A\t: b\r\n")]
    [InlineData("GET /a HTTP/1.1\r\nHost: x\r\nX-A: b\r\n c\r\n")]
    [InlineData("GET /a HTTP/1.1\r\nHost: x\r\nX-\u00c3\u00a9: b\r\n")]
    public void A_head_cut_short_that_Kestrel_answers_as_it_stands_goes_to_ASP_NET_Core_at_once(string text)
    {
        Assert.Equal(HeadParse.NotEligible, RequestHeadParser.TryParse(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(text)), out RequestHead? head));
        Assert.Null(head);
    }

    /// <summary>
    /// Heads that will never be served here but that Kestrel, too, waits for the rest of (a bad
    /// byte in a line not yet ended, a line ended by a bare LF, a UTF-8 value, DEL or another
    /// control byte in a value, another method or version, more than this path reads): held, so
    /// that their head timeout runs here from their first byte and does not start again in Kestrel.
    /// </summary>
    [Theory]
    [InlineData("GET /a HTTP/1.1\r\nHost: x\r\nX-A: b\u0000c")]
    [InlineData("GET /a HTTP/1.1\r\nHost: x\r\nX-A: \u00ff")]
    [InlineData("GET /a\u0001 HTTP/1.1")]
    [InlineData("GET /a HTTP/1.1\nHost: x\n")]
    [InlineData("GET /a HTTP/1.1\n")]
    [InlineData("GET /a HTTP/1.1\r\nHost: x\nX-A: b\r\n")]
    [InlineData("GET /a HTTP/1.1\r\nHost: x\r\nX-A: caf\u00c3\u00a9\r\n")]
    [InlineData("GET /a HTTP/1.1\r\nHost: x\r\nX-B: \u007f\r\n")]
    [InlineData("GET /a HTTP/1.1\r\nHost: x\r\nX-B: a\u0001b\r\n")]
    [InlineData("GET /a HTTP/1.0\r\nHost: x\r\n")]
    [InlineData("GET http://x/a HTTP/1.1\r\nHost: x\r\n")]
    [InlineData("GET /a%20b HTTP/1.1\r\nHost: x\r\n")]
    [InlineData("GEX")]
    [InlineData("GETX")]
    [InlineData("GEX /a HTTP/1.1\r\nHost: x\r\n")]
    [InlineData("GET /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n")]
    [InlineData("GET /a HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\n")]
    public void A_head_cut_short_that_Kestrel_would_wait_for_too_stays_incomplete_even_if_it_can_never_be_served_here(string text)
    {
        Assert.Equal(HeadParse.Incomplete, RequestHeadParser.TryParse(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(text)), out RequestHead? head));
        Assert.Null(head);
    }

    [Fact]
    public void A_head_cut_short_goes_to_ASP_NET_Core_once_it_is_over_Kestrels_limits_and_not_before()
    {
        HeadLimits limits = HeadLimits.Default;
        string requestLine = $"GET {TargetForRequestLine(limits.KestrelRequestLine + 1)} HTTP/1.1\r\n";
        string atLimit = $"GET {TargetForRequestLine(limits.KestrelRequestLine)} HTTP/1.1\r\n";
        string fields = "GET /a HTTP/1.1\r\nHost: x\r\n";
        string manyFields = fields + string.Concat(Enumerable.Range(0, limits.KestrelFields - 1).Select(i => $"X-F{i}: v\r\n"));

        // A request line: not ended within Kestrel's limit (414 there at once), or ended past it.
        Assert.Equal(HeadParse.Incomplete, Parse(requestLine[..(limits.KestrelRequestLine - 1)]));
        Assert.Equal(HeadParse.NotEligible, Parse(requestLine[..limits.KestrelRequestLine]));
        Assert.Equal(HeadParse.NotEligible, Parse(requestLine));
        Assert.Equal(HeadParse.Incomplete, Parse(atLimit));

        // Header fields: more than Kestrel counts (431 there), or more bytes than it takes.
        Assert.Equal(HeadParse.Incomplete, Parse(manyFields));
        Assert.Equal(HeadParse.NotEligible, Parse(manyFields + "X-One-More: v\r\n"));
        string big = fields + "X-Big: ";
        Assert.Equal(HeadParse.Incomplete, Parse(big + new string('b', limits.KestrelFieldBytes + 2 - big.Length + fields.IndexOf('\n', StringComparison.Ordinal) + 1)));
        Assert.Equal(HeadParse.NotEligible, Parse(big + new string('b', limits.KestrelFieldBytes + 3 - big.Length + fields.IndexOf('\n', StringComparison.Ordinal) + 1)));

        static HeadParse Parse(string text) => RequestHeadParser.TryParse(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text)), out _);
    }

    [Property(MaxTest = 300, Arbitrary = [typeof(Splits)])]
    public void Reading_a_head_as_it_arrives_with_one_scan_gives_what_reading_each_part_afresh_gives(HeadSplit split)
    {
        // The head as a connection gets it: longer and longer (at the cuts, and at some fifty
        // even steps), read each time with the same scan.
        int step = Math.Max(1, split.Bytes.Length / 50);
        HeadScan scan = default;
        foreach (int end in split.Cuts.Concat(Enumerable.Range(0, (split.Bytes.Length / step) + 1).Select(i => i * step)).Append(split.Bytes.Length).Order())
        {
            ReadOnlySequence<byte> sofar = new(split.Bytes, 0, end);
            HeadParse fresh = RequestHeadParser.TryParse(sofar, out _);
            HeadParse carried = RequestHeadParser.TryParse(sofar, HeadLimits.Default, ref scan, out _);
            Assert.Equal(fresh, carried);
            if (carried != HeadParse.Incomplete)
            {
                return;
            }
        }
    }

    [Theory]
    [InlineData("GET \t/echo HTTP/1.1\r\nX-A: b\r\nhOsT: \t 127")]
    [InlineData("GET /echo HTTP/2.0\r\nHost:1")]
    [InlineData("GET /echo HTTP/1.1\r\nX-A: 1\rhOsT:1")]
    [InlineData("GET /echo HTTP/1.1\r\nX Name: v\r\n")]
    [InlineData("GET /echo HTTP/1.1\r\nHost: x\r\n more: text\r\n")]
    public void A_head_cut_short_with_a_line_Kestrel_refuses_at_once_goes_to_ASP_NET_Core_at_once(string text)
    {
        // Found by HeadFuzzParityTests: for "GET \t/nowhere HTTP/1.1\r\n..." (and "... HTTP/2.0\r\n...",
        // a bare CR in a header line) sent without its blank line, Kestrel answers 400 (505) as soon
        // as the line is in, while the direct path waited for the rest and answered 408 when the
        // head timeout ran out.
        Assert.Equal(HeadParse.NotEligible, RequestHeadParser.TryParse(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(text)), out RequestHead? head));
        Assert.Null(head);
    }

    [Theory]
    [InlineData("GET /echo HTTP/1.0\r\n")]
    [InlineData("GET http://x/echo HTTP/1.1\r\n")]
    [InlineData("GET /a/../echo HTTP/1.1\r\nHost: x\r\n")]
    [InlineData("GET /echo HTTP/1.1\r\nContent-Length: 5\r\n")]
    [InlineData("GET /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\nHost: x")]
    [InlineData("GET /echo HTTP/1.1\r\nHost: x\r\nhost: y\r\n")]
    [InlineData("GET /echo HTTP/1.1\r\nHost: bad host\r\n")]
    [InlineData("GET /echo HTTP/1.1\r\nConnection: Keep-Alive\r\n")]
    public void A_head_cut_short_that_can_never_be_served_here_but_that_Kestrel_would_wait_for_is_held_so_its_head_timeout_counts_once(string text)
    {
        // Kestrel waits for the rest of these too: handed over now, the head would get a fresh
        // head timeout there (TrickledHeadTimeoutTests); held, it is answered 408 at its deadline.
        // Once finished, each goes to ASP.NET Core.
        Assert.Equal(HeadParse.Incomplete, RequestHeadParser.TryParse(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(text)), out RequestHead? head));
        Assert.Null(head);
        string finished = text.EndsWith("\r\n", StringComparison.Ordinal) ? text + "\r\n" : text + "\r\n\r\n";
        Assert.Equal(HeadParse.NotEligible, RequestHeadParser.TryParse(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(finished)), out _));
    }

    [Theory]
    [InlineData("GET /a HTTP/1.1\r\nHost: x\r\nX-A: tab\there")]
    [InlineData("GET /a HTTP/1.1\r\nHost: x\r\nX-A: colon: in value")]
    [InlineData("GET /a HTTP/1.1\r\nHost: x\r\nX-A")]
    [InlineData("GET /a HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nContent-Length: 0\r\nAccept: text/event-stream\r\n")]
    [InlineData("GET /a HTTP/1.1\r\nHost: x\r\n\r")]
    [InlineData("GET /a?b#c")]
    public void A_head_cut_short_that_may_still_become_one_stays_incomplete(string text)
    {
        Assert.Equal(HeadParse.Incomplete, RequestHeadParser.TryParse(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(text)), out RequestHead? head));
        Assert.Null(head);
    }

    [Theory]
    [InlineData("P")]
    [InlineData("POST")]
    [InlineData("POST /a HTTP/1.1\r\n")]
    [InlineData("PRI * HTTP/2.0")]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")]
    [InlineData("HEAD /a HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("get /a HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("GEX /a HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("\u0016\u0003\u0001")]
    public void Another_method_is_not_eligible_from_its_first_byte_or_once_the_head_is_finished(string text)
    {
        Assert.Equal(HeadParse.NotEligible, RequestHeadParser.TryParse(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(text)), out RequestHead? head));
        Assert.Null(head);
    }

    [Theory]
    [InlineData("GET /a HTTP/1.0\r\nHost: x\r\n\r\n")]
    [InlineData("GET /a HTTP/2\r\nHost: x\r\n\r\n")]
    [InlineData("GET /a HTTP/1.1 \r\nHost: x\r\n\r\n")]
    [InlineData("GET /a http/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("GET http://x/a HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("GET * HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("GET x:80 HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("GET  /a HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("GET /a  HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("GET /a b HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("GET  HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("GET /a%20b HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("GET /%65cho HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("GET /a/../b HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("GET /a/./b HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("GET /a/.. HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("GET /. HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("GET /a#b HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("GET /a?b#c HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("GET /caf\u00e9 HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("GET /a\u007f HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("GET /a\tb HTTP/1.1\r\nHost: x\r\n\r\n")]
    public void A_request_line_the_host_would_have_to_interpret_is_not_eligible(string text) => AssertNotEligible(text);

    [Theory]
    [InlineData("Host: x", "Host: y")]
    [InlineData("Host: x", "host: x")]
    [InlineData("Accept: text/event-stream")]
    [InlineData("Host:")]
    [InlineData("Host:   ")]
    [InlineData("Host: x", "Content-Length: 5")]
    [InlineData("Host: x", "Content-Length: 00")]
    [InlineData("Host: x", "Transfer-Encoding: chunked")]
    [InlineData("Host: x", "transfer-encoding: identity")]
    [InlineData("Host: x", "Upgrade: websocket")]
    [InlineData("Host: x", "Expect: 100-continue")]
    [InlineData("Host: x", "X-Name: caf\u00e9")]
    [InlineData("Host: x", "X-Name: \u0080")]
    [InlineData("Host: x", "X-Name: a\u0001b")]
    [InlineData("Host: x", "X-Name: a\u007fb")]
    [InlineData("Host: x", "X-Name: a\u0000b")]
    [InlineData("Host: x", "X-Name: a\rb")]
    [InlineData("Host: x", "X-Name: one", " two")]
    [InlineData("Host: x", "X-Name: one", "\ttwo")]
    [InlineData("Host : x")]
    [InlineData("Host: x", "X-Name : v")]
    [InlineData("Host: x", "X Name: v")]
    [InlineData("Host: x", ": v")]
    [InlineData("Host: x", "no colon here")]
    [InlineData("Host: x", "X-N\u00e4me: v")]
    [InlineData("Host: x", "X-Name(1): v")]
    public void A_header_section_the_host_must_not_answer_itself_is_not_eligible(params string[] fields) =>
        AssertNotEligible(Encoding.Latin1.GetString(Head("/a", fields)));

    [Fact]
    public void Without_any_header_fields_the_head_is_not_eligible() => AssertNotEligible("GET /a HTTP/1.1\r\n\r\n");

    [Theory]
    [InlineData("bad host")]
    [InlineData("bad/host")]
    [InlineData("a@b")]
    [InlineData("x:notaport")]
    [InlineData("x:")]
    [InlineData(":80")]
    [InlineData("x:123456")]
    [InlineData("[::1")]
    [InlineData("[::1]x")]
    [InlineData("[::1]:")]
    [InlineData("[zz]")]
    [InlineData("[]")]
    public void A_Host_that_Kestrel_would_refuse_is_not_eligible(string host) => AssertNotEligible(Encoding.Latin1.GetString(Head("/a", "Host: " + host)));

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1:8080")]
    [InlineData("[::1]")]
    [InlineData("[::1]:80")]
    [InlineData("my_host.example")]
    [InlineData("Example.COM:65535")]
    public void A_plain_Host_is_parsed(string host)
    {
        RequestHead head = Parsed(Head("/a", "Host: " + host, "Accept: text/event-stream"));

        Assert.Equal(host, head.Get("Host"));
    }

    [Theory]
    [InlineData("GET /echo HTTP/1.1\nHost: x\nAccept: text/event-stream\n\n")]
    [InlineData("GET /echo HTTP/1.1\nHost: x\n\r\n")]
    [InlineData("GET /echo HTTP/1.1\r\nHost: x\nAccept: text/event-stream\r\n\r\n")]
    [InlineData("GET /echo HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\n")]
    [InlineData("GET /echo HTTP/1.1\r\nHost: x\r\n\n")]
    public void A_head_with_a_line_ended_by_a_bare_LF_is_not_eligible_once_finished_as_Kestrel_reads_it(string text) => AssertNotEligible(text);

    [Theory]
    [InlineData("GET HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("GET HTTP/1.1\r\n\r\n")]
    [InlineData("GET \r\nHost: x\r\n\r\n")]
    [InlineData("GET /\r\nHost: x\r\n\r\n")]
    [InlineData("GET HTTP/1.1 HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("GET  HTTP/1.1 \r\nHost: x\r\n\r\n")]
    [InlineData("GET \r\n\r\n")]
    public void A_request_line_too_short_to_hold_a_target_is_not_eligible_and_does_not_throw(string text) => AssertNotEligible(text);

    [Fact]
    public void A_request_line_of_Kestrels_eight_KiB_is_read_and_a_longer_one_is_not()
    {
        Assert.Equal(8 * 1024, HeadLimits.Default.MaxRequestLine);
        byte[] atLimit = Head(TargetForRequestLine(HeadLimits.Default.MaxRequestLine), "Host: x", "Accept: text/event-stream");
        byte[] overLimit = Head(TargetForRequestLine(HeadLimits.Default.MaxRequestLine + 1), "Host: x", "Accept: text/event-stream");

        Assert.Equal(HeadParse.Parsed, RequestHeadParser.TryParse(new ReadOnlySequence<byte>(atLimit), out _));
        AssertNotEligible(Encoding.ASCII.GetString(overLimit));
    }

    [Fact]
    public void A_lower_request_line_limit_is_kept()
    {
        HeadLimits limits = HeadLimits.Default with { MaxRequestLine = 100 };
        byte[] atLimit = Head(TargetForRequestLine(100), "Host: x");
        byte[] overLimit = Head(TargetForRequestLine(101), "Host: x");

        Assert.Equal(HeadParse.Parsed, RequestHeadParser.TryParse(new ReadOnlySequence<byte>(atLimit), limits, out _));
        Assert.Equal(HeadParse.NotEligible, RequestHeadParser.TryParse(new ReadOnlySequence<byte>(overLimit), limits, out RequestHead? head));
        Assert.Null(head);
    }

    [Theory]
    [InlineData("Content-Length: 0", "Content-Length: 0")]
    [InlineData("Content-Length: 0", "content-length: 0")]
    [InlineData("Content-Length: 0", "Content-Length: 1")]
    public void A_repeated_Content_Length_is_not_eligible_even_when_every_value_is_zero(params string[] fields) =>
        AssertNotEligible(Encoding.Latin1.GetString(Head("/a", ["Host: x", .. fields])));

    [Fact]
    public void GetFirst_gives_the_first_value_of_a_repeated_header_as_ASP_NET_Core_does_and_Get_joins_them()
    {
        RequestHead head = Parsed(Head("/a", "Host: x", "Last-Event-ID: 1", "Accept: text/event-stream", "last-event-id: 3"));

        Assert.Equal("1", head.GetFirst("Last-Event-ID"));
        Assert.Equal("1", head.GetFirst("LAST-EVENT-ID"));
        Assert.Equal("1,3", head.Get("Last-Event-ID"));
        Assert.Equal("x", head.GetFirst("host"));
        Assert.Null(head.GetFirst("Cookie"));
    }

    [Fact]
    public void An_empty_value_of_a_repeated_header_is_left_out_when_the_values_are_joined_as_ASP_NET_Core_joins_them()
    {
        // Found by HeadFuzzParityTests: "Origin:" then "Origin: o" is "o" to ASP.NET Core
        // (StringValues.ToString skips empty values), but was ",o" on the direct path, for
        // admission (a policy's header, a token) and for the plugin alike.
        RequestHead head = Parsed(Head("/a", "Host: x", "Origin:", "Origin: o", "X-M: a", "x-m:", "X-M: b", "X-E:", "X-E: \t", "X-One:"));

        Assert.Equal("o", head.Get("Origin"));
        Assert.Equal("a,b", head.Get("X-M"));
        Assert.Equal(string.Empty, head.Get("X-E"));
        Assert.Equal(string.Empty, head.Get("X-One"));
        Assert.Equal(string.Empty, head.GetFirst("Origin"));
        Assert.Equal("o", new HeadAdmissionRequest(head, null).GetHeader("origin"));

        SsePluginHost.Abstractions.SseRequest request = DirectRequestReader.Create(head, "/a", "/", null, null);
        Assert.Equal("o", request.Headers["Origin"]);
        Assert.Equal("a,b", request.Headers["X-M"]);
        Assert.Equal(string.Empty, request.Headers["X-E"]);
        Assert.Equal(string.Empty, request.Headers["X-One"]);
    }

    [Theory]
    [InlineData("Connection: Keep-Alive")]
    [InlineData("Connection: CLOSE")]
    [InlineData("Connection: upgrade")]
    [InlineData("Connection: foo, close")]
    [InlineData("Connection: keep-alive, foo")]
    [InlineData("Connection: close, keep-alive")]
    [InlineData("Connection: te")]
    [InlineData("Connection:")]
    [InlineData("Connection: keep-alive", "Connection: keep-alive")]
    [InlineData("Connection: foo", "connection: close")]
    public void A_Connection_field_other_than_one_plain_keep_alive_or_close_is_not_eligible(params string[] fields) =>
        // Found by HeadFuzzParityTests: Kestrel hands the application "close" for
        // "Connection: close" then "cONNECTION: opX)ViZl{Zl6o" (and "keep-alive" for
        // "Keep-Alive, foo", "Upgrade" for "upgrade"), where the direct path passed the fields on as sent.
        AssertNotEligible(Encoding.Latin1.GetString(Head("/a", ["Host: x", .. fields])));

    [Theory]
    [InlineData("keep-alive")]
    [InlineData("close")]
    public void One_plain_Connection_field_of_keep_alive_or_close_is_parsed(string value)
    {
        RequestHead head = Parsed(Head("/a", "Host: x", "connection:  " + value + " "));

        Assert.Equal(value, head.Get("Connection"));
    }

    [Fact]
    public void Sixty_four_header_fields_are_read_and_sixty_five_are_not()
    {
        string[] fields = [.. Enumerable.Range(0, RequestHeadParser.MaxHeaders - 1).Select(i => $"X-F{i}: {i}").Prepend("Host: x")];

        Assert.Equal(RequestHeadParser.MaxHeaders, Parsed(Head("/a", fields)).Headers.Count);
        AssertNotEligible(Encoding.ASCII.GetString(Head("/a", [.. fields, "X-One-More: 1"])));
    }

    [Fact]
    public void A_head_of_sixteen_KiB_is_read_and_a_larger_one_is_not_whether_complete_or_not()
    {
        byte[] atLimit = HeadOfLength(RequestHeadParser.MaxHeadBytes);
        byte[] overLimit = HeadOfLength(RequestHeadParser.MaxHeadBytes + 1);

        Assert.Equal(RequestHeadParser.MaxHeadBytes, Parsed(atLimit).Length);
        AssertNotEligible(Encoding.ASCII.GetString(overLimit));

        // Still without its blank line: incomplete past the limit too while within Kestrel's (which
        // waits for the rest as well), not eligible past Kestrel's.
        byte[] unfinished = Encoding.ASCII.GetBytes("GET /a HTTP/1.1\r\nHost: x\r\nX-Pad: " + new string('p', 2 * RequestHeadParser.MaxHeadBytes));
        Assert.Equal(HeadParse.Incomplete, RequestHeadParser.TryParse(new ReadOnlySequence<byte>(unfinished, 0, RequestHeadParser.MaxHeadBytes), out _));
        Assert.Equal(HeadParse.Incomplete, RequestHeadParser.TryParse(new ReadOnlySequence<byte>(unfinished, 0, RequestHeadParser.MaxHeadBytes + 1), out _));
        Assert.Equal(HeadParse.NotEligible, RequestHeadParser.TryParse(new ReadOnlySequence<byte>(unfinished), out RequestHead? head));
        Assert.Null(head);
    }

    [Property(MaxTest = 3000, Arbitrary = [typeof(Splits)])]
    public void Splitting_the_bytes_into_segments_anywhere_changes_nothing(HeadSplit split)
    {
        HeadParse whole = RequestHeadParser.TryParse(new ReadOnlySequence<byte>(split.Bytes), out RequestHead? expected);

        HeadParse pieces = RequestHeadParser.TryParse(BufferSegment.Split(split.Bytes, split.Cuts), out RequestHead? actual);

        Assert.Equal(split.Expected, whole.ToString());
        Assert.Equal(whole, pieces);
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

    /// <summary>A GET head for <paramref name="target"/> with the given header lines.</summary>
    private static byte[] Head(string target, params string[] fields) =>
        Encoding.Latin1.GetBytes($"GET {target} HTTP/1.1\r\n" + string.Concat(fields.Select(f => f + "\r\n")) + "\r\n");

    /// <summary>An eligible head of exactly <paramref name="length"/> bytes, padded with one long header.</summary>
    private static byte[] HeadOfLength(int length)
    {
        const string Start = "GET /a HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nX-Pad: ";
        const string End = "\r\n\r\n";
        byte[] head = Encoding.ASCII.GetBytes(Start + new string('p', length - Start.Length - End.Length) + End);
        Assert.Equal(length, head.Length);
        return head;
    }

    /// <summary>A target that makes the request line <c>GET target HTTP/1.1</c>, with its CRLF, exactly <paramref name="lineLength"/> bytes.</summary>
    private static string TargetForRequestLine(int lineLength)
    {
        const string Start = "/a?pad=";
        string target = Start + new string('p', lineLength - "GET ".Length - " HTTP/1.1\r\n".Length - Start.Length);
        Assert.Equal(lineLength, Encoding.ASCII.GetByteCount($"GET {target} HTTP/1.1\r\n"));
        return target;
    }

    private static RequestHead Parsed(byte[] bytes)
    {
        Assert.Equal(HeadParse.Parsed, RequestHeadParser.TryParse(new ReadOnlySequence<byte>(bytes), out RequestHead? head));
        Assert.NotNull(head);
        return head;
    }

    private static void AssertNotEligible(string text)
    {
        byte[] bytes = Encoding.Latin1.GetBytes(text);
        Assert.Equal(HeadParse.NotEligible, RequestHeadParser.TryParse(new ReadOnlySequence<byte>(bytes), out RequestHead? head));
        Assert.Null(head);
    }

    /// <summary>Some bytes, what the parser makes of them whole (a <see cref="HeadParse"/> name), and where to cut them.</summary>
    public sealed record HeadSplit(string Name, byte[] Bytes, string Expected, int[] Cuts)
    {
        public override string ToString() => $"{Name} ({Bytes.Length} bytes) cut at [{string.Join(", ", Cuts)}]";
    }

    /// <summary>Heads of every kind (parsed, incomplete, not eligible, at the size limit), cut at one or two random points.</summary>
    public static class Splits
    {
        private static readonly (string Name, byte[] Bytes, HeadParse Expected)[] Heads =
        [
            ("typical", Encoding.ASCII.GetBytes(Typical), HeadParse.Parsed),
            ("typical then more", Encoding.ASCII.GetBytes(Typical + "GET /b HTTP/1.1\r\n"), HeadParse.Parsed),
            ("minimal", Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), HeadParse.Parsed),
            ("percent in query", Encoding.ASCII.GetBytes("GET /a?x=%41 HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n"), HeadParse.Parsed),
            ("at the size limit", HeadOfLength(RequestHeadParser.MaxHeadBytes), HeadParse.Parsed),
            ("over the size limit", HeadOfLength(RequestHeadParser.MaxHeadBytes + 1), HeadParse.NotEligible),
            ("truncated", Encoding.ASCII.GetBytes(Typical[..^2]), HeadParse.Incomplete),
            ("HTTP/1.0", Encoding.ASCII.GetBytes("GET /a HTTP/1.0\r\nHost: x\r\n\r\n"), HeadParse.NotEligible),
            ("two hosts", Encoding.ASCII.GetBytes("GET /a HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n"), HeadParse.NotEligible),
            ("obs-fold", Encoding.ASCII.GetBytes("GET /a HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n"), HeadParse.NotEligible),
            ("POST", Encoding.ASCII.GetBytes("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"), HeadParse.NotEligible),
            ("bare LF", Encoding.ASCII.GetBytes("GET /a HTTP/1.1\nHost: x\nX-A: b\n\n"), HeadParse.NotEligible),
            ("bare LF unfinished", Encoding.ASCII.GetBytes("GET /a HTTP/1.1\nHost: x\nX-A: b\n"), HeadParse.Incomplete),
            ("no colon unfinished", Encoding.ASCII.GetBytes("GET /a HTTP/1.1\r\nHost: x\r\nX-A b\r\nX-C: d"), HeadParse.NotEligible),
            ("over Kestrel's field bytes unfinished", Encoding.ASCII.GetBytes("GET /a HTTP/1.1\r\nHost: x\r\nX-A: b\r\nX-Pad: " + new string('p', 33 * 1024)), HeadParse.NotEligible),
            ("over this path's size unfinished", Encoding.ASCII.GetBytes("GET /a HTTP/1.1\r\nHost: x\r\nX-A: b\r\nX-Pad: " + new string('p', 17 * 1024) + "\r\nX-B: c\r\n"), HeadParse.Incomplete),
        ];

        public static Arbitrary<HeadSplit> HeadSplits() =>
            (from head in Gen.Elements(Heads)
             from count in Gen.Choose(1, 2)
             from cuts in Gen.Choose(0, head.Bytes.Length).ArrayOf(count)
             select new HeadSplit(head.Name, head.Bytes, head.Expected.ToString(), cuts))
            .ToArbitrary();
    }
}
