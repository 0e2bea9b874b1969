using SsePluginHost.Abstractions;

namespace Faulty;

/// <summary>A service whose <see cref="StartAsync"/> fails (asynchronously): its mount fails, with why.</summary>
public sealed class FailingStartService : SseServiceBase
{
    /// <summary>Creates the service.</summary>
    /// <param name="context">What the host hands it.</param>
    public FailingStartService(SseServiceContext context)
        : base(context)
    {
    }

    /// <inheritdoc/>
    public override async ValueTask StartAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        throw new InvalidOperationException("the database is not there");
    }
}
