using System.Globalization;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using SsePluginHost.Admission;
using SsePluginHost.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// Admission answers alike whichever way a request comes in: for each case two hosts are
/// started with the same mounts, settings and policies (<see cref="RefuseByHeaderPolicy"/>),
/// one with <c>Streams:DirectStreams</c> on (the fast lane reads a first EventSource request off
/// the connection) and one with it off (ASP.NET Core reads everything); the same request bytes
/// go to each on a fresh connection, and the response heads must be equal once what the
/// transport legitimately changes is left out (<c>Date</c>, <c>Connection</c>,
/// <c>Transfer-Encoding</c>, <c>Content-Length</c>, <c>Keep-Alive</c>, <c>Server</c>), and so
/// must the start of the answer: the first event's type, a refusal's retry and comment, or a
/// text body. The same holds for what a plugin answers past admission: its own header fields
/// (<c>SseResponse.WithHeader</c>) and its <c>SseResponse.RetryLater</c>.
/// </summary>
public sealed class AdmissionParityTests(ITestOutputHelper output)
{
    private const string LocalHost = "Host: 127.0.0.1";
    private const string EventStream = "Accept: text/event-stream";

    private const string EchoMounts = """
        {
          "/echo": { "Plugin": "Faulty", "Type": "EchoService", "RetryMilliseconds": 2500, "History": { "Count": 100 } },
          "/_hostile": { "Plugin": "Faulty", "Type": "EchoService" }
        }
        """;

    private const string OneStreamAtEcho = """
        { "/echo": { "Plugin": "Faulty", "Type": "EchoService", "RetryMilliseconds": 2500, "MaxStreams": 1 } }
        """;

    private const string BrokenMount = """
        {
          "/echo": { "Plugin": "Faulty", "Type": "EchoService" },
          "/broken": { "Plugin": "Faulty", "Type": "ThrowingCtorService" }
        }
        """;

    private const string JwtEcho = $$"""
        { "/echo": { "Plugin": "Faulty", "Type": "EchoService", "Auth": {{TestTokens.AuthJson}} } }
        """;

    private const string CorsEcho = """
        { "/echo": { "Plugin": "Faulty", "Type": "EchoService", "Cors": { "AllowedOrigins": [ "http://app.test" ], "AllowCredentials": true } } }
        """;

    private const string CorsJwtEcho = $$"""
        { "/echo": { "Plugin": "Faulty", "Type": "EchoService", "Auth": {{TestTokens.AuthJson}}, "Cors": { "AllowedOrigins": [ "http://app.test" ] } } }
        """;

    private const string OneStreamPerAddress = """
        { "/echo": { "Plugin": "Faulty", "Type": "EchoService", "RetryMilliseconds": 2500, "RateLimits": { "ConcurrentStreamsPerAddress": 1 } } }
        """;

    private const string OneOpenPerAddress = """
        { "/echo": { "Plugin": "Faulty", "Type": "EchoService", "RetryMilliseconds": 2500, "RateLimits": { "StreamOpensPerSecond": 0.1, "StreamOpensBurst": 1, "RequestsPerSecond": 0.1 } } }
        """;

    private const string HeaderMounts = """
        { "/h": { "Plugin": "Faulty", "Type": "HeadersService", "RetryMilliseconds": 2500 } }
        """;

    private const string OneStreamOnTheHost = """{ "Streams": { "MaxStreams": 1 } }""";
    private const string OnlyExampleCom = """{ "AllowedHosts": "example.com" }""";

