using System.Globalization;

namespace Chat;

/// <summary>Checks nicknames and messages sent by clients.</summary>
internal static class ChatInput
{
    /// <summary>The longest nickname, in UTF-16 code units.</summary>
    public const int MaxNickLength = 32;

    /// <summary>The longest room name.</summary>
    public const int MaxRoomLength = 32;

    /// <summary>Checks a room name: 1 to 32 letters, digits, <c>-</c> or <c>_</c>.</summary>
    /// <param name="room">The room name.</param>
    /// <returns>What is wrong with it, or <see langword="null"/> when it is fine.</returns>
    public static string? CheckRoom(string room) =>
        room.Length is 0 or > MaxRoomLength || !room.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            ? $"room must be 1 to {MaxRoomLength} letters, digits, '-' or '_'"
            : null;

    /// <summary>Checks a nickname: 1 to 32 characters, not blank, no control or line-break characters.</summary>
    /// <param name="nick">The nickname.</param>
    /// <returns>What is wrong with it, or <see langword="null"/> when it is fine.</returns>
    public static string? CheckNick(string nick)
    {
        if (string.IsNullOrWhiteSpace(nick))
        {
            return "nick must not be empty or blank";
        }

        if (nick.Length > MaxNickLength)
        {
            return $"nick must be at most {MaxNickLength} characters, not {nick.Length}";
        }

        foreach (char c in nick)
        {
            UnicodeCategory category = char.GetUnicodeCategory(c);
            if (category is UnicodeCategory.Control or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                return $"nick must not contain control characters (found U+{(int)c:X4})";
            }
        }

        return IsWellFormed(nick) ? null : "nick is not well-formed Unicode text";
    }

    /// <summary>Checks a message: not empty, at most <paramref name="maxLength"/> characters, well-formed.</summary>
    /// <param name="message">The message; it may span several lines.</param>
    /// <param name="maxLength">The longest message, in UTF-16 code units.</param>
    /// <returns>What is wrong with it, or <see langword="null"/> when it is fine.</returns>
    public static string? CheckMessage(string message, int maxLength)
    {
        if (message.Length == 0)
        {
            return "msg must not be empty";
        }

        if (message.Length > maxLength)
        {
            return $"msg must be at most {maxLength} characters, not {message.Length}";
        }

        return IsWellFormed(message) ? null : "msg is not well-formed Unicode text";
    }

    // A lone surrogate cannot be written as UTF-8 (and so not as JSON).
    private static bool IsWellFormed(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (!char.IsSurrogate(c))
            {
                continue;
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }

            return false;
        }

        return true;
    }
}
