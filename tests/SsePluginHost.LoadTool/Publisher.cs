using System.Buffers.Text;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace SsePluginHost.LoadTool;

/// <summary>
/// POSTs the numbered events: <c>concurrency</c> workers share one HttpClient (one connection
/// each), take the next sequence number, wait for its time slot when a rate is set, and POST
/// "&lt;seq&gt; &lt;ticks&gt; " padded with 'x' to the event size.
/// </summary>
internal sealed class Publisher(Uri target, int events, int size, double rate, int concurrency, TimeSpan requestTimeout)
{
    private readonly ulong[] _published = new ulong[(events + 63) / 64];
    private long _next;
    private long _succeeded;
    private long _failed;
    private string? _firstError;

    /// <summary>A bit per sequence number whose POST was accepted (2xx).</summary>
    public ulong[] PublishedBits => _published;

    public long Succeeded => Interlocked.Read(ref _succeeded);

    public long Failed => Interlocked.Read(ref _failed);

    public string? FirstError => _firstError;

    /// <summary>Stopwatch time the first POST was started.</summary>
    public long FirstStart { get; private set; }

    /// <summary>Stopwatch time the last POST was answered (or given up).</summary>
    public long LastDone { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using SocketsHttpHandler handler = new()
        {
            MaxConnectionsPerServer = concurrency,
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
            ConnectTimeout = requestTimeout,
        };
        using HttpClient client = new(handler, disposeHandler: false) { Timeout = requestTimeout };
        FirstStart = Stopwatch.GetTimestamp();
        Task[] workers = new Task[concurrency];
        for (int w = 0; w < workers.Length; w++)
        {
            workers[w] = WorkAsync(client, cancellationToken);
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
        LastDone = Stopwatch.GetTimestamp();
    }

    private async Task WorkAsync(HttpClient client, CancellationToken cancellationToken)
    {
        await Task.Yield();
        byte[] body = new byte[Math.Max(size, 40)];
        while (!cancellationToken.IsCancellationRequested)
        {
            long seq = Interlocked.Increment(ref _next) - 1;
            if (seq >= events)
            {
                return;
            }

            if (rate > 0)
            {
                long due = FirstStart + (long)(seq / rate * Stopwatch.Frequency);
                TimeSpan wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.FromMilliseconds(1))
                {
                    try
                    {
                        await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            }

            int length = Fill(body, seq, Stopwatch.GetTimestamp(), size);
            using ByteArrayContent content = new(body, 0, length);
            content.Headers.ContentType = new MediaTypeHeaderValue("text/plain") { CharSet = "utf-8" };
            using HttpRequestMessage request = new(HttpMethod.Post, target) { Content = content };
            try
            {
                using HttpResponseMessage response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    Interlocked.Or(ref _published[seq >> 6], 1UL << (int)(seq & 63));
                    Interlocked.Increment(ref _succeeded);
                }
                else
                {
                    Failure($"status {(int)response.StatusCode}");
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
                Failure(ex.Message);
            }

        }
    }

    private void Failure(string reason)
    {
        Interlocked.Increment(ref _failed);
        Interlocked.CompareExchange(ref _firstError, reason, null);
    }

    /// <summary>Writes "&lt;seq&gt; &lt;ticks&gt; " and pads with 'x' to <paramref name="size"/>; returns the length.</summary>
    internal static int Fill(byte[] body, long seq, long ticks, int size)
    {
        Utf8Formatter.TryFormat(seq, body, out int n);
        body[n++] = (byte)' ';
        Utf8Formatter.TryFormat(ticks, body.AsSpan(n), out int m);
        n += m;
        body[n++] = (byte)' ';
        if (n < size)
        {
            body.AsSpan(n, size - n).Fill((byte)'x');
            n = size;
        }

        return n;
    }
}
