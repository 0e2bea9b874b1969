using System.Buffers;
using System.Text;
using SsePluginHost.Abstractions;

namespace SsePluginHost.Streaming;

/// <summary>
/// Turns an event into its UTF-8 <c>text/event-stream</c> bytes, once; the same bytes then go
/// to every client that receives the event.
/// </summary>
internal static class SseFramer
{
    private static readonly byte[] IdField = "id: "u8.ToArray();
    private static readonly byte[] EventField = "event: "u8.ToArray();
    private static readonly byte[] DataField = "data: "u8.ToArray();
    private static readonly byte[] RetryField = "retry: "u8.ToArray();

    /// <summary>Frames an event (from its UTF-8 bytes when it was made from them). The type and id were checked by <see cref="SseEvent"/>.</summary>
    public static byte[] Frame(SseEvent sseEvent) =>
        sseEvent.Utf8Data is { } utf8 ? Frame(sseEvent.EventType, utf8.Span, sseEvent.Id) : Frame(sseEvent.EventType, sseEvent.Data, sseEvent.Id);

    /// <summary>Frames an event's type and data without an <c>id:</c> field (see <see cref="WithId"/>).</summary>
    public static byte[] FrameBody(SseEvent sseEvent) =>
        sseEvent.Utf8Data is { } utf8 ? Frame(sseEvent.EventType, utf8.Span, id: null) : Frame(sseEvent.EventType, sseEvent.Data, id: null);

    /// <summary>
    /// Frames an event whose data is UTF-8 already, splitting it into <c>data:</c> lines at CR,
    /// LF and CRLF as for a string (no byte of a multi-byte UTF-8 sequence is either), refusing a
    /// type or id with CR, LF or NUL. The data's validity was checked by <see cref="SseEvent.FromUtf8(string?, ReadOnlyMemory{byte}, string?)"/>.
    /// </summary>
    public static byte[] Frame(string? eventType, ReadOnlySpan<byte> utf8Data, string? id)
    {
        ArrayBufferWriter<byte> buffer = new(64 + utf8Data.Length + (utf8Data.Length / 8));
        WriteFields(buffer, eventType, id);

        ReadOnlySpan<byte> rest = utf8Data;
        while (true)
        {
            int eol = rest.IndexOfAny((byte)'\r', (byte)'\n');
            buffer.Write(DataField);
            buffer.Write(eol < 0 ? rest : rest[..eol]);
            buffer.Write("\n"u8);
            if (eol < 0)
            {
                break;
            }

            int skip = rest[eol] == '\r' && eol + 1 < rest.Length && rest[eol + 1] == '\n' ? 2 : 1;
            rest = rest[(eol + skip)..];
        }

        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Frames an event from its parts, refusing a type or id with CR, LF or NUL.</summary>
    public static byte[] Frame(string? eventType, string data, string? id = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArrayBufferWriter<byte> buffer = new(64 + Encoding.UTF8.GetMaxByteCount(data.Length));
        WriteFields(buffer, eventType, id);

        ReadOnlySpan<char> rest = data;
        while (true)
        {
            int eol = rest.IndexOfAny('\r', '\n');
            ReadOnlySpan<char> line = eol < 0 ? rest : rest[..eol];
            buffer.Write(DataField);
            WriteUtf8(buffer, line);
            buffer.Write("\n"u8);
            if (eol < 0)
            {
                break;
            }

            int skip = rest[eol] == '\r' && eol + 1 < rest.Length && rest[eol + 1] == '\n' ? 2 : 1;
            rest = rest[(eol + skip)..];
        }

        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The <c>id:</c> and <c>event:</c> lines in front of an event's data, refusing a type or id with CR, LF or NUL.</summary>
    private static void WriteFields(ArrayBufferWriter<byte> buffer, string? eventType, string? id)
    {
        if (id is not null)
        {
            WriteSingleLine(buffer, IdField, id, nameof(id));
        }

        if (eventType is not null)
        {
            WriteSingleLine(buffer, EventField, eventType, nameof(eventType));
        }
    }

    /// <summary>Frames an event's type and data without an <c>id:</c> field (see <see cref="WithId"/>).</summary>
    public static byte[] FrameBody(string? eventType, string data) => Frame(eventType, data, id: null);

    /// <summary>Puts an <c>id:</c> field in front of a framed event body, refusing an id with CR, LF or NUL.</summary>
    public static byte[] WithId(string id, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (!SseEvent.IsValidField(id))
        {
            throw new ArgumentException("An event id must not contain CR, LF or NUL.", nameof(id));
        }

        int idBytes = Encoding.UTF8.GetByteCount(id);
        byte[] frame = new byte[IdField.Length + idBytes + 1 + body.Length];
        IdField.CopyTo(frame, 0);
        Encoding.UTF8.GetBytes(id, frame.AsSpan(IdField.Length));
        frame[IdField.Length + idBytes] = (byte)'\n';
        body.CopyTo(frame.AsSpan(IdField.Length + idBytes + 1));
        return frame;
    }

    /// <summary>Frames a <c>retry:</c> field telling the browser how long to wait before it reconnects.</summary>
    public static byte[] Retry(TimeSpan delay)
    {
        ArrayBufferWriter<byte> buffer = new(32);
        buffer.Write(RetryField);
        WriteUtf8(buffer, ((long)delay.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture));
        buffer.Write("\n\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteSingleLine(ArrayBufferWriter<byte> buffer, byte[] field, string value, string paramName)
    {
        if (!SseEvent.IsValidField(value))
        {
            throw new ArgumentException($"An event {paramName} must not contain CR, LF or NUL.", paramName);
        }

        buffer.Write(field);
        WriteUtf8(buffer, value);
        buffer.Write("\n"u8);
    }

    private static void WriteUtf8(ArrayBufferWriter<byte> buffer, ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return;
        }

        Span<byte> span = buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        int written = Encoding.UTF8.GetBytes(text, span);
        buffer.Advance(written);
    }
}
