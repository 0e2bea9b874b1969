using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SsePluginHost.Backplane;

/// <summary>Writes <c>GET /_host/health</c>: the status (200 healthy, 503 not) and what each check says, as JSON.</summary>
internal static class HealthResponse
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString().ToLowerInvariant(),
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => new { status = e.Value.Status.ToString().ToLowerInvariant(), description = e.Value.Description, data = e.Value.Data }),
        }));
    }
}
