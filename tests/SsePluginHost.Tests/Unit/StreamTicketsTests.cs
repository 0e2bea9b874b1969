using System.Security.Claims;
using Microsoft.Extensions.Time.Testing;
using SsePluginHost.Auth;

namespace SsePluginHost.Tests.Unit;

/// <summary>
/// The rules of stream tickets, with a <see cref="FakeTimeProvider"/>: a ticket opens one
/// session, its first stream within 30 s of issue, then only that session's reconnects while
/// the token it was issued for is valid; every other use is refused with why.
/// </summary>
public sealed class StreamTicketsTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Now);
    private readonly HashSet<string> _sessions = new(StringComparer.Ordinal);

    private static Credentials Alice(TimeSpan lifetime) =>
        new(new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "alice")], "Jwt", "sub", "role")), Now + lifetime);

    private StreamTickets Tickets() => new(_time);

    private TicketRedemption Redeem(StreamTickets tickets, string id, string mount = "/chat", string? session = null) =>
        tickets.Redeem(id, mount, session, _sessions.Contains);

    [Fact]
    public void A_ticket_is_long_random_and_unique()
    {
        StreamTickets tickets = Tickets();
        HashSet<string> seen = [];
        for (int i = 0; i < 100; i++)
        {
            string id = tickets.Issue("/chat", Alice(TimeSpan.FromHours(1)))!.Id;
            Assert.Equal(43, id.Length);
            Assert.Matches("^[A-Za-z0-9_-]+$", id);
            Assert.True(seen.Add(id));
        }
    }

    [Fact]
    public void Its_first_stream_gets_the_credentials_with_the_ticket_and_a_second_first_use_is_refused()
    {
        StreamTickets tickets = Tickets();
        StreamTicket ticket = tickets.Issue("/chat", Alice(TimeSpan.FromHours(1)))!;

        TicketRedemption first = Redeem(tickets, ticket.Id);
        TicketRedemption second = Redeem(tickets, ticket.Id);

        Assert.Null(first.Refusal);
        Assert.Same(ticket, first.Credentials!.Ticket);
        Assert.Equal("alice", first.Credentials.Subject);
        Assert.Equal(401, second.Refusal!.Status);
        Assert.Contains("used already", second.Refusal.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unused_ticket_expires_30_s_after_issue()
    {
        StreamTickets tickets = Tickets();
        StreamTicket late = tickets.Issue("/chat", Alice(TimeSpan.FromHours(1)))!;
        StreamTicket onTime = tickets.Issue("/chat", Alice(TimeSpan.FromHours(1)))!;

        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Null(Redeem(tickets, onTime.Id).Refusal);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        TicketRedemption refused = Redeem(tickets, late.Id);

        Assert.Equal(401, refused.Refusal!.Status);
        Assert.Contains("not used within 30 s", refused.Refusal.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Once_bound_it_serves_reconnects_of_its_session_only_while_the_session_lives_and_the_token_is_valid()
    {
        StreamTickets tickets = Tickets();
        StreamTicket ticket = tickets.Issue("/chat", Alice(TimeSpan.FromMinutes(10)))!;
        Assert.Null(Redeem(tickets, ticket.Id).Refusal);
        ticket.Bind("s1");
        _sessions.Add("s1");

        // The browser's own reconnects, long after the first 30 s.
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Null(Redeem(tickets, ticket.Id).Refusal);
        Assert.Null(Redeem(tickets, ticket.Id, session: "s1").Refusal);

        TicketRedemption other = Redeem(tickets, ticket.Id, session: "s2");
        Assert.Equal(403, other.Refusal!.Status);
        Assert.Contains("another session", other.Refusal.Reason, StringComparison.Ordinal);

        _time.Advance(TimeSpan.FromMinutes(5));
        TicketRedemption expired = Redeem(tickets, ticket.Id);
        Assert.Equal(401, expired.Refusal!.Status);
        Assert.Contains("has expired", expired.Refusal.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_ticket_whose_session_ended_is_refused()
    {
        StreamTickets tickets = Tickets();
        StreamTicket ticket = tickets.Issue("/chat", Alice(TimeSpan.FromHours(1)))!;
        Redeem(tickets, ticket.Id);
        ticket.Bind("gone");

        TicketRedemption refused = Redeem(tickets, ticket.Id);

        Assert.Equal(401, refused.Refusal!.Status);
        Assert.Contains("session the ticket opened has ended", refused.Refusal.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_forged_ticket_or_one_for_another_mount_is_refused()
    {
        StreamTickets tickets = Tickets();
        StreamTicket ticket = tickets.Issue("/chat", Alice(TimeSpan.FromHours(1)))!;

        Assert.Equal(401, Redeem(tickets, "forged" + ticket.Id[6..]).Refusal!.Status);
        TicketRedemption elsewhere = Redeem(tickets, ticket.Id, mount: "/clock");
        Assert.Equal(403, elsewhere.Refusal!.Status);
        Assert.Contains("is for /chat", elsewhere.Refusal.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Tickets_that_can_no_longer_be_used_are_forgotten()
    {
        StreamTickets tickets = Tickets();
        for (int i = 0; i < 50; i++)
        {
            tickets.Issue("/chat", Alice(TimeSpan.FromHours(1)));
        }

        StreamTicket kept = tickets.Issue("/chat", Alice(TimeSpan.FromHours(1)))!;
        Redeem(tickets, kept.Id);
        kept.Bind("s1");
        _sessions.Add("s1");
        Assert.Equal(51, tickets.Count);

        _time.Advance(TimeSpan.FromMinutes(1));
        tickets.Issue("/chat", Alice(TimeSpan.FromHours(1)));

        Assert.Equal(2, tickets.Count);
        Assert.Null(Redeem(tickets, kept.Id).Refusal);
    }
}