    private static readonly Dictionary<string, ParityCase> Cases = new ParityCase[]
    {
        new("EventSource GET of a mount",
            Request("GET", "/echo", LocalHost, EventStream, "Cache-Control: no-cache", "User-Agent: parity/1.0",
                "Accept-Language: en", "Origin: http://127.0.0.1", "Sec-Fetch-Mode: cors", "Connection: keep-alive"),
            200, Answer.Stream, Lane.FastLane),
        new("Accept: text/event-stream", Request("GET", "/echo", LocalHost, EventStream), 200, Answer.Stream, Lane.FastLane),
        new("Accept: TEXT/Event-Stream", Request("GET", "/echo", LocalHost, "Accept: TEXT/Event-Stream"), 200, Answer.Stream, Lane.FastLane),
        new("Accept: text/event-stream; q=0.5",
            Request("GET", "/echo", LocalHost, "Accept: text/event-stream; q=0.5"), 200, Answer.Stream, Lane.FastLane),
        new("Accept: text/html, text/event-stream",
            Request("GET", "/echo", LocalHost, "Accept: text/html, text/event-stream"), 200, Answer.Stream, Lane.FastLane),
        new("two Accept lines: text/html then text/event-stream",
            Request("GET", "/echo", LocalHost, "Accept: text/html", EventStream), 200, Answer.Stream, Lane.FastLane),
        new("Accept: text/event-stream;q=0 (not acceptable)", Request("GET", "/echo", LocalHost, "Accept: text/event-stream;q=0"), 404, Answer.Text, Lane.AspNetCore,
            Body: "/echo serves event streams only (send Accept: text/event-stream)."),
        new("Accept: application/not-text/event-streamx", Request("GET", "/echo", LocalHost, "Accept: application/not-text/event-streamx"), 404, Answer.Text, Lane.AspNetCore,
            Body: "/echo serves event streams only (send Accept: text/event-stream)."),
        new("Accept: */*", Request("GET", "/echo", LocalHost, "Accept: */*"), 404, Answer.Text, Lane.AspNetCore,
            Body: "/echo serves event streams only (send Accept: text/event-stream)."),
        new("no Accept header", Request("GET", "/echo", LocalHost), 404, Answer.Text, Lane.AspNetCore,
            Body: "/echo serves event streams only (send Accept: text/event-stream)."),
        new("mount path in other case: GET /ECHO", Request("GET", "/ECHO", LocalHost, EventStream), 200, Answer.Stream, Lane.FastLane),
        new("below a mount: GET /echo/sub/", Request("GET", "/echo/sub/", LocalHost, EventStream), 200, Answer.Stream, Lane.FastLane),
        new("below a mount: GET /echo//sub", Request("GET", "/echo//sub", LocalHost, EventStream), 200, Answer.Stream, Lane.FastLane),
        new("HEAD with Accept: text/event-stream", Request("HEAD", "/echo", LocalHost, EventStream), 200, Answer.HeadOnly, Lane.AspNetCore),
        new("?lastEventId=A&lastEventId=B replays after A",
            Request("GET", "/echo?lastEventId={first}&lastEventId={last}", LocalHost, EventStream), 200, Answer.Replay, Lane.FastLane),
        new("GET /_host/mounts, Accept: text/event-stream",
            Request("GET", "/_host/mounts", LocalHost, EventStream), 200, Answer.Text, Lane.AspNetCore),
        new("GET /_HOST/mounts, Accept: text/event-stream",
            Request("GET", "/_HOST/mounts", LocalHost, EventStream), 200, Answer.Text, Lane.AspNetCore),
        new("GET /_host, Accept: text/event-stream", Request("GET", "/_host", LocalHost, EventStream), 404, Answer.Text, Lane.AspNetCore),
        new("GET /_hostx, Accept: text/event-stream", Request("GET", "/_hostx", LocalHost, EventStream), 404, Answer.Text, Lane.AspNetCore),
        new("a mount at /_hostile", Request("GET", "/_hostile", LocalHost, EventStream), 200, Answer.Stream, Lane.FastLane),
        new("host MaxStreams 1 with one stream held",
            Request("GET", "/echo", LocalHost, EventStream), 200, Answer.RetryLater, Lane.FastLane,
            SseHostExtra: OneStreamOnTheHost, HoldOneStream: true),
        new("mount MaxStreams 1 with one stream held",
            Request("GET", "/echo", LocalHost, EventStream), 200, Answer.RetryLater, Lane.FastLane,
            Services: OneStreamAtEcho, HoldOneStream: true),
        new("AllowedHosts example.com, Host: example.com",
            Request("GET", "/echo", "Host: example.com", EventStream), 200, Answer.Stream, Lane.AspNetCore, RootExtra: OnlyExampleCom),
        new("AllowedHosts example.com, Host: other.test",
            Request("GET", "/echo", "Host: other.test", EventStream), 400, Answer.Text, Lane.Unchecked, RootExtra: OnlyExampleCom),
        new("policy: EventSource GET with X-Test-Refuse: 1",
            Request("GET", "/echo", LocalHost, EventStream, "X-Test-Refuse: 1"), 403, Answer.Text, Lane.FastLane,
            Body: RefuseByHeaderPolicy.Reason + "\n"),
        new("policy: EventSource GET without X-Test-Refuse",
            Request("GET", "/echo", LocalHost, EventStream), 200, Answer.Stream, Lane.FastLane),
        new("policy: EventSource GET with X-Test-Refuse: 0",
            Request("GET", "/echo", LocalHost, EventStream, "X-Test-Refuse: 0"), 200, Answer.Stream, Lane.FastLane),
        new("policy: EventSource GET with an empty X-Test-Refuse, then X-Test-Refuse: 1",
            Request("GET", "/echo", LocalHost, EventStream, "X-Test-Refuse:", "X-Test-Refuse: 1"), 403, Answer.Text, Lane.FastLane,
            Body: RefuseByHeaderPolicy.Reason + "\n"),
        new("policy: plain GET with X-Test-Refuse: 1",
            Request("GET", "/echo?whoami=1", LocalHost, "Accept: text/plain", "X-Test-Refuse: 1"), 403, Answer.Text, Lane.AspNetCore,
            Body: RefuseByHeaderPolicy.Reason + "\n"),
        new("a mount whose plugin failed to load (503)",
            Request("GET", "/broken", LocalHost, EventStream), 503, Answer.Text, Lane.FastLane, Services: BrokenMount),
        new("JWT mount, EventSource GET without a token",
            Request("GET", "/echo", LocalHost, EventStream), 401, Answer.Text, Lane.FastLane, Services: JwtEcho,
            Body: "/echo needs credentials: send a token (Authorization: Bearer TOKEN, the cookie sse_token, ?ticket= (from POST /_host/tickets) for a stream).\n"),
        new("JWT mount, EventSource GET with a valid bearer token",
            Request("GET", "/echo", LocalHost, EventStream, "Authorization: Bearer {token}"), 200, Answer.Stream, Lane.FastLane, Services: JwtEcho),
        new("JWT mount, EventSource GET with the token in its cookie",
            Request("GET", "/echo", LocalHost, EventStream, "Cookie: a=b; sse_token={token}"), 200, Answer.Stream, Lane.FastLane, Services: JwtEcho),
        new("JWT mount, EventSource GET with an expired token",
            Request("GET", "/echo", LocalHost, EventStream, "Authorization: Bearer {expired}"), 401, Answer.Text, Lane.FastLane, Services: JwtEcho,
            Body: "Token refused: the token has expired.\n"),
        new("JWT mount, EventSource GET with a token of the wrong scope",
            Request("GET", "/echo", LocalHost, EventStream, "Authorization: Bearer {unscoped}"), 403, Answer.Text, Lane.FastLane, Services: JwtEcho,
            Body: "Not allowed at /echo: the token's claim 'scope' does not grant 'events'.\n"),
        new("JWT mount, EventSource GET with an unknown ticket",
            Request("GET", "/echo?ticket=forged", LocalHost, EventStream), 401, Answer.Text, Lane.FastLane, Services: JwtEcho,
            Body: "Ticket refused: the ticket is not known: it was never issued here, or it expired; get a new one.\n"),
        new("JWT mount, plain GET without a token",
            Request("GET", "/echo?x=1", LocalHost), 401, Answer.Text, Lane.AspNetCore, Services: JwtEcho),
        new("EventSource GET from a page on another origin",
            Request("GET", "/echo", LocalHost, EventStream, "Origin: http://evil.test"), 403, Answer.Text, Lane.FastLane,
            Body: "Pages from http://evil.test may not use /echo (not among its Cors:AllowedOrigins).\n"),
        new("CORS mount, EventSource GET from an allowed origin",
            Request("GET", "/echo", LocalHost, EventStream, "Origin: http://app.test"), 200, Answer.Stream, Lane.FastLane, Services: CorsEcho),
        new("CORS mount, EventSource GET from an origin not listed",
            Request("GET", "/echo", LocalHost, EventStream, "Origin: http://evil.test"), 403, Answer.Text, Lane.FastLane, Services: CorsEcho),
        new("CORS and JWT mount, EventSource GET from an allowed origin without a token",
            Request("GET", "/echo", LocalHost, EventStream, "Origin: http://app.test"), 401, Answer.Text, Lane.FastLane, Services: CorsJwtEcho),
        new("rate limit: one stream per address with one stream held",
            Request("GET", "/echo", LocalHost, EventStream), 200, Answer.RetryLater, Lane.FastLane, Services: OneStreamPerAddress, HoldOneStream: true,
            Body: ": over the limit of concurrent streams per address, retry later\nretry: 2500\n\n"),
        new("rate limit: one request per 10 s with one stream opened",
            Request("GET", "/echo", LocalHost, EventStream), 200, Answer.RetryLater, Lane.FastLane, Services: OneOpenPerAddress, HoldOneStream: true,
            Body: ": over the limit of requests per second, retry later\nretry: 2500\n\n"),
        new("plugin header fields on a stream",
            Request("GET", "/h?answer=stream&h1=X-Room:%20lobby&h2=Link:%20%3C/a.css%3E;%20rel=preload&h3=x-room:%20hall", LocalHost, EventStream),
            200, Answer.Stream, Lane.FastLane, Services: HeaderMounts),
        new("plugin header fields on a reply to an EventSource request",
            Request("GET", "/h?h1=Cache-Control:%20no-store&h2=Set-Cookie:%20a=1&h3=Set-Cookie:%20b=2&h4=Retry-After:%2030", LocalHost, EventStream),
            200, Answer.Text, Lane.FastLane, Services: HeaderMounts, Body: "ok"),
        new("plugin header fields on a plain reply",
            Request("GET", "/h?h1=Cache-Control:%20no-store&h2=Location:%20/elsewhere", LocalHost), 200, Answer.Text, Lane.AspNetCore, Services: HeaderMounts, Body: "ok"),
        new("HEAD of a plugin stream with header fields",
            Request("HEAD", "/h?answer=stream&h1=X-Room:%20lobby", LocalHost, EventStream), 200, Answer.HeadOnly, Lane.AspNetCore, Services: HeaderMounts),
        new("plugin header field with CR LF in its value (refused by WithHeader)",
            Request("GET", "/h?answer=stream&h1=X-Fine:%201&h2=X-Evil:%20a%0D%0ASet-Cookie:%20injected=1", LocalHost, EventStream),
            500, Answer.Text, Lane.FastLane, Services: HeaderMounts, Body: "The service at /h failed to handle the request.\n"),
        new("plugin asks an EventSource request to retry later",
            Request("GET", "/h?answer=retry&reason=down%20for%20maintenance&h1=X-Trace:%20t1", LocalHost, EventStream),
            200, Answer.RetryLater, Lane.FastLane, Services: HeaderMounts, Body: ": down for maintenance, retry later\nretry: 2500\n\n"),
        new("plugin asks a plain request to retry later",
            Request("GET", "/h?answer=retry&reason=down%20for%20maintenance&h1=X-Trace:%20t1", LocalHost), 503, Answer.Text, Lane.AspNetCore,
            Services: HeaderMounts, Body: "down for maintenance\n"),
        new("no mount at the path, EventSource GET",
            Request("GET", "/nowhere", LocalHost, EventStream), 404, Answer.Text, Lane.AspNetCore,
            Body: "Nothing is mounted at /nowhere; GET / lists the mounts.\n"),
        new("no mount at the path, plain GET", Request("GET", "/nowhere", LocalHost), 404, Answer.Text, Lane.AspNetCore,
            Body: "Nothing is mounted at /nowhere; GET / lists the mounts.\n"),
    }.ToDictionary(c => c.Name, StringComparer.Ordinal);

