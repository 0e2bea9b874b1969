namespace SsePluginHost.Auth;

/// <summary>The answer of <c>POST /_host/tickets/&lt;mount&gt;</c>.</summary>
/// <param name="Ticket">The ticket, for <c>?ticket=</c>.</param>
/// <param name="Mount">The mount it opens.</param>
/// <param name="ExpiresInSeconds">How soon the first stream must open with it.</param>
internal sealed record TicketIssued(string Ticket, string Mount, int ExpiresInSeconds);
