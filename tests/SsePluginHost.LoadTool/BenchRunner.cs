using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SsePluginHost.LoadTool;

/// <summary>
/// One run: measure the idle server, connect every stream, let them settle, hold them idle if
/// asked, publish and drain, measure again, close everything. Every wait is bounded, and
/// <c>--max-seconds</c> cuts the run short wherever it is.
/// </summary>
internal sealed class BenchRunner
{
    private const int ConnectConcurrency = 200;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan ExpectPollInterval = TimeSpan.FromMilliseconds(100);

    private readonly BenchOptions _options;
    private readonly IPEndPoint[] _servers;
    private readonly IPAddress?[] _sources;
    private readonly byte[][] _requests;

    private BenchRunner(BenchOptions options, IPEndPoint[] servers, IPAddress?[] sources, byte[][] requests)
    {
        _options = options;
        _servers = servers;
        _sources = sources;
        _requests = requests;
    }

    /// <summary>Checks what can be checked before any traffic; throws <see cref="UsageException"/>.</summary>
    public static BenchRunner Create(BenchOptions options)
    {
        IPEndPoint[] servers = [.. options.SubscribeAll.Select(u => new IPEndPoint(ResolveLoopback(u, "--subscribe"), u.Port))];
        IPEndPoint server = servers[0];
        if (servers.Any(s => s.AddressFamily != server.AddressFamily))
        {
            throw new UsageException("every --subscribe URL must be IPv4, or every one IPv6");
        }
        if (options.Publish is not null)
        {
            _ = ResolveLoopback(options.Publish, "--publish");
        }

        IPAddress?[] sources;
        if (server.AddressFamily == AddressFamily.InterNetwork)
        {
            int count = options.Sources ?? Math.Max(1, (options.Clients + BenchOptions.SocketsPerSource - 1) / BenchOptions.SocketsPerSource);
            if (count > 253)
            {
                throw new UsageException($"{options.Clients} streams need more than 253 source addresses; pass --sources");
            }

            sources = new IPAddress?[count];
            for (int i = 0; i < count; i++)
            {
                sources[i] = new IPAddress(new byte[] { 127, 0, 0, (byte)(i + 2) });
            }
        }
        else if (options.Sources is not null)
        {
            throw new UsageException("--sources needs an IPv4 loopback target (127.x.x.x)");
        }
        else
        {
            sources = [null];
        }

        long? openFiles = OpenFileLimit();
        if (openFiles is { } limit && options.Clients + options.PublishConcurrency + 64 > limit)
        {
            throw new UsageException($"{options.Clients} streams need more sockets than this process may open ({limit}); use fewer --clients");
        }

        long bitsetBytes = (long)options.Clients * ((options.Events + 63) / 64) * 8;
        if (options.Publish is not null && bitsetBytes > 2L * 1024 * 1024 * 1024)
        {
            throw new UsageException($"--clients x --events needs {bitsetBytes >> 20} MiB of delivery bitsets; the limit is 2048 MiB");
        }

        if (options.ServerPid is { } pid && ProcessStats.Read(pid) is null)
        {
            throw new UsageException($"--server-pid {pid}: cannot read /proc/{pid}/status and /proc/{pid}/stat");
        }

        byte[][] requests = [.. options.SubscribeAll.Select(u => RequestHead(u, options.Headers))];
        return new BenchRunner(options, servers, sources, requests);
    }

    private static byte[] RequestHead(Uri subscribe, IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        StringBuilder head = new();
        head.Append(CultureInfo.InvariantCulture, $"GET {subscribe.PathAndQuery} HTTP/1.1\r\n");
        head.Append(CultureInfo.InvariantCulture, $"Host: {subscribe.Authority}\r\n");
        head.Append("Accept: text/event-stream\r\nCache-Control: no-cache\r\n");
        foreach (KeyValuePair<string, string> header in headers)
        {
            head.Append(CultureInfo.InvariantCulture, $"{header.Key}: {header.Value}\r\n");
        }

        head.Append("\r\n");
        return Encoding.ASCII.GetBytes(head.ToString());
    }

