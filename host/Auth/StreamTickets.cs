using System.Collections.Concurrent;
using System.Security.Cryptography;
using SsePluginHost.Admission;

namespace SsePluginHost.Auth;

/// <summary>
/// The stream tickets this host has issued (<c>POST /_host/tickets</c>) and the rules of their
/// use. A ticket is 256 random bits; nothing about it can be guessed or forged, and it is
/// forgotten once it can no longer be used.
/// </summary>
internal sealed class StreamTickets(TimeProvider time)
{
    /// <summary>How soon after issue a ticket's first stream must open.</summary>
    public static readonly TimeSpan FirstUseWithin = TimeSpan.FromSeconds(30);

    /// <summary>How long a used ticket of a token without expiry is kept at most.</summary>
    private static readonly TimeSpan LongestUse = TimeSpan.FromHours(24);

    /// <summary>The most tickets held at once; past it, issuing answers 503.</summary>
    public const int MaxOutstanding = 100_000;

    private readonly ConcurrentDictionary<string, StreamTicket> _tickets = new(StringComparer.Ordinal);
    private readonly Lock _sweepGate = new();
    private long _lastSweep;

    /// <summary>How many tickets are held now.</summary>
    public int Count => _tickets.Count;

    /// <summary>Issues a ticket for a mount to the holder of <paramref name="credentials"/>; null when too many are outstanding.</summary>
    public StreamTicket? Issue(string mountPath, Credentials credentials)
    {
        DateTimeOffset now = time.GetUtcNow();
        Sweep(now);
        if (_tickets.Count >= MaxOutstanding)
        {
            return null;
        }

        StreamTicket ticket = new(Base64UrlEncode(RandomNumberGenerator.GetBytes(32)), mountPath, credentials with { Ticket = null }, now);
        _tickets[ticket.Id] = ticket;
        return ticket;
    }

    /// <summary>
    /// Checks a ticket a stream request came with, for the mount and the session it names (if any).
    /// <paramref name="sessionExists"/> says whether a session the ticket already opened still exists.
    /// </summary>
    public TicketRedemption Redeem(string id, string mountPath, string? sessionWanted, Func<string, bool> sessionExists)
    {
        DateTimeOffset now = time.GetUtcNow();
        if (!_tickets.TryGetValue(id, out StreamTicket? ticket))
        {
            return Refuse(401, "the ticket is not known: it was never issued here, or it expired; get a new one");
        }

        if (!string.Equals(ticket.MountPath, mountPath, StringComparison.Ordinal))
        {
            return Refuse(403, $"the ticket is for {ticket.MountPath}, not {mountPath}");
        }

        if (!ticket.Credentials.IsValidAt(now))
        {
            _tickets.TryRemove(id, out _);
            return Refuse(401, "the token the ticket was issued for has expired; get a new token and a new ticket");
        }

        if (ticket.SessionId is not { } bound)
        {
            if (now - ticket.IssuedAt > FirstUseWithin)
            {
                _tickets.TryRemove(id, out _);
                return Refuse(401, $"the ticket was not used within {FirstUseWithin.TotalSeconds:0} s of issue; get a new one");
            }

            return ticket.TryClaim()
                ? new TicketRedemption(ticket.Credentials with { Ticket = ticket, Source = TokenSource.Other }, null)
                : Refuse(401, "the ticket has been used already; get a new one");
        }

        if (sessionWanted is not null && !string.Equals(sessionWanted, bound, StringComparison.Ordinal))
        {
            return Refuse(403, "the ticket opened another session; a ticket serves one session only");
        }

        if (!sessionExists(bound))
        {
            _tickets.TryRemove(id, out _);
            return Refuse(401, "the session the ticket opened has ended; get a new ticket");
        }

        return new TicketRedemption(ticket.Credentials with { Ticket = ticket, Source = TokenSource.Other }, null);
    }

    /// <summary>Forgets, at most every few seconds, the tickets that can no longer be used.</summary>
    private void Sweep(DateTimeOffset now)
    {
        long ticks = now.UtcTicks;
        lock (_sweepGate)
        {
            if (ticks - _lastSweep < TimeSpan.TicksPerSecond * 5)
            {
                return;
            }

            _lastSweep = ticks;
        }

        foreach (KeyValuePair<string, StreamTicket> pair in _tickets)
        {
            StreamTicket ticket = pair.Value;
            bool unused = ticket.SessionId is null && now - ticket.IssuedAt > FirstUseWithin;
            if (unused || !ticket.Credentials.IsValidAt(now) || now - ticket.IssuedAt > LongestUse)
            {
                _tickets.TryRemove(pair.Key, out _);
            }
        }
    }

    private static TicketRedemption Refuse(int status, string reason) =>
        new(null, new AdmissionRefusal(status, "Ticket refused: " + reason + "."));

    private static string Base64UrlEncode(byte[] bytes) =>
        System.Buffers.Text.Base64Url.EncodeToString(bytes);
}
