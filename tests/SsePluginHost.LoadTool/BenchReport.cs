using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SsePluginHost.LoadTool;

/// <summary>Prints a <see cref="BenchResult"/>: aligned lines for people, or one JSON object.</summary>
internal static class BenchReport
{
    private const int KeyWidth = 22;

    public static void WriteText(TextWriter output, BenchResult r)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(r);
        StringBuilder b = new();
        void Line(string key, string value) => b.Append(key.PadRight(KeyWidth)).Append(value).Append('\n');

        Line("label", r.Label ?? "(none)");
        string sources = r.Sources switch
        {
            0 => "the default source address",
            1 => "127.0.0.2",
            _ => F($"{r.Sources} source addresses 127.0.0.2..127.0.0.{r.Sources + 1}"),
        };
        Line("subscribe", $"{r.Subscribe} from {sources}");
        if (r.Publish is not null)
        {
            Line("publish", r.Publish);
        }

        Line("streams", F($"requested {r.Requested}, connected {r.Connected}, failed {r.Failed}, ended by server {r.EndedByServer}"));
        foreach ((string reason, int count) in r.FailureReasons)
        {
            Line("  failed", F($"{count} x {reason}"));
        }

        foreach ((string reason, int count) in r.EndReasons)
        {
            Line("  ended", F($"{count} x {reason}"));
        }

        Line("connect", F($"total {r.ConnectSeconds:0.000} s, per stream p50 {r.ConnectP50Ms:0.###} ms, p99 {r.ConnectP99Ms:0.###} ms, max {r.ConnectMaxMs:0.###} ms"));
        if (r.Unsettled > 0)
        {
            Line("  no first bytes", F($"{r.Unsettled} stream(s) had received nothing when --settle-timeout ran out"));
        }

        if (r.ServerPid is not null)
        {
            Line("server pid", F($"{r.ServerPid}"));
            string idle = r.RssAfterIdle is null ? "" : $", after idle {Mib(r.RssAfterIdle)}";
            Line("server rss", $"before {Mib(r.RssBefore)}, after connect {Mib(r.RssAfterConnect)}{idle}, after run {Mib(r.RssAfterRun)}");
            string afterIdle = r.RssPerStreamAfterIdle is { } perStreamIdle ? F($", after idle {perStreamIdle / 1024:0.0} KiB") : "";
            Line("rss per stream", (r.RssPerStream is { } perStream ? F($"{perStream / 1024:0.0} KiB") : "-") + afterIdle);
        }

        if (r.IdleSeconds is { } idleSeconds)
        {
            string server = r.IdleServerCpuSeconds is { } cpu ? F($"server cpu {cpu:0.00} s ({cpu / idleSeconds * 100:0.0}% of a core)") : "server cpu -";
            Line("idle", F($"{idleSeconds:0.0} s: {server}, tool cpu {r.IdleToolCpuSeconds:0.00} s, streams open after {r.OpenAfterIdle}"));
        }

        if (r.Publish is not null && r.EventsRequested > 0)
        {
            string rate = r.TargetRate > 0 ? F($"target {r.TargetRate:0.#}/s") : "as fast as accepted";
            Line("events", F($"published {r.Published} of {r.EventsRequested} ({r.Size} B each, {rate}, {r.PublishConcurrency} in flight), errors {r.PublishErrors}"));
            if (r.FirstPublishError is not null)
            {
                Line("  first error", r.FirstPublishError);
            }

            Line("publish", F($"{Num(r.PublishSeconds, "0.000")} s, {Num(r.PublishRate, "0")} events/s"));
            Line("deliveries", F($"expected {r.Expected}, received {r.Received}, lost {r.Lost}, duplicated {r.Duplicated}{(r.Foreign > 0 ? $", foreign {r.Foreign}" : "")}{(r.DrainTimedOut ? " (drain timed out)" : "")}"));
            Line("received bytes", F($"{r.BytesReceived} ({(r.Received > 0 ? (double)r.BytesReceived / r.Received : 0):0.0} per delivery, all streams)"));
            Line("delivered", F($"{Num(r.DeliveredPerSecond, "0")} events/s over {Num(r.DeliveryWindowSeconds, "0.000")} s (first publish to last delivery)"));
            Line("latency ms", F($"p50 {r.LatencyP50Ms:0.###}, p90 {r.LatencyP90Ms:0.###}, p99 {r.LatencyP99Ms:0.###}, p99.9 {r.LatencyP999Ms:0.###}, max {r.LatencyMaxMs:0.###}, mean {r.LatencyMeanMs:0.###}"));
            if (r.PublishServerCpuSeconds is { } serverCpu)
            {
                Line("server cpu", F($"{serverCpu:0.00} s over publish+drain, {Num(r.ServerCpuMicrosPerDelivery, "0.00")} us per delivered event"));
            }

            Line("tool cpu", F($"{r.PublishToolCpuSeconds:0.00} s over publish+drain"));
        }