    public async Task<BenchResult> RunAsync(CancellationToken cancellationToken)
    {
        BenchOptions o = _options;
        bool publishing = o.Publish is not null && o.Events > 0;
        bool expecting = !publishing && o.ExpectEvents > 0;
        BenchResult r = new()
        {
            Label = o.Label,
            Subscribe = string.Join(",", o.SubscribeAll),
            Publish = o.Publish?.ToString(),
            Sources = _sources[0] is null ? 0 : _sources.Length,
            Requested = o.Clients,
            ServerPid = o.ServerPid,
            EventsRequested = publishing ? o.Events : expecting ? o.ExpectEvents : 0,
            TargetRate = o.Rate,
            PublishConcurrency = o.PublishConcurrency,
            Size = o.Size,
        };

        long runStarted = Stopwatch.GetTimestamp();
        double toolCpuStart = SelfCpu();
        using CancellationTokenSource deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(o.MaxSeconds));
        CancellationToken token = deadline.Token;

        r.RssBefore = Server()?.RssBytes;

        LatencyHistogram latency = new();
        StreamClient[] clients = new StreamClient[o.Clients];
        for (int i = 0; i < clients.Length; i++)
        {
            clients[i] = new StreamClient(new DeliveryLog(publishing ? o.Events : expecting ? o.ExpectEvents : 0, latency));
        }

        Publisher? publisher = null;
        try
        {
            await ConnectAllAsync(clients, r, token).ConfigureAwait(false);
            await SettleAsync(clients, r, token).ConfigureAwait(false);
            r.RssAfterConnect = Server()?.RssBytes;
            if (r.RssBefore is { } before && r.RssAfterConnect is { } after && r.Connected > 0)
            {
                r.RssPerStream = (double)(after - before) / r.Connected;
            }

            if (o.ReadyFile is { } ready)
            {
                await File.WriteAllTextAsync(ready, r.Connected.ToString(CultureInfo.InvariantCulture), token).ConfigureAwait(false);
            }

            if (expecting && !token.IsCancellationRequested)
            {
                await ExpectAsync(clients, latency, r, token).ConfigureAwait(false);
            }

            if (o.IdleSeconds > 0 && !token.IsCancellationRequested)
            {
                await IdleAsync(clients, r, token).ConfigureAwait(false);
            }

            if (publishing && !token.IsCancellationRequested)
            {
                publisher = new Publisher(o.Publish!, o.Events, o.Size, o.Rate, o.PublishConcurrency, TimeSpan.FromSeconds(Math.Max(30, o.ConnectTimeoutSeconds)));
                await PublishAsync(publisher, clients, latency, r, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }

        r.DeadlineHit = token.IsCancellationRequested;
        r.RssAfterRun = Server()?.RssBytes;
        Tally(clients, publisher, r);
        if (expecting)
        {
            TallyExpected(clients, o.ExpectEvents, r);
        }

        await Task.WhenAll(clients.Select(c => c.CloseAsync())).ConfigureAwait(false);

        r.ToolCpuSeconds = SelfCpu() - toolCpuStart;
        r.WallSeconds = Stopwatch.GetElapsedTime(runStarted).TotalSeconds;
        bool streamsOk = r.Connected == r.Requested && r.EndedByServer == 0;
        bool deliveriesOk = publishing ? r.Published == o.Events && r.Lost == 0 && r.Duplicated == 0
            : !expecting || (r.Lost == 0 && r.Duplicated == 0);
        r.Completed = !r.DeadlineHit && streamsOk && deliveriesOk;
        r.ExitCode = r.Completed ? 0 : 1;
        return r;
    }

    private async Task ConnectAllAsync(StreamClient[] clients, BenchResult r, CancellationToken token)
    {
        long started = Stopwatch.GetTimestamp();
        TimeSpan timeout = TimeSpan.FromSeconds(_options.ConnectTimeoutSeconds);
        int next = -1;
        async Task WorkAsync()
        {
            await Task.Yield();
            int i;
            while ((i = Interlocked.Increment(ref next)) < clients.Length && !token.IsCancellationRequested)
            {
                await clients[i].ConnectAsync(_servers[i % _servers.Length], _sources[i % _sources.Length], _requests[i % _requests.Length], timeout, token).ConfigureAwait(false);
            }
        }

        Task[] workers = new Task[Math.Min(ConnectConcurrency, clients.Length)];
        for (int w = 0; w < workers.Length; w++)
        {
            workers[w] = WorkAsync();
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
        r.ConnectSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;

        LatencyHistogram connectTimes = new();
        foreach (StreamClient c in clients)
        {
            if (c.Connected)
            {
                r.Connected++;
                connectTimes.Record((long)(c.ConnectTicks * 1_000_000.0 / Stopwatch.Frequency));
            }
        }

        r.Failed = r.Requested - r.Connected;
        r.ConnectP50Ms = connectTimes.ValueAtPercentile(50) / 1000.0;
        r.ConnectP99Ms = connectTimes.ValueAtPercentile(99) / 1000.0;
        r.ConnectMaxMs = connectTimes.Max / 1000.0;
        token.ThrowIfCancellationRequested();
    }

    /// <summary>Waits (bounded) until every open stream has received its first bytes.</summary>
    private async Task SettleAsync(StreamClient[] clients, BenchResult r, CancellationToken token)
    {
        long until = Stopwatch.GetTimestamp() + (long)(_options.SettleTimeoutSeconds * Stopwatch.Frequency);
        while (true)
        {
            r.Unsettled = clients.Count(c => c.Connected && !c.EndedByServer && !c.HasFirstBytes);
            if (r.Unsettled == 0 || Stopwatch.GetTimestamp() >= until)
            {
                return;
            }

            await Task.Delay(PollInterval, token).ConfigureAwait(false);
        }
    }

    private async Task IdleAsync(StreamClient[] clients, BenchResult r, CancellationToken token)
    {
        if (_options.IdleWarmupSeconds > 0)
        {
            // Not measured: the server's one-time work after the connection storm (a JIT's
            // tier-up, a GC) is not what idle streams cost.
            await Task.Delay(TimeSpan.FromSeconds(_options.IdleWarmupSeconds), token).ConfigureAwait(false);
        }

        ProcessStats? before = Server();
        double toolBefore = SelfCpu();
        long started = Stopwatch.GetTimestamp();
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(_options.IdleSeconds), token).ConfigureAwait(false);
        }
        finally
        {
            ProcessStats? after = Server();
            r.IdleSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            r.IdleToolCpuSeconds = SelfCpu() - toolBefore;
            r.IdleServerCpuSeconds = after?.CpuSeconds - before?.CpuSeconds;
            r.RssAfterIdle = after?.RssBytes;
            r.OpenAfterIdle = clients.Count(c => c.Connected && !c.EndedByServer);
            if (r.RssBefore is { } rssBefore && after is { } idle && r.Connected > 0)
            {
                r.RssPerStreamAfterIdle = (double)(idle.RssBytes - rssBefore) / r.Connected;
            }
        }
    }

