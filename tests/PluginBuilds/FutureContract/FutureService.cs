using SsePluginHost.Abstractions;

namespace FutureContract;

/// <summary>A service that would work, were it not built against a newer major version of the contract.</summary>
public sealed class FutureService : SseServiceBase
{
    /// <summary>Creates the service.</summary>
    /// <param name="mount">The mount.</param>
    public FutureService(ISseMount mount)
        : base(mount)
    {
    }

    /// <inheritdoc/>
    public override ValueTask<SseResponse> HandleRequestAsync(SseRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(SseResponse.Text(200, "from the future"));
}
