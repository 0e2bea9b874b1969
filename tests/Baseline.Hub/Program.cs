// The reference SSE hub for the benchmark (bench/run.sh): what a competent developer writes
// with ASP.NET Core's own tools and nothing clever.
//
//   GET  /events   an event stream (TypedResults.ServerSentEvents) fed by this client's channel
//   POST /publish  the body, as text, goes to every client as one event "bench"; answers 204
//
// Each client has a bounded channel of 10,000 events. When it is full the oldest waiting event
// is dropped (BoundedChannelFullMode.DropOldest): a slow client loses events, it is not
// disconnected, and publishing never waits for a client.

using System.Collections.Concurrent;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

// Settings come from the command line (--urls) and the environment; the content root is the
// hub's own folder, so an appsettings.json in the working directory is not read by accident.
WebApplicationBuilder builder = WebApplication.CreateBuilder(
    new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Logging.SetMinimumLevel(LogLevel.Warning);

WebApplication app = builder.Build();

const int QueueCapacity = 10_000;
var clients = new ConcurrentDictionary<long, Channel<SseItem<string>>>();
long lastClientId = 0;

app.MapGet("/events", (HttpContext context) =>
{
    Channel<SseItem<string>> channel = Channel.CreateBounded<SseItem<string>>(
        new BoundedChannelOptions(QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = false,
        });
    long id = Interlocked.Increment(ref lastClientId);
    clients[id] = channel;
    return TypedResults.ServerSentEvents(ReadAsync(context, id, channel.Reader, context.RequestAborted));
});

app.MapPost("/publish", async (HttpRequest request) =>
{
    using var reader = new StreamReader(request.Body);
    string data = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
    var item = new SseItem<string>(data, "bench");
    foreach (Channel<SseItem<string>> channel in clients.Values)
    {
        channel.Writer.TryWrite(item);
    }

    return TypedResults.NoContent();
});

app.Run();

async IAsyncEnumerable<SseItem<string>> ReadAsync(
    HttpContext context, long id, ChannelReader<SseItem<string>> reader, [EnumeratorCancellation] CancellationToken cancellationToken)
{
    try
    {
        // Send the response headers now rather than with the first event, so that the client's
        // EventSource opens at once even when nothing is published for a while.
        await context.Response.Body.FlushAsync(cancellationToken);
        while (await reader.WaitToReadAsync(cancellationToken))
        {
            while (reader.TryRead(out SseItem<string> item))
            {
                yield return item;
            }
        }
    }
    finally
    {
        clients.TryRemove(id, out _);
    }
}