    private async Task PublishAsync(Publisher publisher, StreamClient[] clients, LatencyHistogram latency, BenchResult r, CancellationToken token)
    {
        ProcessStats? before = Server();
        double toolBefore = SelfCpu();
        try
        {
            await publisher.RunAsync(token).ConfigureAwait(false);
            r.PublishSeconds = Stopwatch.GetElapsedTime(publisher.FirstStart, publisher.LastDone).TotalSeconds;
            r.PublishRate = r.PublishSeconds > 0 ? publisher.Succeeded / r.PublishSeconds : null;

            // Drain: until every open stream has every accepted event, or the drain timeout.
            long until = Stopwatch.GetTimestamp() + (long)(_options.DrainTimeoutSeconds * Stopwatch.Frequency);
            long wanted = publisher.Succeeded;
            while (clients.Any(c => c.Connected && !c.EndedByServer && c.Log.Distinct < wanted))
            {
                if (Stopwatch.GetTimestamp() >= until)
                {
                    r.DrainTimedOut = true;
                    break;
                }

                await Task.Delay(PollInterval, token).ConfigureAwait(false);
            }
        }
        finally
        {
            ProcessStats? after = Server();
            r.PublishServerCpuSeconds = after?.CpuSeconds - before?.CpuSeconds;
            r.PublishToolCpuSeconds = SelfCpu() - toolBefore;
            ReadLatency(latency, r);
        }
    }

