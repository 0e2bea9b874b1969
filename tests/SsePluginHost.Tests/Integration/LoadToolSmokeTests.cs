using System.Diagnostics;
using System.Text;
using System.Text.Json;
using SsePluginHost.LoadTool;
using SsePluginHost.Tests.Infrastructure;
using SseBench = SsePluginHost.LoadTool.Program;

namespace SsePluginHost.Tests.Integration;

/// <summary>The load tool (ssebench), run in-process against the real host; and its stream parser.</summary>
public sealed class LoadToolSmokeTests
{
    private const string Bench = """{ "/bench": { "Plugin": "Faulty", "Type": "SecondService", "History": { "Count": 0 } } }""";

    [Fact]
    public async Task Fifty_clients_get_all_two_hundred_events_exactly_once()
    {
        await using TestHost host = await TestHost.StartAsync(Bench);
        string baseUrl = host.BaseAddress.ToString().TrimEnd('/');
        using StringWriter output = new();
        using StringWriter error = new();
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(60));

        int exitCode = await SseBench.RunAsync(
            [
                "--subscribe", $"{baseUrl}/bench",
                "--publish", $"{baseUrl}/_host/publish/bench?event=bench",
                "--clients", "50",
                "--events", "200",
                "--rate", "0",
                "--server-pid", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--max-seconds", "60",
                "--label", "smoke",
                "--json",
            ],
            output,
            error,
            timeout.Token);

        string json = output.ToString();
        Assert.True(exitCode == 0, $"exit code {exitCode}\n{json}\n{error}");
        using JsonDocument report = JsonDocument.Parse(json);
        JsonElement root = report.RootElement;
        Assert.Equal(50, root.GetProperty("streams").GetProperty("connected").GetInt32());
        Assert.Equal(0, root.GetProperty("streams").GetProperty("failed").GetInt32());
        JsonElement deliveries = root.GetProperty("deliveries");
        Assert.Equal(10_000, deliveries.GetProperty("expected").GetInt64());
        Assert.Equal(10_000, deliveries.GetProperty("received").GetInt64());
        Assert.Equal(0, deliveries.GetProperty("lost").GetInt64());
        Assert.Equal(0, deliveries.GetProperty("duplicated").GetInt64());
        Assert.Equal(200, root.GetProperty("publish").GetProperty("published").GetInt64());
        Assert.True(root.GetProperty("server").GetProperty("rssBeforeBytes").GetInt64() > 0);
    }

    [Fact]
    public async Task Usage_errors_exit_2_with_one_line()
    {
        using StringWriter output = new();
        using StringWriter error = new();

        int exitCode = await SseBench.RunAsync(["--clients", "3"], output, error, CancellationToken.None);

        Assert.Equal(2, exitCode);
        Assert.Contains("--subscribe", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_parser_reads_bench_events_however_the_bytes_are_split_and_ignores_the_rest()
    {
        // What a hub may send: a session id that starts with digits, retry, comments, pings,
        // CRLF and CR line ends, a bench event split over two data lines, a duplicate, an
        // out-of-range number, and an event whose data is not "<seq> <ticks>".
        long t = Stopwatch.GetTimestamp();
        string stream =
            "event: session-id\ndata: 3q2-7wEXAMPLE\n\n" +
            "retry: 3000\n\n" +
            ": comment\n\n" +
            $"id: 1\nevent: bench\ndata: 0 {t} xxxxxxxx\n\n" +
            $"event: bench\r\ndata: 1 {t} xx\r\n\r\n" +
            $"data:2 {t}\r\rdata: 3 {t} x\ndata: second line 9 9\n\n" +
            "event: ping\ndata: 1700000000\n\n" +
            $"data: 1 {t} again\n\n" +
            $"data: 99 {t} out of range\n\n" +
            "data: 4 nope\n\n" +
            "data\n\n" +
            $"data: 4 {t}";  // not dispatched: no blank line yet
        byte[] body = Encoding.ASCII.GetBytes(stream);
        byte[] chunked = Chunk(body, 7);

        for (int split = 0; split <= chunked.Length; split++)
        {
            DeliveryLog log = new(5, new LatencyHistogram());
            BodyDecoder decoder = new(new EventStreamScanner(log), chunked: true, contentLength: -1);
            Assert.True(decoder.Feed(chunked.AsSpan(0, split), t));
            Assert.True(decoder.Feed(chunked.AsSpan(split), t));

            Assert.Equal(4, log.Distinct);
            Assert.Equal(1, log.Duplicates);
            Assert.Equal(1, log.Foreign);
            Assert.Equal(1, log.CountMissing([0b11111UL]));
        }

        // The same bytes, close-delimited and fed one byte at a time.
        DeliveryLog plain = new(5, new LatencyHistogram());
        BodyDecoder identity = new(new EventStreamScanner(plain), chunked: false, contentLength: -1);
        foreach (byte b in body)
        {
            Assert.True(identity.Feed([b], t));
        }

        Assert.Equal(4, plain.Distinct);

        // The last chunk ends the body.
        DeliveryLog ended = new(5, new LatencyHistogram());
        BodyDecoder last = new(new EventStreamScanner(ended), chunked: true, contentLength: -1);
        Assert.False(last.Feed([.. chunked, .. "0\r\n\r\n"u8], t));
        Assert.Null(last.Error);
    }

    [Fact]
    public void The_histogram_buckets_are_within_two_percent()
    {
        LatencyHistogram histogram = new();
        for (long v = 1; v <= 1_000_000; v++)
        {
            histogram.Record(v);
        }

        Assert.Equal(1_000_000, histogram.Max);
        Assert.InRange(histogram.ValueAtPercentile(50), 500_000, 510_000);
        Assert.InRange(histogram.ValueAtPercentile(99), 990_000, 1_000_000);
        Assert.Equal(100, histogram.ValueAtPercentile(0.01));
    }

    private static byte[] Chunk(byte[] body, int size)
    {
        List<byte> result = [];
        for (int i = 0; i < body.Length; i += size)
        {
            int n = Math.Min(size, body.Length - i);
            result.AddRange(Encoding.ASCII.GetBytes($"{n:x}\r\n"));
            result.AddRange(body.AsSpan(i, n));
            result.AddRange("\r\n"u8);
        }

        return [.. result];
    }
}
