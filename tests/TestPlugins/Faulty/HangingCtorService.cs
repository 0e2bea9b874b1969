using SsePluginHost.Abstractions;

namespace Faulty;

/// <summary>A service whose constructor never returns, as a plugin stuck at start would.</summary>
public sealed class HangingCtorService : ISseService
{
    /// <summary>Blocks for ever.</summary>
    public HangingCtorService()
    {
        using ManualResetEventSlim never = new();
        never.Wait();
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
