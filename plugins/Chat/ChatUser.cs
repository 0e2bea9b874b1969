namespace Chat;

/// <summary>
/// The chat's state for one client, kept in <see cref="SsePluginHost.Abstractions.ISseClient.State"/>:
/// its nickname and its room. Safe to use from several threads.
/// </summary>
public sealed class ChatUser
{
    /// <summary>The room of a stream that names none.</summary>
    public const string DefaultRoom = "lobby";

    private string? _nick;

    /// <summary>Creates a user.</summary>
    /// <param name="nick">The nickname chosen when connecting, or <see langword="null"/> for the default.</param>
    public ChatUser(string? nick = null)
        : this(nick, DefaultRoom)
    {
    }

    /// <summary>Creates a user in a room.</summary>
    /// <param name="nick">The nickname chosen when connecting, or <see langword="null"/> for the default.</param>
    /// <param name="room">The room (a topic of the mount) the user chats in.</param>
    public ChatUser(string? nick, string room)
    {
        _nick = nick;
        Room = room;
    }

    /// <summary>The room (a topic of the mount): what the user says reaches that room only.</summary>
    public string Room { get; }

    /// <summary>
    /// The nickname, or <see langword="null"/> until the client has connected and been given
    /// the default one.
    /// </summary>
    public string? Nick => Volatile.Read(ref _nick);

    /// <summary>Gives the user a nickname unless it already has one.</summary>
    /// <param name="defaultNick">The nickname to use when the user has none.</param>
    /// <returns>The user's nickname.</returns>
    public string EnsureNick(string defaultNick)
    {
        ArgumentNullException.ThrowIfNull(defaultNick);
        return Interlocked.CompareExchange(ref _nick, defaultNick, null) ?? defaultNick;
    }

    /// <summary>Changes the nickname.</summary>
    /// <param name="nick">The new nickname.</param>
    /// <param name="defaultNick">What to report as the old nickname when the user had none.</param>
    /// <returns>The old nickname.</returns>
    public string ChangeNick(string nick, string defaultNick)
    {
        ArgumentNullException.ThrowIfNull(nick);
        return Interlocked.Exchange(ref _nick, nick) ?? defaultNick;
    }
}
