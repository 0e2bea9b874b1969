using Microsoft.Extensions.Logging;
using SsePluginHost.Abstractions;

namespace SsePluginTemplate;

/// <summary>
/// A service of SsePluginHost: it greets each client that connects with <c>event: greeting</c>,
/// and broadcasts the <c>text</c> of any other request to its mount (<c>GET /path?text=hi</c>, or
/// a POST form) to every client as <c>event: message</c>.
/// </summary>
/// <remarks>
/// The mount's <c>Settings</c> in the host's <c>appsettings.json</c> may name the greeting:
/// <c>"/path": { "Plugin": "SsePluginTemplate", "Settings": { "Greeting": "Hi" } }</c>.
/// </remarks>
public sealed partial class SsePluginTemplateService : SseServiceBase
{
    private readonly string _greeting;
    private readonly ILogger _logger;

    /// <summary>Creates the service from what the host hands it.</summary>
    /// <param name="context">The mount, its settings, a logger, the host's clock and the instance's life token.</param>
    public SsePluginTemplateService(SseServiceContext context)
        : base(context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _greeting = context.Settings["Greeting"] ?? "Hello";
        _logger = context.Logger;
    }

    /// <inheritdoc/>
    public override ValueTask StartAsync(CancellationToken cancellationToken)
    {
        LogStarted(_logger, Mount.Path, _greeting);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public override void OnClientConnected(ISseClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        client.Send("greeting", $"{_greeting}, {client.SessionId}");
    }

    /// <inheritdoc/>
    public override ValueTask<SseResponse> HandleRequestAsync(SseRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.AcceptsEventStream)
        {
            return ValueTask.FromResult(SseResponse.OpenStream());
        }

        if (request.GetField("text") is not { Length: > 0 } text)
        {
            return ValueTask.FromResult(SseResponse.BadRequest($"send text: {Mount.Path}?text=hi"));
        }

        int sent = Mount.Broadcast("message", text);
        return ValueTask.FromResult(SseResponse.Text(200, $"sent to {sent}"));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Path} greets with '{Greeting}'")]
    private static partial void LogStarted(ILogger logger, string path, string greeting);
}
