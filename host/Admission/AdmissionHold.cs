using SsePluginHost.Mounts;

namespace SsePluginHost.Admission;

/// <summary>
/// What an admitted request holds until its answer is over: its stream slot, and its rate-limit
/// lease. Kept for the life of a stream instead of the whole <see cref="AdmissionDecision"/>, so
/// that nothing else of the decision (the credentials among it) stays alive with every stream.
/// </summary>
/// <param name="SlotOf">The mount whose stream slot was taken, or <see langword="null"/>.</param>
/// <param name="Lease">The rate-limit lease, or <see langword="null"/>.</param>
internal readonly record struct AdmissionHold(Mount? SlotOf, IDisposable? Lease)
{
    /// <summary>Gives back the slot and the lease; once, when the answer is over.</summary>
    public void Release()
    {
        SlotOf?.ExitStream();
        Lease?.Dispose();
    }
}
