using Microsoft.AspNetCore.Http;
using SsePluginHost.Admission;
using SsePluginHost.Mounts;

namespace SsePluginHost.Tests.Infrastructure;

/// <summary>
/// A test-only mount policy that applies to every mount, on the fast lane too: it refuses, with
/// 403 and <see cref="Reason"/>, any request that carries <c>X-Test-Refuse: 1</c>, and lets every
/// other request through.
/// </summary>
internal sealed class RefuseByHeaderPolicy : IMountPolicy
{
    /// <summary>The header that asks for a refusal.</summary>
    public const string HeaderName = "X-Test-Refuse";

    /// <summary>The line the refusal gives the client.</summary>
    public const string Reason = "refused by the test policy";

    public string Name => "test-refuse-by-header";

    public bool AppliesOnFastLane(Mount mount) => true;

    public AdmissionRefusal? Check(Mount mount, IAdmissionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return string.Equals(request.GetHeader(HeaderName), "1", StringComparison.Ordinal)
            ? new AdmissionRefusal(StatusCodes.Status403Forbidden, Reason)
            : null;
    }
}