    private static void Tally(StreamClient[] clients, Publisher? publisher, BenchResult r)
    {
        long lastArrival = 0;
        foreach (StreamClient c in clients)
        {
            if (!c.Connected)
            {
                Count(r.FailureReasons, c.Error ?? "not attempted (stopped)");
                continue;
            }

            if (c.EndedByServer)
            {
                r.EndedByServer++;
                Count(r.EndReasons, c.Error ?? "ended");
            }

            r.BytesReceived += c.BytesReceived;
            r.Received += c.Log.Distinct;
            r.Duplicated += c.Log.Duplicates;
            r.Foreign += c.Log.Foreign;
            lastArrival = Math.Max(lastArrival, c.Log.LastArrival);
            if (publisher is not null)
            {
                r.Lost += c.Log.CountMissing(publisher.PublishedBits);
            }
        }

        if (publisher is null)
        {
            return;
        }

        r.Published = publisher.Succeeded;
        r.PublishErrors = publisher.Failed;
        r.FirstPublishError = publisher.FirstError;
        r.Expected = r.Connected * r.Published;
        if (lastArrival > publisher.FirstStart)
        {
            r.DeliveryWindowSeconds = Stopwatch.GetElapsedTime(publisher.FirstStart, lastArrival).TotalSeconds;
            r.DeliveredPerSecond = r.Received / r.DeliveryWindowSeconds;
        }

        if (r.PublishServerCpuSeconds is { } cpu && r.Received > 0)
        {
            r.ServerCpuMicrosPerDelivery = cpu * 1e6 / r.Received;
        }
    }

    /// <summary>Waits until every open stream has the events another process publishes, or the deadline.</summary>
    private static async Task ExpectAsync(StreamClient[] clients, LatencyHistogram latency, BenchResult r, CancellationToken token)
    {
        try
        {
            long wanted = r.EventsRequested;
            while (clients.Any(c => c.Connected && !c.EndedByServer && c.Log.Distinct < wanted))
            {
                // Slower than a publishing run's polling: this may be 19,500 streams to look at.
                await Task.Delay(ExpectPollInterval, token).ConfigureAwait(false);
            }
        }
        finally
        {
            ReadLatency(latency, r);
        }
    }

    private static void ReadLatency(LatencyHistogram latency, BenchResult r)
    {
        r.LatencyCount = latency.Count;
        r.LatencyMeanMs = latency.Mean / 1000.0;
        r.LatencyP50Ms = latency.ValueAtPercentile(50) / 1000.0;
        r.LatencyP90Ms = latency.ValueAtPercentile(90) / 1000.0;
        r.LatencyP99Ms = latency.ValueAtPercentile(99) / 1000.0;
        r.LatencyP999Ms = latency.ValueAtPercentile(99.9) / 1000.0;
        r.LatencyMaxMs = latency.Max / 1000.0;
    }

    /// <summary>A subscribe-only run: what each open stream should have had is every one of the expected events.</summary>
    private static void TallyExpected(StreamClient[] clients, int events, BenchResult r)
    {
        r.Expected = (long)r.Connected * events;
        r.Lost = clients.Where(c => c.Connected).Sum(c => events - c.Log.Distinct);
    }

    private static void Count(SortedDictionary<string, int> reasons, string reason) =>
        reasons[reason] = reasons.GetValueOrDefault(reason) + 1;

    private ProcessStats? Server() => _options.ServerPid is { } pid ? ProcessStats.Read(pid) : null;

    private static double SelfCpu() => ProcessStats.Read(Environment.ProcessId)?.CpuSeconds ?? 0;

    private static IPAddress ResolveLoopback(Uri uri, string option)
    {
        IPAddress[] addresses;
        if (IPAddress.TryParse(uri.Host, out IPAddress? literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = Dns.GetHostAddresses(uri.DnsSafeHost);
            }
            catch (SocketException ex)
            {
                throw new UsageException($"{option}: cannot resolve '{uri.Host}': {ex.Message}");
            }
        }

        IPAddress? chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && IPAddress.IsLoopback(a))
            ?? addresses.FirstOrDefault(IPAddress.IsLoopback);
        return chosen ?? throw new UsageException($"{option}: '{uri.Host}' is not a loopback address; ssebench only loads 127.0.0.0/8 or ::1");
    }

    private static long? OpenFileLimit()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/limits"))
            {
                if (line.StartsWith("Max open files", StringComparison.Ordinal))
                {
                    string[] parts = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out long soft) ? soft : null;
                }
            }
        }
        catch (IOException)
        {
        }

        return null;
    }
}
