using Microsoft.Extensions.Options;
using SsePluginHost.Auth;
using SsePluginHost.Configuration;
using SsePluginHost.Mounts;

namespace SsePluginHost.Admission;

/// <summary>
/// The one place that decides what a request to a mount becomes: a stream (with its slot
/// taken), a request for the plugin, or a refusal; by one set of rules, whichever way the
/// connection arrived. The fast lane (<see cref="Connections.DirectStreamLane"/>) and the
/// mount endpoints of ASP.NET Core (<see cref="Endpoints.MountEndpointHandler"/>) both ask it.
/// </summary>
/// <remarks>
/// The rules, in order: a path under <c>/_host</c>, or one no mount serves, is not a mount's; a
/// request from a page on another origin that the mount's <c>Cors</c> does not allow is refused
/// (403), an allowed one's preflight is answered (204), and an allowed one's answer, whatever it
/// is, carries the CORS headers; a mount whose plugin failed or is still starting answers 503; while the host stops, a stream is
/// told to retry later and any other request gets 503; then every <see cref="IMountPolicy"/>
/// may refuse; then, on a mount with authentication, the request's credentials are checked (a
/// stream's ticket or any request's token; a stream that resumes a session must be of the same
/// user); last, an event-stream request (its <c>Accept</c> names <c>text/event-stream</c>)
/// takes a stream slot within the mount's and the host's <c>MaxStreams</c>, or is told to retry later.
/// </remarks>
internal sealed partial class MountAdmission
{
    private readonly MountTable _table;
    private readonly IMountPolicy[] _policies;
    private readonly int _hostMaxStreams;
    private readonly bool _behindKnownProxy;
    private readonly ILogger<MountAdmission> _logger;
    private readonly StreamTickets _tickets;

    public MountAdmission(MountTable table, IEnumerable<IMountPolicy> policies, IOptions<SseHostOptions> options, ILogger<MountAdmission> logger,
        StreamTickets tickets)
    {
        _tickets = tickets;
        _table = table;
        _policies = [.. policies];
        _hostMaxStreams = options.Value.Streams.MaxStreams;
        _behindKnownProxy = options.Value.ForwardedHeaders.Enabled;
        _logger = logger;
    }

    /// <summary>Whether a path is the host's own (<c>/_host</c> and below, by whole segments).</summary>
    public static bool IsReserved(string path) =>
        path.StartsWith(MountDefinitionReader.ReservedPrefix, StringComparison.OrdinalIgnoreCase)
        && (path.Length == MountDefinitionReader.ReservedPrefix.Length || path[MountDefinitionReader.ReservedPrefix.Length] == '/');

    /// <summary>Whether an <c>Accept</c> header value asks for <c>text/event-stream</c> (an EventSource request): listed, with a quality above 0.</summary>
    public static bool AcceptsEventStream(string? accept) => AcceptHeader.Allows(accept, "text/event-stream");

    /// <summary>The mount that serves a path, or <see langword="null"/> (reserved paths included).</summary>
    public Mount? Match(string path, out string subPath)
    {
        subPath = string.Empty;
        return IsReserved(path) ? null : _table.Match(path, out subPath);
    }

