using System.Globalization;
using Microsoft.Extensions.Configuration;
using SsePluginHost.Abstractions;

namespace Faulty;

/// <summary>
/// A well-behaved test service. It opens a stream for every EventSource request (with
/// <see cref="ISseClient.State"/> taken from the <c>state</c> query field), sends
/// <c>event: greeting</c> with the <c>Greeting</c> setting to each new client when that setting
/// is set, and broadcasts <c>event: left</c> with <c>"&lt;sessionId&gt; &lt;reason&gt;"</c> to the
/// remaining clients when one leaves.
/// </summary>
/// <remarks>
/// Other requests: <c>refuse=NNN</c> (400 to 599) is answered with that status and
/// <c>refused by plugin</c>; with an open <c>session</c>, <c>drop=1</c> drops the client,
/// <c>whoami=1</c> answers the client's state, otherwise the <c>event</c> (default <c>echo</c>) and <c>data</c> fields are sent to that
/// client, or to every client with <c>broadcast=1</c>, and the reply is <c>sent</c>.
/// </remarks>
public sealed class EchoService : SseServiceBase
{
    private readonly string? _greeting;

    /// <summary>Creates the service.</summary>
    /// <param name="mount">The mount.</param>
    /// <param name="settings">The mount's settings: <c>Greeting</c>.</param>
    public EchoService(ISseMount mount, IConfiguration settings)
        : base(mount)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _greeting = settings["Greeting"];
    }

    /// <inheritdoc/>
    public override ValueTask<SseResponse> HandleRequestAsync(SseRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ValueTask.FromResult(Handle(request));
    }

    /// <inheritdoc/>
    public override void OnClientConnected(ISseClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (!string.IsNullOrEmpty(_greeting))
        {
            client.Send("greeting", _greeting);
        }
    }

    /// <inheritdoc/>
    public override void OnClientDisconnected(ISseClient client, SseDisconnectReason reason)
    {
        ArgumentNullException.ThrowIfNull(client);
        Mount.Broadcast("left", $"{client.SessionId} {reason}");
    }

    private static bool IsOn(SseRequest request, string name) =>
        string.Equals(request.GetField(name), "1", StringComparison.Ordinal);

    private SseResponse Handle(SseRequest request)
    {
        string? refuse = request.GetField("refuse");
        if (refuse is not null)
        {
            return int.TryParse(refuse, NumberStyles.None, CultureInfo.InvariantCulture, out int status) && status is >= 400 and <= 599
                ? SseResponse.Text(status, "refused by plugin")
                : SseResponse.BadRequest($"refuse must be a status code from 400 to 599, not '{refuse}'");
        }

        if (request.AcceptsEventStream)
        {
            return SseResponse.OpenStream(request.Query.TryGetValue("state", out string? state) ? state : null);
        }

        ISseClient? client = Mount.FindClient(request);
        if (client is null)
        {
            string? session = request.GetField("session") ?? request.GetHeader("X-Session-Id");
            return session is null
                ? SseResponse.NotFound($"{Mount.Path} serves event streams only (send Accept: text/event-stream).")
                : SseResponse.NotFound("unknown session");
        }

        if (IsOn(request, "drop"))
        {
            client.Drop();
            return SseResponse.Text(200, "dropped");
        }

        if (IsOn(request, "whoami"))
        {
            return SseResponse.Text(200, client.State?.ToString() ?? string.Empty);
        }

        string eventType = request.GetField("event") ?? "echo";
        if (eventType.Length == 0 || !SseEvent.IsValidField(eventType))
        {
            return SseResponse.BadRequest("event must be a non-empty single line");
        }

        SseEvent sseEvent = new(eventType, request.GetField("data") ?? string.Empty);
        if (IsOn(request, "broadcast"))
        {
            Mount.Broadcast(sseEvent);
            return SseResponse.Text(200, "sent");
        }

        return client.Send(sseEvent)
            ? SseResponse.Text(200, "sent")
            : SseResponse.Text(410, "client has gone");
    }
}
