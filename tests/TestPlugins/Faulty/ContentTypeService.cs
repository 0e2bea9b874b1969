using SsePluginHost.Abstractions;

namespace Faulty;

/// <summary>
/// Answers every request, EventSource ones included, 200 with the body <c>x</c> and the content
/// type given (decoded) in the <c>type</c> query field, <c>text/plain</c> without it: so a test
/// can have a plugin answer with a content type that is not a valid header value.
/// </summary>
public sealed class ContentTypeService : SseServiceBase
{
    /// <summary>Creates the service.</summary>
    /// <param name="mount">The mount.</param>
    public ContentTypeService(ISseMount mount)
        : base(mount)
    {
    }

    /// <inheritdoc/>
    public override ValueTask<SseResponse> HandleRequestAsync(SseRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        string type = request.Query.TryGetValue("type", out string? given) && given.Length > 0 ? given : "text/plain";
        return ValueTask.FromResult(SseResponse.Content(200, type, "x"));
    }
}
