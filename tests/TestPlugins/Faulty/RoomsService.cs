using SsePluginHost.Abstractions;

namespace Faulty;

/// <summary>
/// A service with topics (rooms): a stream follows the topics of its <c>topic</c> query field
/// (several, comma-separated) from the start; <c>say=TEXT&amp;topic=T</c> broadcasts
/// <c>event: say</c> to topic <c>T</c> and answers the event's id; <c>follow=T</c> or
/// <c>unfollow=T</c> with an open <c>session</c> makes that client follow or stop following
/// <c>T</c> and answers whether it changed and the client's topics.
/// </summary>
public sealed class RoomsService : SseServiceBase
{
    /// <summary>Creates the service.</summary>
    /// <param name="context">What the host hands it.</param>
    public RoomsService(SseServiceContext context)
        : base(context)
    {
    }

    /// <inheritdoc/>
    public override async ValueTask<SseResponse> HandleRequestAsync(SseRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        string[] topics = request.GetField("topic")?.Split(',', StringSplitOptions.RemoveEmptyEntries) ?? [];
        if (request.AcceptsEventStream)
        {
            return SseResponse.OpenStreamFollowing(null, topics);
        }

        if (request.GetField("say") is { } text && topics.Length == 1)
        {
            SseBroadcastReceipt receipt = await Mount.BroadcastAsync(topics[0], new SseEvent("say", text)).ConfigureAwait(false);
            return SseResponse.Text(200, receipt.EventId);
        }

        if (Mount.FindClient(request) is not { } client)
        {
            return SseResponse.NotFound("no such session");
        }

        bool changed = request.GetField("follow") is { } follow ? client.Follow(follow)
            : request.GetField("unfollow") is { } unfollow && client.Unfollow(unfollow);
        return SseResponse.Text(200, $"{changed} {string.Join(",", client.Topics.Order(StringComparer.Ordinal))}");
    }
}
