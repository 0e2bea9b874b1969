using SsePluginHost.Admission;
using SsePluginHost.Mounts;

namespace SsePluginHost.Auth;

/// <summary>
/// <c>POST /_host/tickets/&lt;mount&gt;</c>: a client that shows a valid token for a mount (as the
/// mount allows it: header, cookie or query) gets a short opaque stream ticket, to open
/// <c>new EventSource('/chat?ticket=...')</c> without the token in the URL.
/// </summary>
internal sealed partial class TicketEndpoint(MountTable table, StreamTickets tickets, ILogger<TicketEndpoint> logger)
{
    /// <summary>The path the endpoint answers under.</summary>
    public const string Path = "/_host/tickets";

    /// <summary>Maps the endpoint (outside the publish API: a page may call it through a proxy).</summary>
    public static void Map(WebApplication app)
    {
        TicketEndpoint endpoint = app.Services.GetRequiredService<TicketEndpoint>();
        app.MapPost(Path + "/{**mount}", endpoint.IssueAsync);
    }

    private async Task<IResult> IssueAsync(HttpContext context, string? mount)
    {
        context.Response.Headers.CacheControl = "no-store";
        string path = "/" + (mount ?? string.Empty).Trim('/');
        if (table.Find(path) is not { } target)
        {
            return Text(StatusCodes.Status404NotFound, $"Nothing is mounted at {path}.");
        }

        if (target.Authenticator is not { TakesTickets: true } authenticator)
        {
            return Text(StatusCodes.Status404NotFound, $"{path} does not use stream tickets (its Auth mode is Anonymous, or Tickets is false).");
        }

        AuthOutcome outcome = await authenticator.AuthenticateByTokenAsync(new HttpAdmissionRequest(context.Request), path).ConfigureAwait(false);
        if (outcome.Refusal is { } refusal)
        {
            foreach (KeyValuePair<string, string> header in refusal.Headers ?? [])
            {
                context.Response.Headers.Append(header.Key, header.Value);
            }

            return Text(refusal.Status, refusal.Reason);
        }

        if (tickets.Issue(target.Path, outcome.Credentials!) is not { } ticket)
        {
            LogTooMany(logger, target.Path, StreamTickets.MaxOutstanding);
            context.Response.Headers.RetryAfter = "5";
            return Text(StatusCodes.Status503ServiceUnavailable, "Too many stream tickets are outstanding; try again shortly.");
        }

        return Results.Json(new TicketIssued(ticket.Id, target.Path, (int)StreamTickets.FirstUseWithin.TotalSeconds));
    }

    private static IResult Text(int status, string line) => Results.Text(line + "\n", "text/plain; charset=utf-8", statusCode: status);

    [LoggerMessage(EventId = 95, Level = LogLevel.Warning, Message = "{Path}: a stream ticket was refused: {Outstanding} tickets are outstanding")]
    private static partial void LogTooMany(ILogger logger, string path, int outstanding);
}
