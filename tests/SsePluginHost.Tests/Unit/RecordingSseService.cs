using SsePluginHost.Abstractions;

namespace SsePluginHost.Tests.Unit;

/// <summary>A plugin service that records which clients it was told connected and left, and why.</summary>
internal sealed class RecordingSseService : ISseService
{
    private readonly Lock _lock = new();
    private readonly List<ISseClient> _connected = [];
    private readonly List<(ISseClient Client, SseDisconnectReason Reason)> _disconnected = [];

    public IReadOnlyList<ISseClient> Connected
    {
        get
        {
            lock (_lock)
            {
                return [.. _connected];
            }
        }
    }

    public IReadOnlyList<(ISseClient Client, SseDisconnectReason Reason)> Disconnected
    {
        get
        {
            lock (_lock)
            {
                return [.. _disconnected];
            }
        }
    }

    public ValueTask<SseResponse> HandleRequestAsync(SseRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(SseResponse.OpenStream());

    public void OnClientConnected(ISseClient client)
    {
        lock (_lock)
        {
            _connected.Add(client);
        }
    }

    public void OnClientDisconnected(ISseClient client, SseDisconnectReason reason)
    {
        lock (_lock)
        {
            _disconnected.Add((client, reason));
        }
    }
}
