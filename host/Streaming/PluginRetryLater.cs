using SsePluginHost.Abstractions;
using SsePluginHost.Mounts;

namespace SsePluginHost.Streaming;

/// <summary>
/// What the host makes of a plugin's <see cref="SseResponse.RetryLater()"/>: an EventSource
/// request is told to retry as a stream over the mount's limit is
/// (<see cref="IStreamExchange.RefuseWithRetryAsync"/>), any other request gets 503 with
/// <c>Retry-After</c> and the reason.
/// </summary>
internal static class PluginRetryLater
{
    /// <summary>The delay the client is given: the plugin's, or the mount's for refusals.</summary>
    public static TimeSpan Delay(SseResponse answer, Mount mount) => answer.RetryAfter ?? mount.RefusalRetry;

    /// <summary>A delay as a <c>Retry-After</c> value: whole seconds, rounded up.</summary>
    public static int Seconds(TimeSpan delay) => (int)Math.Ceiling(delay.TotalSeconds);

    /// <summary>Why, for the comment of a stream told to retry (<c>: WHY, retry later</c>).</summary>
    public static string Why(SseResponse answer) => answer.Body ?? "the service is not available now";

    /// <summary>The plain-text body of the 503.</summary>
    public static string Body(SseResponse answer, Mount mount) =>
        (answer.Body ?? $"The service at {mount.Path} is not available now; try again later.") + "\n";
}
