using System.Buffers;
using System.Diagnostics;
using System.Net.ServerSentEvents;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using SsePluginHost.Admission;
using SsePluginHost.Connections;
using SsePluginHost.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// The fast lane's front door, fuzzed over real sockets: two hosts with the same mounts and
/// policy (<see cref="RefuseByHeaderPolicy"/>), one with <c>Streams:DirectStreams</c> on and one
/// with it off, started once for the class; a fixed-seed set of generated heads
/// (<see cref="RequestHeadFuzz"/>: plain EventSource requests of <c>/echo</c> and <c>/req</c>,
/// and the same with every kind of oddity, cut short (answered when the request-headers
/// timeout, cut to a second, runs out, or at once), or followed by a body and a pipelined
/// second request) goes to each on a fresh connection. The answers must be
/// equal once what the transport decides is left out (<c>Date</c>, <c>Connection</c>,
/// <c>Transfer-Encoding</c>, <c>Content-Length</c>, <c>Keep-Alive</c>, <c>Server</c>): the
/// status line and the other fields, and the start of the answer (a stream's first event, and
/// for <c>/req</c> the request as the plugin saw it; a text body). Only a head the parser parses
/// is answered by the fast lane; a stream it serves never carries bytes of the second request;
/// and when it hands a connection over, the second request gets Kestrel's answer.
/// </summary>
public sealed class HeadFuzzParityTests(HeadFuzzParityTests.Hosts hosts, ITestOutputHelper output) : IClassFixture<HeadFuzzParityTests.Hosts>
{
    private const string Mounts = """
        {
          "/echo": { "Plugin": "Faulty", "Type": "EchoService" },
          "/req": { "Plugin": "Faulty", "Type": "RequestEchoService" }
        }
        """;

    private const string Marker = RequestHeadFuzz.SecondMarker;

    private static readonly TimeSpan ReadTimeout = RawHttpConnection.DefaultTimeout;

    /// <summary>Second requests, each carrying <see cref="Marker"/>: a 404, a text answer, a stream, a POST with a body, junk.</summary>
    private static readonly string[] Seconds =
    [
        $"GET /nowhere-{Marker} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        $"GET /echo?second={Marker} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Second: {Marker}\r\n\r\n",
        $"GET /req?second={Marker} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nX-Second: {Marker}\r\n\r\n",
        $"POST /echo?second=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {Marker.Length}\r\n\r\n{Marker}",
        $"X-Smuggled: {Marker}\r\n\r\n",
    ];

    [Fact]
    public async Task Every_generated_head_gets_the_same_answer_with_direct_streams_on_and_off()
    {
        FuzzedHead[] heads = RequestHeadFuzz.Heads(Options(truncate: true)).Sample(300, new Rnd(1111UL), 50);

        Tally tally = await RunAsync(heads);

        output.WriteLine(tally.ToString());
        Assert.True(tally.Mismatches.IsEmpty, $"{tally.Mismatches.Count} of {heads.Length} heads were answered differently:\n\n" + string.Join("\n\n", tally.Mismatches.Take(10)));
        Assert.True(tally.Direct >= 50, $"Only {tally.Direct} heads were served by the fast lane.");
        Assert.True(tally.HandedOver >= 100, $"Only {tally.HandedOver} heads were handed to ASP.NET Core.");
        Assert.True(tally.Truncated >= 20, $"Only {tally.Truncated} heads were cut short.");
    }

    [Fact]
    public async Task A_pipelined_second_request_is_never_part_of_a_direct_stream_and_gets_Kestrels_answer_when_the_connection_is_handed_over()
    {
        // Half of them plain, so that the fast lane gets a good share.
        Gen<FuzzedHead> generated = RequestHeadFuzz.Heads(Options(truncate: false));
        FuzzedHead[] heads = Gen.OneOf(generated, generated.Where(h => h.Taint is null)).Where(HasSecond).Sample(250, new Rnd(2222UL), 50);

        Tally tally = await RunAsync(heads);

        output.WriteLine(tally.ToString());
        Assert.True(tally.Mismatches.IsEmpty, $"{tally.Mismatches.Count} of {heads.Length} pipelined heads went wrong:\n\n" + string.Join("\n\n", tally.Mismatches.Take(10)));
        Assert.True(tally.DirectStreams >= 20, $"Only {tally.DirectStreams} heads got a stream from the fast lane.");
        Assert.True(tally.SecondsCompared >= 20, $"Only {tally.SecondsCompared} second requests were answered by both hosts.");
    }

