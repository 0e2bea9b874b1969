namespace SsePluginHost.Abstractions;

/// <summary>
/// One server-sent event: an optional type and id, and data that may span several lines.
/// </summary>
/// <remarks>
/// The type and the id are single-line fields of the wire format: a value containing CR, LF or
/// NUL could forge other fields or events, so the constructor refuses it with an
/// <see cref="ArgumentException"/>. Line breaks in the data (<c>\n</c>, <c>\r\n</c> or
/// <c>\r</c>) are written as several <c>data:</c> lines, which a reader joins with <c>\n</c>.
/// </remarks>
public sealed class SseEvent
{
    private readonly ReadOnlyMemory<byte>? _utf8Data;
    private string? _data;

    /// <summary>Creates an event.</summary>
    /// <param name="eventType">The event type, or <see langword="null"/> for the default <c>message</c>.</param>
    /// <param name="data">The data.</param>
    /// <param name="id">The event id, or <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentException">
    /// The type or id contains CR, LF or NUL, the type is empty, or a value is not valid UTF-16
    /// (a lone surrogate, which UTF-8 cannot carry).
    /// </exception>
    public SseEvent(string? eventType, string data, string? id = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        EnsureWellFormed(data, nameof(data), "event's data");
        if (eventType is not null)
        {
            if (eventType.Length == 0)
            {
                throw new ArgumentException("An event type must not be empty; pass null for the default type.", nameof(eventType));
            }

            EnsureSingleLine(eventType, nameof(eventType), "event type");
            EnsureWellFormed(eventType, nameof(eventType), "event type");
        }

        if (id is not null)
        {
            EnsureSingleLine(id, nameof(id), "event id");
            EnsureWellFormed(id, nameof(id), "event id");
        }

        EventType = eventType;
        _data = data;
        Id = id;
    }

    private SseEvent(string? eventType, ReadOnlyMemory<byte> utf8Data, string? id)
        : this(eventType, string.Empty, id)
    {
        _data = null;
        _utf8Data = utf8Data;
    }

    /// <summary>The event type, or <see langword="null"/> for the default <c>message</c>.</summary>
    public string? EventType { get; }

    /// <summary>The data; line breaks become several <c>data:</c> lines.</summary>
    /// <remarks>For an event made with <see cref="FromUtf8(string?, ReadOnlyMemory{byte}, string?)"/>, decoded when first asked for.</remarks>
    public string Data => _data ??= System.Text.Encoding.UTF8.GetString(_utf8Data!.Value.Span);

    /// <summary>
    /// The data as UTF-8 bytes, for an event made with <see cref="FromUtf8(string?, ReadOnlyMemory{byte}, string?)"/> (the host frames
    /// them as they are, without a string in between); <see langword="null"/> for an event made
    /// from a string.
    /// </summary>
    public ReadOnlyMemory<byte>? Utf8Data => _utf8Data;

    /// <summary>
    /// Creates an event whose data is UTF-8 bytes already (a serializer's output, a message from
    /// elsewhere): the host frames them as they are. Line breaks in them (<c>\n</c>, <c>\r\n</c>,
    /// <c>\r</c>) become several <c>data:</c> lines, as for a string. The bytes are not copied:
    /// they must not change after the call.
    /// </summary>
    /// <param name="eventType">The event type, or <see langword="null"/> for the default <c>message</c>.</param>
    /// <param name="utf8Data">The data, in UTF-8.</param>
    /// <param name="id">The event id, or <see langword="null"/> for none.</param>
    /// <returns>The event.</returns>
    /// <exception cref="ArgumentException">The bytes are not valid UTF-8, or the type or id is not valid (as for the constructor).</exception>
    public static SseEvent FromUtf8(string? eventType, ReadOnlyMemory<byte> utf8Data, string? id)
    {
        if (!System.Text.Unicode.Utf8.IsValid(utf8Data.Span))
        {
            throw new ArgumentException(
                $"An event's data must be valid UTF-8; the bytes are not, from about byte {FirstInvalidUtf8(utf8Data.Span)}.", nameof(utf8Data));
        }

        return new SseEvent(eventType, utf8Data, id);
    }

    /// <inheritdoc cref="FromUtf8(string?, ReadOnlyMemory{byte}, string?)"/>
    public static SseEvent FromUtf8(string? eventType, ReadOnlyMemory<byte> utf8Data) => FromUtf8(eventType, utf8Data, null);

    /// <summary>The event id, or <see langword="null"/>.</summary>
    public string? Id { get; }

    /// <summary>Creates an event whose data is several lines.</summary>
    /// <param name="eventType">The event type.</param>
    /// <param name="lines">The data lines.</param>
    /// <returns>The event.</returns>
    public static SseEvent FromLines(string? eventType, IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        return new SseEvent(eventType, string.Join('\n', lines));
    }

    /// <summary>Tells whether a value may be used as an event type or id.</summary>
    /// <param name="value">The value.</param>
    /// <returns><see langword="true"/> when it contains no CR, LF or NUL.</returns>
    public static bool IsValidField(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.AsSpan().IndexOfAny('\r', '\n', '\0') < 0;
    }

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        System.Buffers.OperationStatus status = System.Text.Unicode.Utf8.ToUtf16(bytes, new char[bytes.Length], out int read, out _, replaceInvalidSequences: false);
        return status == System.Buffers.OperationStatus.Done ? bytes.Length : read;
    }

    private static void EnsureWellFormed(string value, string paramName, string what)
    {
        ReadOnlySpan<char> span = value;
        int at = span.IndexOfAnyInRange('\uD800', '\uDFFF');
        while (at >= 0)
        {
            if (!char.IsHighSurrogate(span[at]) || at + 1 >= span.Length || !char.IsLowSurrogate(span[at + 1]))
            {
                throw new ArgumentException($"An {what} must be valid UTF-16; found a lone surrogate at position {at}.", paramName);
            }

            int next = span[(at + 2)..].IndexOfAnyInRange('\uD800', '\uDFFF');
            at = next < 0 ? -1 : at + 2 + next;
        }
    }

    private static void EnsureSingleLine(string value, string paramName, string what)
    {
        int bad = value.AsSpan().IndexOfAny('\r', '\n', '\0');
        if (bad >= 0)
        {
            string name = value[bad] switch
            {
                '\r' => "CR",
                '\n' => "LF",
                _ => "NUL",
            };
            throw new ArgumentException($"An {what} must not contain CR, LF or NUL; found {name} at position {bad}.", paramName);
        }
    }
}
