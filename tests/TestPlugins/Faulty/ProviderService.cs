using Microsoft.Extensions.Configuration;
using SsePluginHost.Abstractions;

namespace Faulty;

/// <summary>
/// A service that keeps the <see cref="IServiceProvider"/> its constructor was given and uses it
/// only later, on each request: it answers the mount's <c>Greeting</c> setting and the time of the
/// <see cref="TimeProvider"/>, both resolved from that provider then.
/// </summary>
public sealed class ProviderService : SseServiceBase
{
    private readonly IServiceProvider _services;

    /// <summary>Creates the service.</summary>
    /// <param name="mount">The mount.</param>
    /// <param name="services">What the host gives plugins, kept for later.</param>
    public ProviderService(ISseMount mount, IServiceProvider services)
        : base(mount)
    {
        _services = services;
    }

    /// <inheritdoc/>
    public override ValueTask<SseResponse> HandleRequestAsync(SseRequest request, CancellationToken cancellationToken)
    {
        IConfiguration settings = (IConfiguration)_services.GetService(typeof(IConfiguration))!;
        TimeProvider time = (TimeProvider)_services.GetService(typeof(TimeProvider))!;
        return ValueTask.FromResult(SseResponse.Text(200, $"{settings["Greeting"]} at {time.GetUtcNow().Year}"));
    }
}
