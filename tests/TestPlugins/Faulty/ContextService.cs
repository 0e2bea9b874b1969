using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using SsePluginHost.Abstractions;

namespace Faulty;

/// <summary>
/// A service built on <see cref="SseServiceContext"/> alone: started with <see cref="StartAsync"/>
/// (asynchronously, after <c>StartDelayMs</c> of its settings, if set) before it serves, and
/// logging what it sees as it starts, stops and is disposed.
/// </summary>
/// <remarks>
/// A plain request answers <c>started greeting=&lt;Greeting&gt; year=&lt;the clock's year&gt;</c>;
/// <c>broadcast=TEXT</c> broadcasts <c>event: note</c> with <c>TEXT</c> by
/// <see cref="ISseMount.BroadcastAsync"/> and answers the id it got; <c>utf8=1</c> broadcasts
/// <c>event: bytes</c> made from UTF-8 bytes (<c>é</c>, a line break, <c>line 2</c>).
/// </remarks>
public sealed class ContextService : SseServiceBase, IDisposable
{
    private readonly SseServiceContext _context;
    private bool _started;

    /// <summary>Creates the service.</summary>
    /// <param name="context">What the host hands it.</param>
    public ContextService(SseServiceContext context)
        : base(context)
    {
        _context = context;
    }

    /// <inheritdoc/>
    public override async ValueTask StartAsync(CancellationToken cancellationToken)
    {
        if (int.TryParse(_context.Settings["StartDelayMs"], NumberStyles.None, CultureInfo.InvariantCulture, out int delay))
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }

        await Task.Yield();
        _started = true;
        _context.Logger.LogInformation("ContextService started on {Path}", _context.Mount.Path);
    }

    /// <inheritdoc/>
    public override ValueTask StopAsync(CancellationToken cancellationToken)
    {
        _context.Logger.LogInformation("ContextService stopping on {Path}: Stopping signalled {Signalled}", _context.Mount.Path, _context.Stopping.IsCancellationRequested);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public void Dispose() => _context.Logger.LogInformation("ContextService disposed on {Path}", _context.Mount.Path);

    /// <inheritdoc/>
    public override async ValueTask<SseResponse> HandleRequestAsync(SseRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.AcceptsEventStream)
        {
            return SseResponse.OpenStream();
        }

        if (request.GetField("broadcast") is { } text)
        {
            SseBroadcastReceipt receipt = await Mount.BroadcastAsync(new SseEvent("note", text)).ConfigureAwait(false);
            return SseResponse.Text(200, receipt.EventId);
        }

        if (request.GetField("utf8") == "1")
        {
            SseBroadcastReceipt receipt = await Mount.BroadcastAsync(SseEvent.FromUtf8("bytes", Encoding.UTF8.GetBytes("é\nline 2"))).ConfigureAwait(false);
            return SseResponse.Text(200, receipt.EventId);
        }

        return SseResponse.Text(200, $"{(_started ? "started" : "not started")} greeting={_context.Settings["Greeting"]} year={_context.Time.GetUtcNow().Year}");
    }
}
