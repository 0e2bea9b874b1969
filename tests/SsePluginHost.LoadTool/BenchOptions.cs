using System.Globalization;

namespace SsePluginHost.LoadTool;

/// <summary>The command line of <c>ssebench</c>.</summary>
internal sealed class BenchOptions
{
    /// <summary>Connections per source address when <c>--sources</c> is not given.</summary>
    public const int SocketsPerSource = 10_000;

    public const string Usage = """
        ssebench: a load tool for Server-Sent Events hubs that take events by HTTP POST.

        Opens N event streams with raw sockets, publishes M numbered, time-stamped events by POST,
        and reports what arrived (lost, duplicated), how late (latency percentiles), and what the
        server spent on it (RSS and CPU from /proc). Targets must be loopback addresses.

        Usage:
          ssebench --subscribe URL [--publish URL] [options]

        Examples:
          ssebench --subscribe http://127.0.0.1:3080/bench --publish 'http://127.0.0.1:3080/_host/publish/bench?event=bench' \
                   --clients 1000 --events 20000 --server-pid 1234        # this host
          ssebench --subscribe http://127.0.0.1:8080/sub?id=bench --publish 'http://127.0.0.1:8080/pub?id=bench'  # Nchan
          ssebench --subscribe http://127.0.0.1:5000/events --publish http://127.0.0.1:5000/publish              # a plain ASP.NET Core hub
          ssebench --subscribe http://127.0.0.1:3080/bench --clients 5000 --idle-seconds 10 --server-pid 1234    # idle streams

        Options:
          --subscribe URL            the EventSource URL each client opens (required; http only); given
                                     several times (or as URL,URL,...), the clients take them in turn:
                                     several hosts of one cluster, say
          --publish URL              where events are POSTed (body: text/plain, the event's data);
                                     omit for a connect/idle-only run
          --clients N                event streams to open (default 100)
          --events M                 events to publish (default 1000)
          --rate R                   events per second; 0 = as fast as the hub accepts them, with
                                     --publish-concurrency POSTs in flight (default 0)
          --publish-concurrency K    POSTs in flight at most, and publishing connections (default 4)
          --size BYTES               size of each event's data: "<seq> <ticks> " padded with 'x' (default 100)
          --sources K                spread the streams over source addresses 127.0.0.2 .. 127.0.0.(K+1)
                                     (default: enough for at most 10,000 streams per address)
          --server-pid PID           read the server's RSS and CPU time from /proc/PID before and after
          --idle-seconds S           after connecting, hold the streams idle S seconds and measure the
                                     server's CPU meanwhile and its RSS per stream (default 0)
          --idle-warmup S            wait S seconds, unmeasured, between connecting and the idle
                                     window (default 0)
          --connect-timeout S        per stream: TCP connect and response headers (default 10)
          --settle-timeout S         after connecting, wait up to S seconds for every stream's first
                                     bytes before measuring, idling or publishing (a hub may register
                                     a stream only after sending its headers; its first event shows
                                     it is registered) (default 2)
          --drain-timeout S          after the last publish, wait up to S seconds for deliveries (default 10)
          --max-seconds S            stop everything after S seconds and report what was measured (default 300)
          --expect-events N          without --publish: another ssebench publishes; wait until every
                                     stream has bench events 0 .. N-1 and report them (lost,
                                     duplicated, latency: the clock is the machine's, shared)
          --ready-file PATH          write PATH once every stream is connected and has its first bytes
          --header NAME:VALUE        an extra request header on every subscription (repeatable)
          --label TEXT               a name for this run, printed in the report
          --json                     print one JSON object instead of the text report
          -h, --help                 show this help

        Only data lines of the form "<seq> <ticks> ..." count; other events (session-id, ping,
        retry, comments) are ignored. Latency is the receive time minus the publish time, both from
        this process's Stopwatch.

        Exit code: 0 when every stream connected and stayed open, every event was published, and
        none was lost or duplicated (idle runs: every stream connected and stayed open);
        1 otherwise (or when --max-seconds ran out); 2 for usage errors.
        """;

    public Uri Subscribe { get; private set; } = null!;

    /// <summary>Every URL given with --subscribe; client i opens the (i mod count)th.</summary>
    public IReadOnlyList<Uri> SubscribeAll { get; private set; } = [];

    public Uri? Publish { get; private set; }

    public int Clients { get; private set; } = 100;

    /// <summary>Bench events another process publishes that every stream must get (subscribe-only runs).</summary>
    public int ExpectEvents { get; private set; }

    /// <summary>A file written once every stream is connected and settled.</summary>
    public string? ReadyFile { get; private set; }

    public int Events { get; private set; } = 1000;

    public double Rate { get; private set; }

    public int PublishConcurrency { get; private set; } = 4;

    public int Size { get; private set; } = 100;

    public int? Sources { get; private set; }

    public int? ServerPid { get; private set; }

    public double IdleSeconds { get; private set; }

    /// <summary>Seconds to wait, unmeasured, between connecting and the idle window.</summary>
    public double IdleWarmupSeconds { get; private set; }

    public double ConnectTimeoutSeconds { get; private set; } = 10;

    public double SettleTimeoutSeconds { get; private set; } = 2;

    public double DrainTimeoutSeconds { get; private set; } = 10;

