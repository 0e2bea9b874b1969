namespace SsePluginHost.Channels;

/// <summary>Where a subscriber's stream of events starts.</summary>
internal readonly record struct ReplayFrom
{
    private ReplayFrom(string? afterId, long afterSequence)
    {
        AfterId = afterId;
        AfterSequence = afterSequence;
    }

    /// <summary>Only events published from now on.</summary>
    public static ReplayFrom Now => default;

    /// <summary>The id a client last received (its <c>Last-Event-ID</c>), or <see langword="null"/>.</summary>
    public string? AfterId { get; }

    /// <summary>The <see cref="ChannelEvent.Sequence"/> of the last event a session of this host wrote, or 0.</summary>
    public long AfterSequence { get; }

    /// <summary>Whether events already published are asked for.</summary>
    public bool IsReplay => AfterId is not null || AfterSequence > 0;

    /// <summary>The events after the one with this id, as a client's <c>Last-Event-ID</c> names it.</summary>
    public static ReplayFrom Id(string lastEventId)
    {
        ArgumentNullException.ThrowIfNull(lastEventId);
        return new ReplayFrom(lastEventId, 0);
    }

    /// <summary>The events after the one this host numbered so.</summary>
    public static ReplayFrom Sequence(long sequence)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        return new ReplayFrom(null, sequence);
    }

    /// <summary>How the position reads in a log line or a reset event.</summary>
    public override string ToString() => AfterId ?? (AfterSequence > 0 ? "(its last)" : "(now)");
}
