using SsePluginHost.Abstractions;

namespace Faulty;

/// <summary>A service that cannot be created: its constructor always throws.</summary>
public sealed class ThrowingCtorService : ISseService
{
    /// <summary>Always throws.</summary>
    /// <exception cref="InvalidOperationException">Always: <c>boom in constructor</c>.</exception>
    public ThrowingCtorService()
    {
        throw new InvalidOperationException("boom in constructor");
    }

    /// <inheritdoc/>
    public ValueTask<SseResponse> HandleRequestAsync(SseRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(SseResponse.NotFound("unreachable"));

    /// <inheritdoc/>
    public void OnClientConnected(ISseClient client)
    {
    }

    /// <inheritdoc/>
    public void OnClientDisconnected(ISseClient client, SseDisconnectReason reason)
    {
    }
}
