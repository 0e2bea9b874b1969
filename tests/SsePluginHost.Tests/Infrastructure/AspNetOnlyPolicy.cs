using SsePluginHost.Admission;
using SsePluginHost.Mounts;

namespace SsePluginHost.Tests.Infrastructure;

/// <summary>
/// A test-only policy that the fast lane cannot apply: it lets everything through, but applies
/// to mounts whose settings say <c>"TestAspNetOnly": "1"</c>, so those must be served through
/// ASP.NET Core.
/// </summary>
internal sealed class AspNetOnlyPolicy : IMountPolicy
{
    public string Name => "test-aspnet-only";

    public bool AppliesOnFastLane(Mount mount) => mount.Definition.Settings["TestAspNetOnly"] != "1";

    public AdmissionRefusal? Check(Mount mount, IAdmissionRequest request) => null;
}