    /// <summary>
    /// Whether the fast lane may answer requests to this mount: every policy that applies to it
    /// can be applied exactly there. Otherwise its requests are left to ASP.NET Core.
    /// </summary>
    public bool FastLaneServes(Mount mount)
    {
        // Behind a known proxy only ASP.NET Core's forwarded-headers middleware knows the client's address.
        if (_behindKnownProxy && mount.RateLimits is not null)
        {
            return false;
        }

        foreach (IMountPolicy policy in _policies)
        {
            if (!policy.AppliesOnFastLane(mount))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The policies a mount has that keep it off the fast lane, for the start-up log.</summary>
    public IEnumerable<string> PoliciesOffTheFastLane(Mount mount) =>
        _policies.Where(p => !p.AppliesOnFastLane(mount)).Select(p => p.Name)
            .Concat(_behindKnownProxy && mount.RateLimits is not null ? ["rate limits by the address a known proxy names"] : []);

    /// <summary>Decides what a request becomes. A <see cref="AdmissionOutcome.Stream"/> holds a slot: give it back with <see cref="Mount.ExitStream"/>.</summary>
    public ValueTask<AdmissionDecision> AdmitAsync(IAdmissionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Mount? mount = Match(request.Path, out string subPath);
        return mount is null ? ValueTask.FromResult(AdmissionDecision.NotAMount) : AdmitAsync(request, mount, subPath);
    }

    /// <summary>The stream tickets this host issued.</summary>
    public StreamTickets Tickets => _tickets;

    /// <summary>Decides what a request to a mount already matched (<see cref="Match"/>) becomes.</summary>
    /// <remarks>Completes at once on a mount without authentication.</remarks>
    public ValueTask<AdmissionDecision> AdmitAsync(IAdmissionRequest request, Mount mount, string subPath)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(mount);
        Cors.CorsCheck cors = mount.Cors.Check(request);
        switch (cors.Verdict)
        {
            case Cors.CorsVerdict.SameOrigin:
                return AdmitFromOrigin(request, mount, subPath);
            case Cors.CorsVerdict.Refused:
                return ValueTask.FromResult(AdmissionDecision.Refused(mount, subPath, new AdmissionRefusal(StatusCodes.Status403Forbidden,
                    $"Pages from {cors.Origin} may not use {mount.Path} (not among its Cors:AllowedOrigins).")));
            case Cors.CorsVerdict.Preflight:
                return ValueTask.FromResult(new AdmissionDecision(AdmissionOutcome.Preflight, mount, subPath, StatusCodes.Status204NoContent, Headers: cors.Headers));
            default:
                ValueTask<AdmissionDecision> admitting = AdmitFromOrigin(request, mount, subPath);
                return admitting.IsCompletedSuccessfully
                    ? ValueTask.FromResult(WithHeaders(admitting.Result, cors.Headers))
                    : WithHeadersAsync(admitting, cors.Headers);
        }
    }

    private static async ValueTask<AdmissionDecision> WithHeadersAsync(ValueTask<AdmissionDecision> admitting, IReadOnlyList<KeyValuePair<string, string>> headers) =>
        WithHeaders(await admitting.ConfigureAwait(false), headers);

    /// <summary>A decision whose answer carries these header fields too (first).</summary>
    private static AdmissionDecision WithHeaders(AdmissionDecision decision, IReadOnlyList<KeyValuePair<string, string>> headers) =>
        decision with { Headers = decision.Headers is { Count: > 0 } own ? [.. headers, .. own] : headers };

    /// <summary>The rules after the origin's: availability, shutdown, policies, authentication, stream slot.</summary>
    private ValueTask<AdmissionDecision> AdmitFromOrigin(IAdmissionRequest request, Mount mount, string subPath)
    {
        if (mount.Service is null)
        {
            return ValueTask.FromResult(AdmissionDecision.Unavailable(mount, subPath));
        }

        bool stream = AcceptsEventStream(request.GetHeader("Accept"));
        if (_table.IsShuttingDown)
        {
            return ValueTask.FromResult(stream
                ? new AdmissionDecision(AdmissionOutcome.RetryLater, mount, subPath, Reason: "shutting down")
                : new AdmissionDecision(AdmissionOutcome.Unavailable, mount, subPath, StatusCodes.Status503ServiceUnavailable, "The host is shutting down.", 5));
        }

        foreach (IMountPolicy policy in _policies)
        {
            if (policy.Check(mount, request) is { } refusal)
            {
                return ValueTask.FromResult(AdmissionDecision.Refused(mount, subPath, refusal));
            }
        }

        // Before authentication, so that a flood of requests costs no token validation.
        IDisposable? lease = null;
        if (mount.RateLimits is { } limits && request.RemoteAddress is { } address)
        {
            RateLimits.RateCheck rate = limits.Check(address, stream);
            if (rate.Exceeded is { } exceeded)
            {
                return ValueTask.FromResult(OverRateLimit(mount, subPath, stream, address, exceeded, rate.RetryAfterSeconds));
            }

            lease = rate.Lease;
        }

        return mount.Authenticator is { } authenticator
            ? AuthenticateAsync(authenticator, request, mount, subPath, stream, lease)
            : ValueTask.FromResult(Finish(mount, subPath, stream, null, lease));
    }

    /// <summary>
    /// Over a rate limit: an EventSource is told to come back later (200, <c>retry:</c>, closed; a
    /// 429 would make it give up for good), any other request gets 429 with <c>Retry-After</c>.
    /// </summary>
    private AdmissionDecision OverRateLimit(Mount mount, string subPath, bool stream, string address, string exceeded, int retryAfterSeconds)
    {
        if (mount.CountRateLimited() is > 0 and var refused)
        {
            LogRateLimited(_logger, mount.Path, exceeded, address, refused);
        }

        return stream
            ? new AdmissionDecision(AdmissionOutcome.RetryLater, mount, subPath, Reason: $"over the limit of {exceeded}")
            : AdmissionDecision.Refused(mount, subPath, new AdmissionRefusal(StatusCodes.Status429TooManyRequests,
                $"Too many requests to {mount.Path} from {address} (the limit of {exceeded}); retry in {retryAfterSeconds} s.", retryAfterSeconds));
    }

    private async ValueTask<AdmissionDecision> AuthenticateAsync(MountAuthenticator authenticator, IAdmissionRequest request, Mount mount, string subPath,
        bool stream, IDisposable? lease)
    {
        AuthOutcome outcome = await authenticator.AuthenticateAsync(request, mount.Path, stream, _tickets, id => mount.FindSession(id) is not null)
            .ConfigureAwait(false);
        if (outcome.Refusal is { } refusal)
        {
            lease?.Dispose();
            return AdmissionDecision.Refused(mount, subPath, refusal);
        }

        Credentials credentials = outcome.Credentials!;
        if (stream && (request.GetQuery("session") ?? request.GetHeader("X-Session-Id") ?? credentials.Ticket?.SessionId) is { } wanted
            && mount.FindSession(wanted) is { } session
            && !string.Equals(SubjectOf(session), credentials.Subject, StringComparison.Ordinal))
        {
            lease?.Dispose();
            return AdmissionDecision.Refused(mount, subPath, new AdmissionRefusal(StatusCodes.Status403Forbidden,
                $"Session '{wanted}' of {mount.Path} belongs to another user."));
        }

        return Finish(mount, subPath, stream, credentials, lease);
    }

    /// <summary>Whom a session's stream was opened for.</summary>
    private static string? SubjectOf(Streaming.SseSession session) =>
        session.Request.User is { } user ? new Credentials(user, null).Subject : null;

    /// <summary>The last rule: a request goes to the plugin; a stream takes a slot or is told to retry later.</summary>
    private AdmissionDecision Finish(Mount mount, string subPath, bool stream, Credentials? credentials, IDisposable? lease)
    {
        if (!stream)
        {
            return new AdmissionDecision(AdmissionOutcome.Request, mount, subPath, Credentials: credentials, Lease: lease);
        }

        if (TryTakeSlot(mount))
        {
            return new AdmissionDecision(AdmissionOutcome.Stream, mount, subPath, Credentials: credentials, Lease: lease);
        }

        lease?.Dispose();
        return new AdmissionDecision(AdmissionOutcome.RetryLater, mount, subPath, Reason: "over capacity");
    }

    /// <summary>
    /// Takes a stream slot within the mount's and the host's limits (for a stream the plugin
    /// opens for a request that did not ask for one); logs refusals, at most every 10 s per mount.
    /// </summary>
    public bool TryTakeSlot(Mount mount)
    {
        if (mount.TryEnterStream(_hostMaxStreams))
        {
            return true;
        }

        if (mount.CountRefusal() is > 0 and var refused)
        {
            LogOverLimit(_logger, mount.Path, refused, mount.StreamCount, _table.TotalStreams);
        }

        return false;
    }

    [LoggerMessage(EventId = 96, Level = LogLevel.Warning, Message = "{Path}: over the limit of {Limit} from {Address}; refused ({Refused} refused over rate limits since the last such line)")]
    private static partial void LogRateLimited(ILogger logger, string path, string limit, string address, long refused);

    [LoggerMessage(EventId = 27, Level = LogLevel.Warning, Message = "{Path}: stream refused, over the limit ({MountStreams} on the mount, {HostStreams} on the host); told to retry; {Refused} refused since the last such line")]
    private static partial void LogOverLimit(ILogger logger, string path, long refused, int mountStreams, int hostStreams);
}
