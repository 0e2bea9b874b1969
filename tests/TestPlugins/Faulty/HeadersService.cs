using System.Collections.Concurrent;
using System.Globalization;
using SsePluginHost.Abstractions;

namespace Faulty;

/// <summary>
/// Answers as its query fields say, so that a test can have a plugin add header fields to any
/// answer (<see cref="SseResponse.WithHeader"/>) or ask a client to retry later
/// (<see cref="SseResponse.RetryLater()"/>).
/// </summary>
/// <remarks>
/// <c>answer</c>: <c>text</c> (the default) is <c>Text(200, "ok")</c>, with the status in
/// <c>status</c> when given (valid or not); <c>stream</c> opens a
/// stream; <c>retry</c> is <c>RetryLater</c>, with the delay in <c>delayMs</c> and the
/// <c>reason</c> when given; <c>connected</c> answers the session ids
/// <see cref="OnClientConnected"/> was called with, in order, comma-separated. Whatever the
/// answer, the fields <c>h1</c>, <c>h2</c>, ... (each <c>Name: value</c>) are added to it in that
/// order with <see cref="SseResponse.WithHeader"/>, which throws for one it refuses, as in a
/// plugin that does not check.
/// </remarks>
public sealed class HeadersService : SseServiceBase
{
    private readonly ConcurrentQueue<string> _connected = new();

    /// <summary>Creates the service.</summary>
    /// <param name="mount">The mount.</param>
    public HeadersService(ISseMount mount)
        : base(mount)
    {
    }

    /// <inheritdoc/>
    public override ValueTask<SseResponse> HandleRequestAsync(SseRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        SseResponse answer = request.GetField("answer") switch
        {
            "stream" => SseResponse.OpenStream(),
            "retry" => RetryLater(request),
            "connected" => SseResponse.Text(200, string.Join(',', _connected)),
            _ => SseResponse.Text(Status(request), "ok"),
        };
        for (int i = 1; request.GetField("h" + i.ToString(CultureInfo.InvariantCulture)) is { } field; i++)
        {
            int colon = field.IndexOf(':', StringComparison.Ordinal);
            answer = colon < 0
                ? answer.WithHeader(field, string.Empty)
                : answer.WithHeader(field[..colon], field[(colon + 1)..].TrimStart(' '));
        }

        return ValueTask.FromResult(answer);
    }

    /// <inheritdoc/>
    public override void OnClientConnected(ISseClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        _connected.Enqueue(client.SessionId);
    }

    private static int Status(SseRequest request) =>
        request.GetField("status") is { } status ? int.Parse(status, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : 200;

    private static SseResponse RetryLater(SseRequest request)
    {
        string? reason = request.GetField("reason");
        if (request.GetField("delayMs") is not { } delayMs)
        {
            return reason is null ? SseResponse.RetryLater() : SseResponse.RetryLater(reason);
        }

        TimeSpan delay = TimeSpan.FromMilliseconds(int.Parse(delayMs, NumberStyles.None, CultureInfo.InvariantCulture));
        return reason is null ? SseResponse.RetryLater(delay) : SseResponse.RetryLater(delay, reason);
    }
}
