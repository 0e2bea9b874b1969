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
        if (backplane.IsConnected)
        {
            return Task.FromResult(HealthCheckResult.Healthy($"Redis at {backplane.Endpoints} is reachable", data));
        }

        string since = backplane.AwayFor is { } away ? string.Create(CultureInfo.InvariantCulture, $" (for {away.TotalSeconds:0} s)") : string.Empty;
        return Task.FromResult(HealthCheckResult.Unhealthy(
            $"Redis at {backplane.Endpoints} is away{since}: clients are served, events published here wait for it", data: data));
    }
}
