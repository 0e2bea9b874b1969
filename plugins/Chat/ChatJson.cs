using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Chat;

/// <summary>Writes the small, single-line JSON objects the chat sends.</summary>
internal static class ChatJson
{
    // Escapes what JSON needs (quotes, backslashes, control characters: so the text is always one
    // line) but leaves other characters readable. The data is meant for JSON.parse, never for
    // pasting into HTML; the page shows it with textContent.
    private static readonly JsonWriterOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    /// <summary>Writes an object whose members are all strings.</summary>
    /// <param name="members">The members, in order.</param>
    /// <returns>The JSON text, on one line.</returns>
    public static string Strings(params ReadOnlySpan<(string Name, string Value)> members)
    {
        ArrayBufferWriter<byte> buffer = new(128);
        using (Utf8JsonWriter writer = new(buffer, Options))
        {
            writer.WriteStartObject();
            foreach ((string name, string value) in members)
            {
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes the reply to a successful post: <c>{"ok":true,"delivered":N}</c>.</summary>
    /// <param name="delivered">The number of clients the last event was queued for.</param>
    /// <returns>The JSON text.</returns>
    public static string Ok(int delivered)
    {
        ArrayBufferWriter<byte> buffer = new(32);
        using (Utf8JsonWriter writer = new(buffer, Options))
        {
            writer.WriteStartObject();
            writer.WriteBoolean("ok", true);
            writer.WriteNumber("delivered", delivered);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
