namespace SsePluginHost.Abstractions;

/// <summary>
/// The rules for topic names: the parts of a mount that clients follow (chat rooms, a ticker's
/// symbols). An event broadcast to a topic reaches only its followers; one broadcast to the mount
/// reaches every client of the mount, whatever it follows.
/// </summary>
public static class SseTopics
{
    /// <summary>The longest topic name, in UTF-16 code units.</summary>
    public const int MaxLength = 200;

    /// <summary>The most topics one client follows at once.</summary>
    public const int MaxPerClient = 64;

    /// <summary>Tells whether a name may be used as a topic: 1 to <see cref="MaxLength"/> characters, no control character.</summary>
    /// <param name="topic">The name.</param>
    /// <returns><see langword="true"/> when it may.</returns>
    public static bool IsValid(string? topic) =>
        topic is { Length: > 0 and <= MaxLength } && !topic.AsSpan().ContainsAnyInRange('\0', '\u001F') && !topic.Contains('\u007F', StringComparison.Ordinal);

    /// <summary>Throws when <paramref name="topic"/> is not a valid topic name, saying why.</summary>
    /// <param name="topic">The name.</param>
    /// <param name="paramName">The parameter it came in, for the exception.</param>
    /// <exception cref="ArgumentException">It is not valid.</exception>
    public static void EnsureValid(string? topic, string paramName)
    {
        if (!IsValid(topic))
        {
            throw new ArgumentException(
                $"A topic must be 1 to {MaxLength} characters without control characters; got {(topic is null ? "null" : $"{topic.Length} characters")}.", paramName);
        }
    }
}
