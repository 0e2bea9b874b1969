using SsePluginHost.Abstractions;

namespace Faulty;

/// <summary>
/// A service that throws from its callbacks. EventSource requests open a stream; every other
/// request throws <c>boom in request</c> (synchronously, or from the returned task with
/// <c>async=1</c>). Connecting throws <c>boom in connect</c> when the stream request had
/// <c>throwOnConnect=1</c>; disconnecting always throws <c>boom in disconnect</c>.
/// </summary>
public sealed class ThrowOnRequestService : SseServiceBase
{
    /// <summary>Creates the service.</summary>
    /// <param name="mount">The mount.</param>
    public ThrowOnRequestService(ISseMount mount)
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

        if (request.Query.TryGetValue("async", out string? mode) && mode == "1")
        {
            return ThrowLaterAsync();
        }

        throw new InvalidOperationException("boom in request");
    }

    /// <inheritdoc/>
    public override void OnClientConnected(ISseClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (client.Request.Query.TryGetValue("throwOnConnect", out string? value) && value == "1")
        {
            throw new InvalidOperationException("boom in connect");
        }
    }

    /// <inheritdoc/>
    public override void OnClientDisconnected(ISseClient client, SseDisconnectReason reason) =>
        throw new InvalidOperationException("boom in disconnect");

    private static async ValueTask<SseResponse> ThrowLaterAsync()
    {
        await Task.Yield();
        throw new InvalidOperationException("boom in request");
    }
}