    /// <summary>What the answer is, and so what of its body is compared.</summary>
    private enum Answer
    {
        /// <summary>An event stream: the first event's type (session-id).</summary>
        Stream,

        /// <summary>An event stream resumed after an id: the first event's type, then the first replayed event.</summary>
        Replay,

        /// <summary>A 200 event stream that only says to retry: its whole body (comment and retry field).</summary>
        RetryLater,

        /// <summary>A status with a body: the whole body.</summary>
        Text,

        /// <summary>An answer to HEAD: no body.</summary>
        HeadOnly,
    }

    /// <summary>Which way in the host with the fast lane on is expected to answer by.</summary>
    private enum Lane
    {
        /// <summary>Not checked.</summary>
        Unchecked,

        /// <summary>Straight off the connection: <c>Connection: close</c>, no chunks.</summary>
        FastLane,

        /// <summary>Through ASP.NET Core: the connection kept, an event stream chunked.</summary>
        AspNetCore,
    }

    public static TheoryData<string> CaseNames
    {
        get
        {
            TheoryData<string> names = [];
            foreach (string name in Cases.Keys)
            {
                names.Add(name);
            }

            return names;
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Both_ways_in_give_the_same_answer(string name)
    {
        ParityCase parity = Cases[name];
        Task<TestHost> starting = StartAsync(parity, directStreams: true);
        Task<TestHost> startingOff = StartAsync(parity, directStreams: false);
        try
        {
            await Task.WhenAll(starting, startingOff);
        }
        catch
        {
            await DisposeStartedAsync(starting);
            await DisposeStartedAsync(startingOff);
            throw;
        }

        await using TestHost direct = await starting;
        await using TestHost viaAspNetCore = await startingOff;

        Observed fromDirect = await ObserveAsync(direct, parity);
        Observed fromAspNetCore = await ObserveAsync(viaAspNetCore, parity);
        output.WriteLine($"DirectStreams true:\n{Describe(fromDirect.Raw)}\n(start) {fromDirect.Start}\n");
        output.WriteLine($"DirectStreams false:\n{Describe(fromAspNetCore.Raw)}\n(start) {fromAspNetCore.Start}");

        // The parity itself: the same head and the same start of the answer.
        Assert.Equal(fromAspNetCore.Head, fromDirect.Head);
        Assert.Equal(fromAspNetCore.Start, fromDirect.Start);

        // And the answer is the one expected.
        Assert.Equal(parity.Status, fromAspNetCore.Raw.StatusCode);
        AssertExpectedStart(parity, fromAspNetCore);
        AssertLane(Lane.AspNetCore, parity.Answer, fromAspNetCore.Raw, "DirectStreams false");
        AssertLane(parity.Lane, parity.Answer, fromDirect.Raw, "DirectStreams true");
    }

    /// <summary>A raw request head: the request line, the given header lines, the blank line.</summary>
    private static string Request(string method, string target, params string[] headerLines)
    {
        StringBuilder head = new StringBuilder(method).Append(' ').Append(target).Append(" HTTP/1.1\r\n");
        foreach (string line in headerLines)
        {
            head.Append(line).Append("\r\n");
        }

        return head.Append("\r\n").ToString();
    }

    private static Task<TestHost> StartAsync(ParityCase parity, bool directStreams)
    {
        JsonObject sseHost = parity.SseHostExtra is null ? [] : JsonNode.Parse(parity.SseHostExtra)!.AsObject();
        if (sseHost["Streams"] is not JsonObject streams)
        {
            streams = [];
            sseHost["Streams"] = streams;
        }

        streams["DirectStreams"] = directStreams;
        return TestHost.StartAsync(parity.Services, sseHost.ToJsonString(), parity.RootExtra,
            builder => builder.Services.AddSingleton<IMountPolicy, RefuseByHeaderPolicy>());
    }

    private static async Task DisposeStartedAsync(Task<TestHost> starting)
    {
        if (starting.IsCompletedSuccessfully)
        {
            await (await starting).DisposeAsync();
        }
    }

    /// <summary>Prepares the host as the case asks, sends the request on a fresh connection and reads the answer's head and start.</summary>
    private static async Task<Observed> ObserveAsync(TestHost host, ParityCase parity)
    {
        RawHttpConnection? occupant = null;
        SseStream? watcher = null;
        try
        {
            string request = parity.Request
                .Replace("{token}", TestTokens.Create(), StringComparison.Ordinal)
                .Replace("{expired}", TestTokens.Expired(), StringComparison.Ordinal)
                .Replace("{unscoped}", TestTokens.Create(scope: "other"), StringComparison.Ordinal);
            if (parity.HoldOneStream)
            {
                occupant = await RawHttpConnection.OpenAsync(host.BaseAddress);
                await occupant.SendAsync(Request("GET", "/echo", LocalHost, EventStream));
                Assert.Equal(200, (await occupant.ReadHeadAsync()).StatusCode);
                Assert.Equal("session-id", (await occupant.NextEventAsync()).EventType);
                await Eventually.TrueAsync(() => host.TotalStreams() == 1);
            }

            if (parity.Answer == Answer.Replay)
            {
                watcher = await host.OpenStreamAsync("/echo");
                List<string> ids = [];
                for (int i = 1; i <= 3; i++)
                {
                    string data = i.ToString(CultureInfo.InvariantCulture);
                    host.Broadcast("/echo", "n", data);
                    SseItem<string> seen = await watcher.NextAsync("n");
                    Assert.Equal(data, seen.Data);
                    ids.Add(seen.EventId!);
                }

                request = request.Replace("{first}", ids[0], StringComparison.Ordinal).Replace("{last}", ids[2], StringComparison.Ordinal);
            }

            using RawHttpConnection raw = await RawHttpConnection.OpenAsync(host.BaseAddress);
            await raw.SendAsync(request);
            RawResponseHead head = await raw.ReadHeadAsync();
            // What is read of the body follows the head as it came (not the answer expected), so
            // that an unexpected answer shows as a difference in the heads, not as a read timing out.
            string start;
            if (request.StartsWith("HEAD ", StringComparison.Ordinal))
            {
                start = string.Empty;
            }
            else if (head.All("Content-Type").Contains("text/event-stream") && head.All("Retry-After").Count == 0)
            {
                start = "event " + (await raw.NextEventAsync()).EventType;
                if (parity.Answer == Answer.Replay)
                {
                    await Eventually.TrueAsync(() => host.ClientCount("/echo") == 2);
                    host.Broadcast("/echo", "n", "4");
                    SseItem<string> replayed = await raw.NextEventAsync();
                    start += $", then event {replayed.EventType} {replayed.Data}";
                }
            }
            else
            {
                // A text answer, or a stream told to retry later, which ends at once.
                start = await raw.ReadBodyToEndAsync();
            }

            return new Observed(head, head.ForComparison(), start);
        }
        finally
        {
            occupant?.Dispose();
            if (watcher is not null)
            {
                await watcher.DisposeAsync();
            }
        }
    }

    /// <summary>A head as read, for the test's output and failure messages.</summary>
    private static string Describe(RawResponseHead head) =>
        head.StatusLine + "\n" + string.Join("\n", head.Headers.Select(h => h.Key + ": " + h.Value));

    private static void AssertExpectedStart(ParityCase parity, Observed observed)
    {
        switch (parity.Answer)
        {
            case Answer.Stream:
                Assert.Equal("text/event-stream", observed.Raw.Get("Content-Type"));
                Assert.Equal("event session-id", observed.Start);
                break;
            case Answer.Replay:
                Assert.Equal("event session-id, then event n 2", observed.Start);
                break;
            case Answer.RetryLater:
                Assert.Equal("text/event-stream", observed.Raw.Get("Content-Type"));
                Assert.Equal("3", observed.Raw.Get("Retry-After"));
                Assert.Equal(parity.Body ?? ": over capacity, retry later\nretry: 2500\n\n", observed.Start);
                break;
            case Answer.Text:
                Assert.NotEqual("text/event-stream", observed.Raw.Get("Content-Type"));
                if (parity.Body is not null)
                {
                    Assert.Equal(parity.Body, observed.Start);
                }

                break;
            default:
                break;
        }
    }

    private static void AssertLane(Lane lane, Answer answer, RawResponseHead head, string which)
    {
        bool eventStream = answer is Answer.Stream or Answer.Replay or Answer.RetryLater;
        switch (lane)
        {
            case Lane.FastLane:
                Assert.True(head.Get("Connection") == "close" && head.Get("Transfer-Encoding") is null,
                    $"With {which} the fast lane should answer (Connection: close, not chunked):\n{Describe(head)}");
                break;
            case Lane.AspNetCore:
                Assert.True(head.Get("Connection") != "close" && (!eventStream || head.IsChunked),
                    $"With {which} ASP.NET Core should answer (connection kept, an event stream chunked):\n{Describe(head)}");
                break;
            default:
                break;
        }
    }

    /// <summary>One case: the mounts and settings of both hosts, the request, and the answer expected.</summary>
    private sealed record ParityCase(
        string Name,
        string Request,
        int Status,
        Answer Answer,
        Lane Lane,
        string Services = EchoMounts,
        string? SseHostExtra = null,
        string? RootExtra = null,
        bool HoldOneStream = false,
        string? Body = null);

    /// <summary>What one host answered: the head as read, the head normalised for comparison, and the start of the answer.</summary>
    private sealed record Observed(RawResponseHead Raw, string Head, string Start);
}
