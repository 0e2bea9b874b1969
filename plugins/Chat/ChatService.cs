using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using SsePluginHost.Abstractions;

namespace Chat;

/// <summary>
/// A chat room (the original framework's chat example). Clients open the mount as an event
/// stream, then post <c>msg</c> and <c>nick</c> fields with their session id; everyone receives
/// <c>join</c>, <c>leave</c>, <c>nick</c> and <c>message</c> events whose data is one line of
/// JSON. A browser that opens the mount gets a small chat page.
/// </summary>
/// <remarks>
/// Setting: <c>MaxMessageLength</c>, the longest message in characters (4096 by default).
/// </remarks>
public sealed partial class ChatService : SseServiceBase
{
    /// <summary>The longest message, in characters, unless the settings say otherwise.</summary>
    public const int DefaultMaxMessageLength = 4096;

    private const string PageResourceName = "Chat.chat.html";
    private const int MaxEchoedLength = 64;

    private readonly ILogger _logger;
    private readonly Lock _stateLock = new();
    private readonly int _maxMessageLength;
    private readonly string _page;
    private readonly string _usage;

    /// <summary>Creates the chat for a mount.</summary>
    /// <param name="mount">The mount.</param>
    /// <param name="settings">The mount's settings: <c>MaxMessageLength</c>.</param>
    /// <param name="logger">The logger.</param>
    public ChatService(ISseMount mount, IConfiguration settings, ILogger<ChatService> logger)
        : base(mount)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(logger);
        _logger = logger;