    /// <summary>The integration tests' heads: mount targets, mostly this host's Host and an EventSource Accept, the test policy's header now and then.</summary>
    private static RequestHeadFuzz.Options Options(bool truncate) => new(
        Targets: Gen.Frequency(
            (6, from path in Gen.Elements("/echo", "/req", "/ECHO", "/Req", "/echo/", "/req/sub", "/echo//x", "/req/a;b=c", "/nowhere")
                from query in Gen.Frequency(
                    (4, Gen.Constant(string.Empty)),
                    (2, Gen.Elements("?a=1", "?x=%41&x=2", "?state=s", "?lastEventId=junk", "?q=/./..", "?", "?refuse=403", "?refuse=999", "?a=b?c")),
                    (1, RequestHeadFuzz.Query()))
                select path + query),
            (1, RequestHeadFuzz.PlainTargets().Select(t => "/req/" + t.TrimStart('/')))),
        Hosts: Gen.Frequency((4, Gen.Constant("127.0.0.1")), (3, RequestHeadFuzz.PlainHosts())),
        Accepts: Gen.Frequency(
            (7, Gen.Constant<string?>("Accept: text/event-stream")),
            (2, Gen.Elements<string?>(
                "accept: TEXT/Event-Stream", "Accept: text/html, text/event-stream;q=0.5", "Accept: text/event-stream;q=0", "Accept: */*", "Accept: text/html")),
            (1, Gen.Constant<string?>(null))),
        ExtraLines: Gen.Elements<string?>(
            null, null, null, null, null, null, null, null, $"{RefuseByHeaderPolicy.HeaderName}: 1", $"{RefuseByHeaderPolicy.HeaderName}: 0",
            "Connection: close", "Connection: keep-alive", "Last-Event-ID: 0"),
        Seconds: Gen.Elements(Seconds),
        Limits: HeadLimits.Default,
        Truncate: truncate);

    /// <summary>Sends every head to both hosts (sixteen at a time), compares, and counts.</summary>
    private async Task<Tally> RunAsync(FuzzedHead[] heads)
    {
        Stopwatch clock = Stopwatch.StartNew();
        Tally tally = new();
        using SemaphoreSlim gate = new(16);
        await Task.WhenAll(heads.Select(async (head, index) =>
        {
            await gate.WaitAsync();
            try
            {
                Task<Observation> direct = ObserveAsync(hosts.Direct, head);
                Task<Observation> viaAspNetCore = ObserveAsync(hosts.ViaAspNetCore, head);
                await Task.WhenAll(direct, viaAspNetCore);
                Compare(index, head, await direct, await viaAspNetCore, tally);
            }
            finally
            {
                gate.Release();
            }
        }));
        tally.Elapsed = clock.Elapsed;
        return tally;
    }

    private static void Compare(int index, FuzzedHead head, Observation direct, Observation viaAspNetCore, Tally tally)
    {
        List<string> wrong = [];
        bool fastLane = direct.First.Answered && direct.First.ClosesConnection && viaAspNetCore.First.Answered && !viaAspNetCore.First.ClosesConnection;
        HeadParse verdict = RequestHeadParser.TryParse(new ReadOnlySequence<byte>(head.Bytes()), out _);
        if (direct.First.Text != viaAspNetCore.First.Text)
        {
            wrong.Add("the answers differ");
        }

        if (fastLane && verdict != HeadParse.Parsed)
        {
            wrong.Add($"the fast lane answered a head the parser says is {verdict}");
        }

        foreach (Observation seen in new[] { direct, viaAspNetCore })
        {
            if (seen.First.EventData.Contains(Marker, StringComparison.Ordinal))
            {
                wrong.Add("the stream carried bytes of the second request");
            }
        }

        bool pipelined = HasSecond(head);
        if (pipelined && fastLane && direct.Second is { } after && after.Text != "(closed)")
        {
            wrong.Add("the fast lane answered something after its own answer");
        }
        else if (pipelined && !fastLane && direct.Second?.Text != viaAspNetCore.Second?.Text)
        {
            wrong.Add("the second request was answered differently");
        }

        lock (tally)
        {
            tally.Truncated += head.Truncated ? 1 : 0;
            tally.Unanswered += direct.First.Text == "(no answer)" ? 1 : 0;
            tally.Direct += fastLane ? 1 : 0;
            tally.DirectStreams += fastLane && direct.First.IsStream ? 1 : 0;
            tally.HandedOver += fastLane ? 0 : 1;
            tally.SecondsCompared += pipelined && !fastLane && viaAspNetCore.Second is { Text: not "(closed)" } ? 1 : 0;
            if (wrong.Count > 0)
            {
                tally.Mismatches = tally.Mismatches.Add(
                    $"#{index} {string.Join("; ", wrong)} (parser: {verdict})\n{head}\n"
                    + $"DirectStreams true:\n{direct}\nDirectStreams false:\n{viaAspNetCore}");
            }
        }
    }

