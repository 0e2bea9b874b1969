using System.Text.Json;
using SsePluginHost.Abstractions;

namespace Faulty;

/// <summary>
/// Shows a test the request as the plugin sees it: a stream request opens a stream whose first
/// event after <c>session-id</c> is <c>event: request</c> with the <see cref="SseRequest"/> as
/// JSON (<c>Method</c>, <c>MountPath</c>, <c>SubPath</c>, <c>Query</c>, <c>Headers</c>,
/// <c>RemoteAddress</c>, <c>AcceptsEventStream</c>, <c>AcceptsHtml</c>); any other request is
/// answered 200 with the same JSON.
/// </summary>
public sealed class RequestEchoService : SseServiceBase
{
    /// <summary>Creates the service.</summary>
    /// <param name="mount">The mount.</param>
    public RequestEchoService(ISseMount mount)
        : base(mount)
    {
    }

    /// <inheritdoc/>
    public override ValueTask<SseResponse> HandleRequestAsync(SseRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ValueTask.FromResult(request.AcceptsEventStream
            ? SseResponse.OpenStream()
            : SseResponse.Content(200, "application/json", Describe(request)));
    }

    /// <inheritdoc/>
    public override void OnClientConnected(ISseClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        client.Send("request", Describe(client.Request));
    }

    private static string Describe(SseRequest request) => JsonSerializer.Serialize(new
    {
        request.Method,
        request.MountPath,
        request.SubPath,
        request.Query,
        request.Headers,
        request.RemoteAddress,
        request.AcceptsEventStream,
        request.AcceptsHtml,
    });
}
