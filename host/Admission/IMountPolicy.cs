using SsePluginHost.Mounts;

namespace SsePluginHost.Admission;

/// <summary>
/// A rule every request to a mount passes before its plugin sees it (later: authentication,
/// CORS, rate limits). Admission asks each registered policy, in order, for both ways in.
/// </summary>
internal interface IMountPolicy
{
    /// <summary>The policy's name, for the log.</summary>
    string Name { get; }

    /// <summary>
    /// Whether the policy applies to this mount at all and can be applied exactly on the fast
    /// lane (a head read straight off the connection, without ASP.NET Core's pipeline). A mount
    /// with a policy that applies but cannot be applied there is served through ASP.NET Core.
    /// </summary>
    bool AppliesOnFastLane(Mount mount);

    /// <summary>Refuses the request, or returns <see langword="null"/> to let it through.</summary>
    AdmissionRefusal? Check(Mount mount, IAdmissionRequest request);
}