    /// <summary>Sends the head and what follows it on a fresh connection and reads the answer (to a head cut short, the 408 of the head timeout), and the second one when the first ended.</summary>
    private static async Task<Observation> ObserveAsync(TestHost host, FuzzedHead head)
    {
        using RawHttpConnection raw = await RawHttpConnection.OpenAsync(host.BaseAddress);
        try
        {
            await raw.SendAsync(head.Bytes());
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            // Closed by the server before it had it all: what it answered is still read.
        }

        Answer first = await ReadAnswerAsync(raw, FirstLine(head.Head));
        Answer? second = null;
        if (HasSecond(head) && first.Ended)
        {
            string text = Encoding.Latin1.GetString(head.After);
            second = await ReadAnswerAsync(raw, text.Split('\n').FirstOrDefault(l => l.Contains(Marker, StringComparison.Ordinal)) ?? string.Empty);
        }

        return new Observation(first, second);
    }

    /// <summary>
    /// The next answer, as text: the normalised head, then for a stream its first event's type
    /// (and, from <c>/req</c>, the request the plugin saw), for HEAD nothing, for anything else
    /// the body; or what happened instead (no answer, closed).
    /// </summary>
    private static async Task<Answer> ReadAnswerAsync(RawHttpConnection raw, string requestLine)
    {
        RawResponseHead head;
        try
        {
            head = await raw.ReadHeadAsync(ReadTimeout);
        }
        catch (TimeoutException)
        {
            return new Answer("(no answer)", Ended: false, ClosesConnection: false, IsStream: false, EventData: string.Empty);
        }
        catch (IOException)
        {
            return new Answer("(closed)", Ended: false, ClosesConnection: false, IsStream: false, EventData: string.Empty);
        }

        string normalised = head.ForComparison();
        bool closes = head.All("Connection").Any(v => v.Contains("close", StringComparison.OrdinalIgnoreCase));
        if (requestLine.StartsWith("HEAD ", StringComparison.Ordinal))
        {
            return new Answer(normalised + "(HEAD: no body read)", Ended: true, closes, IsStream: false, EventData: string.Empty);
        }

        if (head.All("Content-Type").Any(t => t.StartsWith("text/event-stream", StringComparison.Ordinal)) && head.All("Retry-After").Count == 0)
        {
            StringBuilder text = new(normalised);
            StringBuilder data = new();
            try
            {
                SseItem<string> first = await raw.NextEventAsync(timeout: ReadTimeout);
                text.Append("event ").Append(first.EventType);
                data.Append(first.Data);
                if (IsRequestEchoMount(requestLine))
                {
                    SseItem<string> request = await raw.NextEventAsync("request", ReadTimeout);
                    text.Append(", then the request ").Append(Describe(request.Data));
                    data.Append('\n').Append(request.Data);
                }
            }
            catch (Exception ex) when (ex is TimeoutException or IOException or InvalidOperationException)
            {
                text.Append(" (").Append(ex.GetType().Name).Append(')');
            }

            return new Answer(text.ToString(), Ended: false, closes, IsStream: true, EventData: data.ToString());
        }

        try
        {
            return new Answer(normalised + await raw.ReadBodyToEndAsync(ReadTimeout), Ended: true, closes, IsStream: false, EventData: string.Empty);
        }
        catch (Exception ex) when (ex is TimeoutException or IOException)
        {
            return new Answer(normalised + $"(body: {ex.GetType().Name})", Ended: false, closes, IsStream: false, EventData: string.Empty);
        }
    }

    /// <summary>Whether a second request follows the head (and its body, if any).</summary>
    private static bool HasSecond(FuzzedHead head) =>
        !head.Truncated && Encoding.Latin1.GetString(head.After).Contains(Marker, StringComparison.Ordinal);

    /// <summary>The request line of a head (up to its first LF, without a CR), as Latin-1.</summary>
    private static string FirstLine(byte[] head)
    {
        string text = Encoding.Latin1.GetString(head);
        int lf = text.IndexOf('\n', StringComparison.Ordinal);
        return (lf < 0 ? text : text[..lf]).TrimEnd('\r');
    }

    /// <summary>Whether the request line asks for the <c>/req</c> mount, whose stream starts with the request as the plugin saw it.</summary>
    private static bool IsRequestEchoMount(string requestLine)
    {
        string[] parts = requestLine.Split(' ');
        if (parts.Length < 2)
        {
            return false;
        }

        string target = parts[1];
        int scheme = target.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            int slash = target.IndexOf('/', scheme + 3);
            target = slash < 0 ? "/" : target[slash..];
        }