        Line("run", F($"{r.WallSeconds:0.0} s wall, tool cpu {r.ToolCpuSeconds:0.00} s{(r.DeadlineHit ? ", stopped by --max-seconds" : "")}"));
        Line("result", r.Completed ? "ok" : "FAILED");
        output.Write(b.ToString());
    }

    public static void WriteJson(TextWriter output, BenchResult r)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(r);
        using MemoryStream stream = new();
        using (Utf8JsonWriter w = new(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("label", r.Label);
            w.WriteString("subscribe", r.Subscribe);
            w.WriteString("publish", r.Publish);
            w.WriteNumber("sources", r.Sources);

            w.WriteStartObject("streams");
            w.WriteNumber("requested", r.Requested);
            w.WriteNumber("connected", r.Connected);
            w.WriteNumber("failed", r.Failed);
            w.WriteNumber("endedByServer", r.EndedByServer);
            w.WriteNumber("unsettled", r.Unsettled);
            Reasons(w, "failureReasons", r.FailureReasons);
            Reasons(w, "endReasons", r.EndReasons);
            w.WriteEndObject();

            w.WriteStartObject("connect");
            w.WriteNumber("totalSeconds", r.ConnectSeconds);
            w.WriteNumber("p50Ms", r.ConnectP50Ms);
            w.WriteNumber("p99Ms", r.ConnectP99Ms);
            w.WriteNumber("maxMs", r.ConnectMaxMs);
            w.WriteEndObject();

            w.WriteStartObject("server");
            Number(w, "pid", r.ServerPid);
            Number(w, "rssBeforeBytes", r.RssBefore);
            Number(w, "rssAfterConnectBytes", r.RssAfterConnect);
            Number(w, "rssAfterIdleBytes", r.RssAfterIdle);
            Number(w, "rssAfterRunBytes", r.RssAfterRun);
            Number(w, "rssPerStreamBytes", r.RssPerStream);
            Number(w, "rssPerStreamAfterIdleBytes", r.RssPerStreamAfterIdle);
            Number(w, "cpuPublishSeconds", r.PublishServerCpuSeconds);
            Number(w, "cpuIdleSeconds", r.IdleServerCpuSeconds);
            Number(w, "cpuMicrosPerDelivery", r.ServerCpuMicrosPerDelivery);
            w.WriteEndObject();

            w.WriteStartObject("idle");
            Number(w, "seconds", r.IdleSeconds);
            Number(w, "serverCpuSeconds", r.IdleServerCpuSeconds);
            Number(w, "toolCpuSeconds", r.IdleToolCpuSeconds);
            Number(w, "streamsOpenAfter", r.OpenAfterIdle);
            w.WriteEndObject();

            w.WriteStartObject("publish");
            w.WriteNumber("eventsRequested", r.EventsRequested);
            w.WriteNumber("published", r.Published);
            w.WriteNumber("errors", r.PublishErrors);
            w.WriteString("firstError", r.FirstPublishError);
            Number(w, "durationSeconds", r.PublishSeconds);
            Number(w, "ratePerSecond", r.PublishRate);
            w.WriteNumber("targetRate", r.TargetRate);
            w.WriteNumber("concurrency", r.PublishConcurrency);
            w.WriteNumber("sizeBytes", r.Size);
            w.WriteEndObject();

            w.WriteStartObject("deliveries");
            w.WriteNumber("expected", r.Expected);
            w.WriteNumber("received", r.Received);
            w.WriteNumber("lost", r.Lost);
            w.WriteNumber("duplicated", r.Duplicated);
            w.WriteNumber("foreign", r.Foreign);
            w.WriteNumber("bytesReceived", r.BytesReceived);
            w.WriteBoolean("drainTimedOut", r.DrainTimedOut);
            Number(w, "windowSeconds", r.DeliveryWindowSeconds);
            Number(w, "perSecond", r.DeliveredPerSecond);
            w.WriteEndObject();

            w.WriteStartObject("latencyMs");
            w.WriteNumber("count", r.LatencyCount);
            w.WriteNumber("p50", r.LatencyP50Ms);
            w.WriteNumber("p90", r.LatencyP90Ms);
            w.WriteNumber("p99", r.LatencyP99Ms);
            w.WriteNumber("p999", r.LatencyP999Ms);
            w.WriteNumber("max", r.LatencyMaxMs);
            w.WriteNumber("mean", Math.Round(r.LatencyMeanMs, 3));
            w.WriteEndObject();

            w.WriteStartObject("tool");
            w.WriteNumber("cpuSeconds", r.ToolCpuSeconds);
            Number(w, "cpuPublishSeconds", r.PublishToolCpuSeconds);
            Number(w, "cpuIdleSeconds", r.IdleToolCpuSeconds);
            w.WriteNumber("wallSeconds", Math.Round(r.WallSeconds, 3));
            w.WriteEndObject();

            w.WriteBoolean("deadlineHit", r.DeadlineHit);
            w.WriteBoolean("completed", r.Completed);
            w.WriteNumber("exitCode", r.ExitCode);
            w.WriteEndObject();
        }

        output.WriteLine(Encoding.UTF8.GetString(stream.ToArray()));
    }

    private static void Reasons(Utf8JsonWriter w, string name, SortedDictionary<string, int> reasons)
    {
        w.WriteStartObject(name);
        foreach ((string reason, int count) in reasons)
        {
            w.WriteNumber(reason, count);
        }

        w.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v))
        {
            w.WriteNumber(name, Math.Round(v, 6));
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static void Number(Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Num(double? value, string format) => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "-";

    private static string Mib(long? bytes) => bytes is { } v ? (v / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture) + " MiB" : "-";
}
