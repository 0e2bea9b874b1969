namespace SsePluginHost.Auth;

/// <summary>Something an <see cref="ExpirySchedule"/> ends when its time comes.</summary>
internal interface IExpiring
{
    /// <summary>Its time has come. Called on a timer's thread, outside the schedule's lock.</summary>
    /// <param name="key">The key <see cref="ExpirySchedule.Add"/> gave for the entry that is due.</param>
    void Expire(long key);
}