        string? text = settings["MaxMessageLength"];
        _maxMessageLength = DefaultMaxMessageLength;
        if (text is not null
            && (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out _maxMessageLength)
                || _maxMessageLength <= 0))
        {
            throw new ArgumentException($"Chat: MaxMessageLength must be a positive whole number, not '{text}'.", nameof(settings));
        }

        _page = LoadPage();
        _usage = $"usage: open the stream with GET {mount.Path} (Accept: text/event-stream), "
            + $"then GET or POST {mount.Path} with session=<id from the session-id event> and msg=<text> and/or nick=<name>";
    }

    /// <inheritdoc/>
    public override ValueTask<SseResponse> HandleRequestAsync(SseRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Handle(request);
    }

    /// <inheritdoc/>
    public override void OnClientConnected(ISseClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        string nick = NickOf(client);
        LogJoined(_logger, Mount.Path, client.SessionId, nick);
        _ = ToRoomAsync(UserOf(client).Room, "join", ChatJson.Strings(("nick", nick)));
    }

    /// <inheritdoc/>
    public override void OnClientDisconnected(ISseClient client, SseDisconnectReason reason)
    {
        ArgumentNullException.ThrowIfNull(client);
        string nick = NickOf(client);
        string reasonName = reason.ToString();
        LogLeft(_logger, Mount.Path, client.SessionId, nick, reasonName);
        _ = ToRoomAsync(UserOf(client).Room, "leave", ChatJson.Strings(("nick", nick), ("reason", reasonName)));
    }

    private static string DefaultNick(string sessionId) =>
        "guest-" + sessionId[..Math.Min(6, sessionId.Length)];

    // Keeps user input that is echoed in replies and logs short and on one line.
    private static string Printable(string text)
    {
        if (text.Length > MaxEchoedLength)
        {
            text = string.Concat(text.AsSpan(0, MaxEchoedLength), "...");
        }

        return string.Create(text.Length, text, static (span, source) =>
        {
            for (int i = 0; i < source.Length; i++)
            {
                span[i] = char.IsControl(source[i]) || char.IsSurrogate(source[i]) ? '?' : source[i];
            }
        });
    }

    private ChatUser UserOf(ISseClient client)
    {
        if (client.State is ChatUser user)
        {
            return user;
        }

        // Only when the stream was not opened by this service; the first user stored wins.
        lock (_stateLock)
        {
            if (client.State is not ChatUser existing)
            {
                existing = new ChatUser();
                client.State = existing;
            }

            return existing;
        }
    }

    // A request about a client can arrive before OnClientConnected has run (the session-id
    // event is sent first), so the default nickname is given on first use, whichever comes first.
    private string NickOf(ISseClient client) => UserOf(client).EnsureNick(DefaultNick(client.SessionId));

    private static string LoadPage()
    {
        using Stream stream = typeof(ChatService).Assembly.GetManifestResourceStream(PageResourceName)
            ?? throw new InvalidOperationException($"Chat: the embedded resource '{PageResourceName}' is missing.");
        using StreamReader reader = new(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Says something in a room: its followers get it (on every host, with a Redis channel); returns how many here did.</summary>
    private async Task<int> ToRoomAsync(string room, string eventType, string data)
    {
        try
        {
            return (await Mount.BroadcastAsync(room, new SseEvent(eventType, data)).ConfigureAwait(false)).Delivered;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogRoomFailed(_logger, ex, Mount.Path, room, eventType);
            return 0;
        }
    }

    private ValueTask<SseResponse> Handle(SseRequest request)
    {
        bool isGet = string.Equals(request.Method, "GET", StringComparison.OrdinalIgnoreCase)
            || string.Equals(request.Method, "HEAD", StringComparison.OrdinalIgnoreCase);

        if (request.AcceptsEventStream && isGet)
        {
            return ValueTask.FromResult(Connect(request));
        }

        if (!isGet && !string.Equals(request.Method, "POST", StringComparison.OrdinalIgnoreCase))
        {
            return ValueTask.FromResult(Reject(request, 405, $"method {request.Method} is not allowed: use GET or POST"));
        }

        ISseClient? client = Mount.FindClient(request);
        if (client is null)
        {
            string? session = request.GetField("session") ?? request.GetHeader("X-Session-Id");
            if (string.IsNullOrEmpty(session))
            {
                if (request.AcceptsHtml || (isGet && request.Query.Count == 0))
                {
                    return ValueTask.FromResult(SseResponse.Html(_page));
                }

                return ValueTask.FromResult(Reject(request, 400, _usage));
            }

            return ValueTask.FromResult(Reject(request, 404, $"unknown session '{Printable(session)}': open the stream first (GET {Mount.Path} with Accept: text/event-stream) and use the id from its session-id event"));
        }

        return PostAsync(request, client);
    }

    private SseResponse Connect(SseRequest request)
    {
        string? nick = request.GetField("nick");
        if (nick is not null && ChatInput.CheckNick(nick) is string problem)
        {
            return Reject(request, 400, problem);
        }

        string room = request.GetField("room") is { Length: > 0 } asked ? asked : ChatUser.DefaultRoom;
        if (ChatInput.CheckRoom(room) is string badRoom)
        {
            return Reject(request, 400, badRoom);
        }

        // The stream follows its room from the start, so that a reconnect is replayed what the room missed.
        return SseResponse.OpenStreamFollowing(new ChatUser(nick, room), [room]);
    }

    private async ValueTask<SseResponse> PostAsync(SseRequest request, ISseClient client)
    {
        string? nick = request.GetField("nick");
        string? message = request.GetField("msg");
        if (nick is null && message is null)
        {
            return Reject(request, 400, _usage);
        }

        // Check everything before acting, so that a bad message does not leave a changed nickname.
        string? problem = (nick is null ? null : ChatInput.CheckNick(nick))
            ?? (message is null ? null : ChatInput.CheckMessage(message, _maxMessageLength));
        if (problem is not null)
        {
            return Reject(request, 400, problem);
        }

        int delivered = 0;
        ChatUser user = UserOf(client);
        string defaultNick = DefaultNick(client.SessionId);
        if (nick is not null)
        {
            string old = user.ChangeNick(nick, defaultNick);
            delivered = await ToRoomAsync(user.Room, "nick", ChatJson.Strings(("old", old), ("nick", nick))).ConfigureAwait(false);
        }

        if (message is not null)
        {
            string sender = user.EnsureNick(defaultNick);
            delivered = await ToRoomAsync(user.Room, "message", ChatJson.Strings(("nick", sender), ("text", message))).ConfigureAwait(false);
        }

        return SseResponse.Content(200, "application/json; charset=utf-8", ChatJson.Ok(delivered));
    }

    private SseResponse Reject(SseRequest request, int statusCode, string message)
    {
        LogBadRequest(_logger, Mount.Path, request.Method, request.RemoteAddress, statusCode, message);
        return SseResponse.Text(statusCode, message);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Chat {Path}: {Nick} joined (session {SessionId})")]
    private static partial void LogJoined(ILogger logger, string path, string sessionId, string nick);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Chat {Path}: {Nick} left (session {SessionId}, {Reason})")]
    private static partial void LogLeft(ILogger logger, string path, string sessionId, string nick, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Chat {Path}: a {EventType} event for room {Room} could not be sent")]
    private static partial void LogRoomFailed(ILogger logger, Exception exception, string path, string room, string eventType);

    [LoggerMessage(Level = LogLevel.Information, Message = "Chat {Path}: refused {Method} from {Remote} with {StatusCode}: {Problem}")]
    private static partial void LogBadRequest(ILogger logger, string path, string method, string? remote, int statusCode, string problem);
}