        string path = target.Split('?')[0];
        return path.Equals("/req", StringComparison.OrdinalIgnoreCase) || path.StartsWith("/req/", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The request as <c>RequestEchoService</c> shows it, with its query and headers sorted (header names lower-cased), for comparison.</summary>
    private static string Describe(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        JsonElement request = document.RootElement;
        StringBuilder text = new();
        foreach (string field in new[] { "Method", "MountPath", "SubPath", "RemoteAddress", "AcceptsEventStream", "AcceptsHtml" })
        {
            text.Append(field).Append('=').Append(request.GetProperty(field).ToString()).Append("; ");
        }

        text.Append("Query=[").Append(string.Join(", ", Sorted(request.GetProperty("Query"), lowerCaseNames: false))).Append("]; ");
        text.Append("Headers=[").Append(string.Join(", ", Sorted(request.GetProperty("Headers"), lowerCaseNames: true))).Append(']');
        return text.ToString();

        static IEnumerable<string> Sorted(JsonElement map, bool lowerCaseNames) =>
            map.EnumerateObject()
                .Select(p => (lowerCaseNames ? p.Name.ToLowerInvariant() : p.Name) + "=" + p.Value.GetString())
                .Order(StringComparer.Ordinal);
    }

    /// <summary>Both hosts, started once for the class: the same mounts and policy, direct streams on and off.</summary>
    public sealed class Hosts : IAsyncLifetime
    {
        private TestHost? _direct;
        private TestHost? _viaAspNetCore;

        internal TestHost Direct => _direct ?? throw new InvalidOperationException("Not started.");

        internal TestHost ViaAspNetCore => _viaAspNetCore ?? throw new InvalidOperationException("Not started.");

        public async Task InitializeAsync()
        {
            Task<TestHost> direct = StartAsync(directStreams: true);
            Task<TestHost> viaAspNetCore = StartAsync(directStreams: false);
            try
            {
                await Task.WhenAll(direct, viaAspNetCore);
            }
            catch
            {
                // The one that did start is not left running.
                foreach (Task<TestHost> started in new[] { direct, viaAspNetCore }.Where(t => t.IsCompletedSuccessfully))
                {
                    await (await started).DisposeAsync();
                }

                throw;
            }

            _direct = await direct;
            _viaAspNetCore = await viaAspNetCore;
        }

        public async Task DisposeAsync()
        {
            if (_direct is not null)
            {
                await _direct.DisposeAsync();
            }

            if (_viaAspNetCore is not null)
            {
                await _viaAspNetCore.DisposeAsync();
            }
        }

        /// <summary>
        /// A host with the test policy, and Kestrel's request-headers timeout (which the fast lane
        /// keeps too) cut to a second, so that a head cut short is answered 408 soon.
        /// </summary>
        private static Task<TestHost> StartAsync(bool directStreams) =>
            TestHost.StartAsync(Mounts, $$"""{ "Streams": { "DirectStreams": {{(directStreams ? "true" : "false")}} } }""", null,
                builder =>
                {
                    builder.Services.AddSingleton<IMountPolicy, RefuseByHeaderPolicy>();
                    builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(1));
                });
    }

    /// <summary>One answer as compared, whether the body ended (so a second answer can follow), whether it closes the connection, whether it is a stream, and the data of the events read.</summary>
    private sealed record Answer(string Text, bool Ended, bool ClosesConnection, bool IsStream, string EventData)
    {
        /// <summary>Whether a response head came (rather than nothing, or the connection closing).</summary>
        public bool Answered => !Text.StartsWith('(');

        public override string ToString() => Text;
    }

    /// <summary>What one host answered: to the head, and to what was pipelined after it when the first answer ended.</summary>
    private sealed record Observation(Answer First, Answer? Second)
    {
        public override string ToString() => First.Text.TrimEnd('\n') + (Second is null ? string.Empty : "\n--- then:\n" + Second.Text.TrimEnd('\n'));
    }

    /// <summary>The counts of a run and what went wrong.</summary>
    private sealed class Tally
    {
        public int Direct { get; set; }

        public int DirectStreams { get; set; }

        public int HandedOver { get; set; }

        public int SecondsCompared { get; set; }

        public int Truncated { get; set; }

        public int Unanswered { get; set; }

        public System.Collections.Immutable.ImmutableList<string> Mismatches { get; set; } = [];

        public TimeSpan Elapsed { get; set; }

        public override string ToString() =>
            $"{Direct + HandedOver} heads in {Elapsed.TotalSeconds:F1} s: {Direct} answered by the fast lane ({DirectStreams} streams), "
            + $"{HandedOver} handed over, {Truncated} cut short, {Unanswered} not answered within {ReadTimeout.TotalSeconds} s, "
            + $"{SecondsCompared} second requests answered; {Mismatches.Count} wrong";
    }
}
