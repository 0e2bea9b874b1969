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
internal sealed class MountRequestHandler : IMiddleware
{
    private readonly MountTable _table;
    private readonly StreamRunner _streams;
    private readonly MountDispatcher _dispatcher;
    private readonly IOptions<SseHostOptions> _options;

    public MountRequestHandler(MountTable table, StreamRunner streams, MountDispatcher dispatcher, IOptions<SseHostOptions> options)
    {
        _table = table;
        _streams = streams;
        _dispatcher = dispatcher;
        _options = options;
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
            if (mount.IsLoading)
            {
                context.Response.Headers.RetryAfter = "1";
            }

            await WriteTextAsync(context, StatusCodes.Status503ServiceUnavailable,
                $"The service at {mount.Path} is not available: {mount.UnavailableReason}").ConfigureAwait(false);
            return;
        }

        if (_table.IsShuttingDown)
        {
            if (RequestLimits.AcceptsEventStream(context.Request))
            {
                await HttpStreamExchange.RefuseWithRetryAsync(context, mount, "shutting down").ConfigureAwait(false);
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
            if (!await _streams.TryEnterAsync(new HttpStreamExchange(context), mount).ConfigureAwait(false))
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

        await _dispatcher.DispatchAsync(new HttpStreamExchange(context), mount, service, request, slotHeld).ConfigureAwait(false);
    }

    private static Task WriteTextAsync(HttpContext context, int status, string text) =>
        MountDispatcher.WriteErrorAsync(new HttpStreamExchange(context), status, text);
}
