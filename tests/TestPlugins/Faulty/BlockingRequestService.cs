using SsePluginHost.Abstractions;

namespace Faulty;

/// <summary>
/// A service whose request handler blocks its thread synchronously (as a plugin calling
/// <c>Thread.Sleep</c> or a blocking API does) for the <c>BlockSeconds</c> setting (20 by
/// default), or until a request with <c>release=1</c> comes; <c>GET ?blocked=1</c> answers how
/// many requests are blocked now.
/// </summary>
public sealed class BlockingRequestService : SseServiceBase, IDisposable
{
    private readonly ManualResetEventSlim _release = new();
    private readonly TimeSpan _block;
    private int _blocked;

    /// <summary>Creates the service.</summary>
    /// <param name="mount">The mount.</param>
    /// <param name="settings">The mount's settings: <c>BlockSeconds</c>.</param>
    public BlockingRequestService(ISseMount mount, Microsoft.Extensions.Configuration.IConfiguration settings)
        : base(mount)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _block = TimeSpan.FromSeconds(double.TryParse(settings["BlockSeconds"], System.Globalization.CultureInfo.InvariantCulture, out double seconds) ? seconds : 20);
    }

    /// <inheritdoc/>
    public override ValueTask<SseResponse> HandleRequestAsync(SseRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Query.ContainsKey("release"))
        {
            _release.Set();
            return ValueTask.FromResult(SseResponse.NoContent());
        }

        if (request.Query.ContainsKey("blocked"))
        {
            return ValueTask.FromResult(SseResponse.Text(200, Volatile.Read(ref _blocked).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        Interlocked.Increment(ref _blocked);
        try
        {
            _release.Wait(_block, CancellationToken.None);
        }
        finally
        {
            Interlocked.Decrement(ref _blocked);
        }

        return ValueTask.FromResult(SseResponse.Text(200, "done"));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _release.Set();
        _release.Dispose();
    }
}
