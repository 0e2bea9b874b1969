using SsePluginHost.Mounts;

namespace SsePluginHost.Admission;

/// <summary>Admission's answer for one request.</summary>
/// <param name="Outcome">What to do with it.</param>
/// <param name="Mount">The mount it is for, unless <see cref="AdmissionOutcome.NotAMount"/>.</param>
/// <param name="SubPath">The rest of the path below the mount.</param>
/// <param name="Status">The status of a refusal (503 when unavailable, the policy's for a refusal).</param>
/// <param name="Reason">One line for the client (and the log) saying why, for a refusal.</param>
/// <param name="RetryAfterSeconds">A <c>Retry-After</c> to send with a refusal, or <see langword="null"/>.</param>
/// <param name="Headers">Header fields the answer carries, whatever it is (a refusal's challenge), or <see langword="null"/>.</param>
/// <param name="Credentials">Who the request is from, on a mount with authentication; else <see langword="null"/>.</param>
/// <param name="Lease">What a stream holds of its address's rate limits while it lasts, or <see langword="null"/>.</param>
internal sealed record AdmissionDecision(
    AdmissionOutcome Outcome,
    Mount? Mount,
    string SubPath,
    int Status = 200,
    string? Reason = null,
    int? RetryAfterSeconds = null,
    IReadOnlyList<KeyValuePair<string, string>>? Headers = null,
    Auth.Credentials? Credentials = null,
    IDisposable? Lease = null)
{
    /// <summary>The answer for a path no mount serves.</summary>
    public static readonly AdmissionDecision NotAMount = new(AdmissionOutcome.NotAMount, null, string.Empty);

    /// <summary>The answer for a mount whose plugin failed, is still starting, or was unloaded: 503 with why.</summary>
    /// <summary>A policy's refusal of a request to a mount.</summary>
    public static AdmissionDecision Refused(Mount mount, string subPath, AdmissionRefusal refusal) =>
        new(AdmissionOutcome.Refused, mount, subPath, refusal.Status, refusal.Reason, refusal.RetryAfterSeconds, refusal.Headers);

    /// <summary>The user the plugin is to see, if any.</summary>
    public System.Security.Claims.ClaimsPrincipal? User => Credentials?.User;

    public static AdmissionDecision Unavailable(Mount mount, string subPath) =>
        new(AdmissionOutcome.Unavailable, mount, subPath, StatusCodes.Status503ServiceUnavailable,
            $"The service at {mount.Path} is not available: {mount.UnavailableReason}", mount.IsLoading ? 1 : null);

    /// <summary>What the request holds until its answer is over (its stream slot, its rate-limit lease), to be released once.</summary>
    public AdmissionHold Hold => new(HoldsSlot ? Mount : null, Lease);

    /// <summary>Whether a stream slot was taken for it (given back with <see cref="Mount.ExitStream"/>).</summary>
    public bool HoldsSlot => Outcome == AdmissionOutcome.Stream;
}
