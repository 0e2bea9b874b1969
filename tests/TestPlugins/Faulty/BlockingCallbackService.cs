using SsePluginHost.Abstractions;

namespace Faulty;

/// <summary>
/// A service whose connect callback blocks when the stream request had <c>block=1</c>, until a
/// request with <c>release=1</c> comes; <c>GET ?broadcast=TEXT</c> broadcasts <c>news</c>;
/// <c>GET ?connected=1</c> answers how many clients it was told of.
/// </summary>
public sealed class BlockingCallbackService : SseServiceBase
{
    private readonly ManualResetEventSlim _release = new();
    private int _connected;

    /// <summary>Creates the service.</summary>
    /// <param name="mount">The mount.</param>
    public BlockingCallbackService(ISseMount mount)
        : base(mount)
    {
    }

    /// <inheritdoc/>
    public override ValueTask<SseResponse> HandleRequestAsync(SseRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.AcceptsEventStream)
        {
            return ValueTask.FromResult(SseResponse.OpenStream());
        }

        if (request.Query.ContainsKey("release"))
        {
            _release.Set();
            return ValueTask.FromResult(SseResponse.NoContent());
        }

        if (request.Query.TryGetValue("broadcast", out string? text))
        {
            return ValueTask.FromResult(SseResponse.Text(200, Mount.Broadcast("news", text).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        return ValueTask.FromResult(SseResponse.Text(200, Volatile.Read(ref _connected).ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <inheritdoc/>
    public override void OnClientConnected(ISseClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (client.Request.Query.ContainsKey("block"))
        {
            _release.Wait();
        }

        Interlocked.Increment(ref _connected);
    }
}
