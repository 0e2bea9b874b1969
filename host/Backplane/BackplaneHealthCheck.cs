using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SsePluginHost.Backplane;

/// <summary>
/// Whether this host can deliver across hosts now: healthy in process (there is nothing to
/// reach) and while Redis is reachable; unhealthy while it is away (the host still serves its
/// clients, but what is published waits). Answered at <c>GET /_host/health</c>.
/// </summary>
internal sealed class BackplaneHealthCheck(IServiceProvider services) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (services.GetService<RedisBackplane>() is not { } backplane)
        {
            return Task.FromResult(HealthCheckResult.Healthy("in process: no backplane to reach"));
        }

        Dictionary<string, object> data = new(StringComparer.Ordinal) { ["redis"] = backplane.Endpoints, ["node"] = backplane.NodeId };
        return Task.FromResult(backplane.AwayFor is { } away || !backplane.IsConnected
            ? HealthCheckResult.Unhealthy(string.Create(CultureInfo.InvariantCulture,
                $"Redis at {backplane.Endpoints} is away{(backplane.AwayFor is { } a ? $" (for {a.TotalSeconds:0} s)" : string.Empty)}: clients are served, events published here wait for it"), data: data)
            : HealthCheckResult.Healthy($"Redis at {backplane.Endpoints} is reachable", data));
    }
}
