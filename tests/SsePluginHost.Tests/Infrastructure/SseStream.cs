using System.Net.ServerSentEvents;
using System.Threading.Channels;

namespace SsePluginHost.Tests.Infrastructure;

/// <summary>
/// An EventSource-style subscription read with <see cref="SseParser"/>, the framework's own
/// independent reader: events arrive on a channel and tests wait for them with a timeout.
/// </summary>
internal sealed class SseStream : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly HttpClient _http;
    private readonly HttpResponseMessage _response;
    private readonly Channel<SseItem<string>> _events = Channel.CreateUnbounded<SseItem<string>>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;
    private SseParser<string>? _parser;

    private SseStream(HttpClient http, HttpResponseMessage response, Stream body)
    {
        _http = http;
        _response = response;
        _pump = Task.Run(() => PumpAsync(body));
    }

    public HttpResponseMessage Response => _response;

    /// <summary>The session id from the first event.</summary>
    public string SessionId { get; private set; } = string.Empty;

    /// <summary>The reconnection delay the server sent in a <c>retry:</c> field, once read.</summary>
    public TimeSpan? ReconnectionInterval => _parser?.ReconnectionInterval;

    /// <summary>Set when the server ended the stream.</summary>
    public Task Completion => _events.Reader.Completion;

    public static async Task<SseStream> OpenAsync(Uri uri, IDictionary<string, string>? headers = null)
    {
        HttpClient http = new() { Timeout = Timeout.InfiniteTimeSpan };
        using HttpRequestMessage request = new(HttpMethod.Get, uri);
        request.Headers.TryAddWithoutValidation("Accept", "text/event-stream");
        foreach (KeyValuePair<string, string> header in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        using CancellationTokenSource timeout = new(DefaultTimeout);
        HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Stream body = await response.Content.ReadAsStreamAsync(timeout.Token);
        SseStream stream = new(http, response, body);
        if (response.IsSuccessStatusCode && response.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            SseItem<string> first = await stream.NextAsync();
            Assert.Equal("session-id", first.EventType);
            stream.SessionId = first.Data;
        }

        return stream;
    }

    /// <summary>The next event, whatever its type; fails after the timeout.</summary>
    public async Task<SseItem<string>> NextAsync(TimeSpan? timeout = null)
    {
        using CancellationTokenSource cts = new(timeout ?? DefaultTimeout);
        try
        {
            return await _events.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No event arrived within {timeout ?? DefaultTimeout}.");
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException("The server ended the stream.");
        }
    }

    /// <summary>The next event of a type, skipping others (such as pings).</summary>
    public async Task<SseItem<string>> NextAsync(string eventType, TimeSpan? timeout = null)
    {
        DateTime deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            TimeSpan left = deadline - DateTime.UtcNow;
            SseItem<string> item = await NextAsync(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
            if (item.EventType == eventType)
            {
                return item;
            }
        }
    }

    /// <summary>Returns an event if one arrives within the time, or null if none does.</summary>
    public async Task<SseItem<string>?> TryNextAsync(TimeSpan within)
    {
        using CancellationTokenSource cts = new(within);
        try
        {
            return await _events.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Waits until the server ends the stream.</summary>
    public async Task WaitForEndAsync(TimeSpan? timeout = null)
    {
        using CancellationTokenSource cts = new(timeout ?? DefaultTimeout);
        try
        {
            while (await _events.Reader.WaitToReadAsync(cts.Token))
            {
                _events.Reader.TryRead(out _);
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The stream did not end within {timeout ?? DefaultTimeout}.");
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or ChannelClosedException)
        {
            // The connection ended abruptly: it ended all the same.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _response.Dispose();
        _http.Dispose();
        try
        {
            await _pump;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task PumpAsync(Stream body)
    {
        try
        {
            _parser = SseParser.Create(body);
            await foreach (SseItem<string> item in _parser.EnumerateAsync(_stop.Token))
            {
                await _events.Writer.WriteAsync(item);
            }

            _events.Writer.TryComplete();
        }
        catch (Exception ex)
        {
            _events.Writer.TryComplete(ex is OperationCanceledException ? null : ex);
        }
    }
}