    public double MaxSeconds { get; private set; } = 300;

    public bool Json { get; private set; }

    public bool Help { get; private set; }

    public string? Label { get; private set; }

    public List<KeyValuePair<string, string>> Headers { get; } = [];

    /// <summary>Parses the arguments; throws <see cref="UsageException"/> with a one-line reason.</summary>
    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        BenchOptions o = new();
        string? subscribe = null;
        List<string> subscribeAll = [];
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            string name = arg;
            string? inline = null;
            int eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                name = arg[..eq];
                inline = arg[(eq + 1)..];
            }

            string Value()
            {
                if (inline is not null)
                {
                    return inline;
                }

                if (i + 1 >= args.Count)
                {
                    throw new UsageException($"{name} needs a value");
                }

                return args[++i];
            }

            switch (name)
            {
                case "-h" or "--help":
                    o.Help = true;
                    break;
                case "--json":
                    o.Json = true;
                    break;
                case "--subscribe":
                    subscribe = Value();
                    subscribeAll.AddRange(subscribe.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                    break;
                case "--publish":
                    o.Publish = ParseUrl(name, Value());
                    break;
                case "--clients":
                    o.Clients = ParseInt(name, Value(), 1, 1_000_000);
                    break;
                case "--events":
                    o.Events = ParseInt(name, Value(), 0, 100_000_000);
                    break;
                case "--rate":
                    o.Rate = ParseDouble(name, Value(), 0, 10_000_000);
                    break;
                case "--publish-concurrency":
                    o.PublishConcurrency = ParseInt(name, Value(), 1, 1024);
                    break;
                case "--size":
                    o.Size = ParseInt(name, Value(), 1, 16 * 1024 * 1024);
                    break;
                case "--sources":
                    o.Sources = ParseInt(name, Value(), 1, 253);
                    break;
                case "--server-pid":
                    o.ServerPid = ParseInt(name, Value(), 1, int.MaxValue);
                    break;
                case "--idle-seconds":
                    o.IdleSeconds = ParseDouble(name, Value(), 0, 86_400);
                    break;
                case "--idle-warmup":
                    o.IdleWarmupSeconds = ParseDouble(name, Value(), 0, 3_600);
                    break;
                case "--connect-timeout":
                    o.ConnectTimeoutSeconds = ParseDouble(name, Value(), 0.001, 3600);
                    break;
                case "--settle-timeout":
                    o.SettleTimeoutSeconds = ParseDouble(name, Value(), 0, 3600);
                    break;
                case "--drain-timeout":
                    o.DrainTimeoutSeconds = ParseDouble(name, Value(), 0, 3600);
                    break;
                case "--max-seconds":
                    o.MaxSeconds = ParseDouble(name, Value(), 0.001, 86_400);
                    break;
                case "--label":
                    o.Label = Value();
                    break;
                case "--expect-events":
                    o.ExpectEvents = ParseInt(name, Value(), 0, 100_000_000);
                    break;
                case "--ready-file":
                    o.ReadyFile = Value();
                    break;
                case "--header":
                    o.Headers.Add(ParseHeader(Value()));
                    break;
                default:
                    throw new UsageException($"unknown option '{arg}' (--help lists the options)");
            }
        }

        if (o.Help)
        {
            return o;
        }

        if (subscribe is null)
        {
            throw new UsageException("--subscribe URL is required (--help lists the options)");
        }

        if (o.ExpectEvents > 0 && o.Publish is not null)
        {
            throw new UsageException("--expect-events is for a run that does not publish: drop --publish");
        }

        o.SubscribeAll = [.. subscribeAll.Select(u => ParseUrl("--subscribe", u))];
        o.Subscribe = o.SubscribeAll[0];
        return o;
    }

    private static Uri ParseUrl(string name, string value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) || uri.Scheme != Uri.UriSchemeHttp)
        {
            throw new UsageException($"{name} must be an absolute http:// URL, not '{value}'");
        }

        return uri;
    }

    private static int ParseInt(string name, string value, int min, int max)
    {
        string digits = value.Replace("_", "", StringComparison.Ordinal).Replace(",", "", StringComparison.Ordinal);
        if (!int.TryParse(digits, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) || n < min || n > max)
        {
            throw new UsageException($"{name} must be a whole number from {min} to {max}, not '{value}'");
        }

        return n;
    }

    private static double ParseDouble(string name, string value, double min, double max)
    {
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) || !(d >= min && d <= max))
        {
            throw new UsageException($"{name} must be a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}, not '{value}'");
        }

        return d;
    }

    private static KeyValuePair<string, string> ParseHeader(string value)
    {
        int colon = value.IndexOf(':', StringComparison.Ordinal);
        string headerName = colon > 0 ? value[..colon].Trim() : "";
        string headerValue = colon > 0 ? value[(colon + 1)..].Trim() : "";
        if (headerName.Length == 0 || headerName.Any(c => c <= ' ' || c >= 127 || c == ':') || headerValue.Any(c => c is '\r' or '\n' or '\0'))
        {
            throw new UsageException($"--header must be NAME:VALUE, not '{value}'");
        }

        return new KeyValuePair<string, string>(headerName, headerValue);
    }
}

/// <summary>A bad command line: the message is one line for stderr; the exit code is 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
