using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using SsePluginHost.Mounts;

namespace SsePluginHost.Streaming;

/// <summary>A request to a mount that came through ASP.NET Core's pipeline.</summary>
internal sealed class HttpStreamExchange(HttpContext context) : IStreamExchange
{
    public CancellationToken Aborted => context.RequestAborted;

    public string? LastEventIdHeader => context.Request.Headers["Last-Event-ID"].FirstOrDefault();

    public bool HasStarted => context.Response.HasStarted;

    public PipeWriter Output => context.Response.BodyWriter;

    public System.Net.Sockets.Socket? Socket => null;

    public void AddHeader(string name, string value) => context.Response.Headers.Append(name, value);

    public Task StartEventStreamAsync()
    {
        SetEventStreamHeaders(context);
        return context.Response.StartAsync(context.RequestAborted);
    }

    public Task WriteTextAsync(int statusCode, string contentType, string? text, int? retryAfterSeconds = null)
    {
        if (context.Response.HasStarted)
        {
            return Task.CompletedTask;
        }

        context.Response.StatusCode = statusCode;
        if (retryAfterSeconds is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        if (text is null)
        {
            return Task.CompletedTask;
        }

        context.Response.ContentType = contentType;
        return context.Response.WriteAsync(text, Encoding.UTF8, context.RequestAborted);
    }

    public async Task RefuseWithRetryAsync(Mount mount, string why, TimeSpan? delay = null)
    {
        mount.Metrics.Refused(mount.Path);
        SetEventStreamHeaders(context);
        int seconds = PluginRetryLater.Seconds(delay ?? mount.RefusalRetry);
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await context.Response.WriteAsync($": {why}, retry later\n", context.RequestAborted).ConfigureAwait(false);
        await context.Response.BodyWriter.WriteAsync(delay is { } given ? SseFramer.Retry(given) : mount.RefusalRetryFrame, context.RequestAborted)
            .ConfigureAwait(false);
    }

    private static void SetEventStreamHeaders(HttpContext context)
    {
        HttpResponse response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
    }
}
