using System.Text;
using Microsoft.Extensions.Options;
using SsePluginHost.Abstractions;
using SsePluginHost.Configuration;
using SsePluginHost.Mounts;

namespace SsePluginHost.Streaming;

/// <summary>
/// The middleware that hands every request under a mount path to its plugin (the original's
/// <c>parse</c>) and either opens a stream or writes the plugin's reply.
/// </summary>
internal sealed partial class MountRequestHandler : IMiddleware
{
    private readonly MountTable _table;
    private readonly StreamRunner _streams;
    private readonly IOptions<SseHostOptions> _options;
    private readonly ILogger<MountRequestHandler> _logger;

    public MountRequestHandler(MountTable table, StreamRunner streams, IOptions<SseHostOptions> options, ILogger<MountRequestHandler> logger)
    {
        _table = table;
        _streams = streams;
        _options = options;
        _logger = logger;
    }

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        string subPath = string.Empty;
        Mount? mount = context.Request.Path.StartsWithSegments(Configuration.MountDefinitionReader.ReservedPrefix, StringComparison.OrdinalIgnoreCase)
            ? null
            : _table.Match(context.Request.Path.Value ?? "/", out subPath);
        if (mount is null)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        if (mount.Service is not { } service)
        {
            await WriteTextAsync(context, StatusCodes.Status503ServiceUnavailable,
                $"The service at {mount.Path} is not available: {mount.LoadError}").ConfigureAwait(false);
            return;
        }

        if (_table.IsShuttingDown)
        {
            if (RequestLimits.AcceptsEventStream(context.Request))
            {
                await StreamRunner.RefuseWithRetryAsync(context, mount, "shutting down").ConfigureAwait(false);
                return;
            }

            context.Response.Headers.RetryAfter = "5";
            await WriteTextAsync(context, StatusCodes.Status503ServiceUnavailable, "The host is shutting down.").ConfigureAwait(false);
            return;
        }

        // A stream takes its slot before the plugin sees the request, so that a plugin never
        // accepts a stream the host then refuses.
        bool slotHeld = false;
        if (RequestLimits.AcceptsEventStream(context.Request))
        {
            if (!await _streams.TryEnterAsync(context, mount).ConfigureAwait(false))
            {
                return;
            }

            slotHeld = true;
        }

        try
        {
            await HandleAsync(context, mount, service, subPath, slotHeld).ConfigureAwait(false);
        }
        finally
        {
            if (slotHeld)
            {
                mount.ExitStream();
            }
        }
    }

    private async Task HandleAsync(HttpContext context, Mount mount, ISseService service, string subPath, bool slotHeld)
    {
        SseRequest request;
        try
        {
            request = await SseRequestReader.ReadAsync(context, mount.Path, subPath, _options.Value.Streams.MaxRequestBodyBytes).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex)
        {
            await WriteTextAsync(context, ex.StatusCode, ex.Message).ConfigureAwait(false);
            return;
        }

        SseResponse answer;
        try
        {
            answer = await service.HandleRequestAsync(request, context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }
#pragma warning disable CA1031 // A plugin's fault costs that request only.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogRequestFailed(_logger, ex, mount.Path, context.Request.Method);
            if (!context.Response.HasStarted)
            {
                await WriteTextAsync(context, StatusCodes.Status500InternalServerError,
                    $"The service at {mount.Path} failed to handle the request.").ConfigureAwait(false);
            }

            return;
        }

        if (answer is null)
        {
            LogNullAnswer(_logger, mount.Path);
            await WriteTextAsync(context, StatusCodes.Status500InternalServerError,
                $"The service at {mount.Path} gave no answer.").ConfigureAwait(false);
            return;
        }

        if (answer.IsStream)
        {
            await _streams.RunAsync(context, mount, service, request, answer.State, slotHeld).ConfigureAwait(false);
            return;
        }

        context.Response.StatusCode = answer.StatusCode;
        if (answer.Body is not null)
        {
            context.Response.ContentType = answer.ContentType;
            await context.Response.WriteAsync(answer.Body, Encoding.UTF8, context.RequestAborted).ConfigureAwait(false);
        }
    }

    private static Task WriteTextAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text + "\n", Encoding.UTF8, context.RequestAborted);
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Error, Message = "{Path}: the plugin threw while handling a {Method} request; answered 500")]
    private static partial void LogRequestFailed(ILogger logger, Exception exception, string path, string method);

    [LoggerMessage(EventId = 11, Level = LogLevel.Error, Message = "{Path}: the plugin returned no answer; answered 500")]
    private static partial void LogNullAnswer(ILogger logger, string path);
}
