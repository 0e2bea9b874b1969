using System.Globalization;
using SsePluginHost.Abstractions;

namespace Faulty;

/// <summary>
/// Answers every request (EventSource ones included) with the status in the <c>status</c> query field (any number,
/// valid or not) and the body in <c>body</c>: so a test can have a plugin answer 204 or 304 with a
/// body, or a status no HTTP response may have.
/// </summary>
public sealed class StatusService : SseServiceBase
{
    /// <summary>Creates the service.</summary>
    /// <param name="mount">The mount.</param>
    public StatusService(ISseMount mount)
        : base(mount)
    {
    }

    /// <inheritdoc/>
    public override ValueTask<SseResponse> HandleRequestAsync(SseRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        int status = int.TryParse(request.Query.GetValueOrDefault("status"), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int given) ? given : 200;
        return ValueTask.FromResult(SseResponse.Text(status, request.Query.GetValueOrDefault("body")));
    }
}
