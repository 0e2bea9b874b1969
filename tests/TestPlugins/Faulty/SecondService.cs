using SsePluginHost.Abstractions;

namespace Faulty;

/// <summary>
/// A second ordinary service, so that the assembly holds several services and a mount must
/// name the one it wants. It streams for EventSource requests and answers any other request
/// with 200 <c>SecondService</c>, so a test can tell which type was chosen.
/// </summary>
public sealed class SecondService : SseServiceBase
{
    /// <summary>Creates the service.</summary>
    /// <param name="mount">The mount.</param>
    public SecondService(ISseMount mount)
        : base(mount)
    {
    }

    /// <inheritdoc/>
    public override ValueTask<SseResponse> HandleRequestAsync(SseRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ValueTask.FromResult(request.AcceptsEventStream
            ? SseResponse.OpenStream()
            : SseResponse.Text(200, nameof(SecondService)));
    }
}
