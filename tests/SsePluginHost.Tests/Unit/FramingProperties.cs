using System.Net.ServerSentEvents;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using SsePluginHost.Abstractions;
using SsePluginHost.Streaming;

namespace SsePluginHost.Tests.Unit;

/// <summary>
/// For any event type, id and data the API accepts, the framework's own <see cref="SseParser"/>
/// reads back the same values; whatever it refuses is refused with a clear exception.
/// </summary>
public sealed class FramingProperties
{
    private static readonly char[] Tricky = ['\r', '\n', '\0', ' ', ':', 'a', 'é', '\uFEFF', '\uD83D', '\uDE00', '\u2028', '\t', 'x'];

    [Property(MaxTest = 2000, Arbitrary = [typeof(TrickyStrings)])]
    public void Any_accepted_event_reads_back_the_same_and_anything_else_is_refused(string eventType, string data, string id)
    {
        bool typeOk = eventType.Length > 0 && IsSingleLine(eventType) && IsWellFormed(eventType);
        bool idOk = IsSingleLine(id) && IsWellFormed(id);
        bool dataOk = IsWellFormed(data);

        if (!(typeOk && idOk && dataOk))
        {
            ArgumentException refused = Assert.ThrowsAny<ArgumentException>(() => new SseEvent(eventType, data, id));
            Assert.Matches("CR, LF or NUL|lone surrogate|must not be empty", refused.Message);
            return;
        }

        byte[] frame = SseFramer.Frame(new SseEvent(eventType, data, id));
        List<SseItem<string>> items = [.. SseParser.Create(new MemoryStream(frame)).Enumerate()];

        SseItem<string> item = Assert.Single(items);
        Assert.Equal(eventType, item.EventType);
        Assert.Equal(data.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n'), item.Data);
        Assert.Equal(id, item.EventId);
    }

    [Property(MaxTest = 2000, Arbitrary = [typeof(TrickyStrings)])]
    public void An_event_made_from_the_UTF8_of_its_data_frames_to_the_same_bytes_as_one_made_from_the_string(string data)
    {
        if (!IsWellFormed(data))
        {
            return;
        }

        SseEvent fromString = new("e", data, "7");
        SseEvent fromBytes = SseEvent.FromUtf8("e", System.Text.Encoding.UTF8.GetBytes(data), "7");

        Assert.Equal(SseFramer.Frame(fromString), SseFramer.Frame(fromBytes));
        Assert.Equal(SseFramer.FrameBody(fromString), SseFramer.FrameBody(fromBytes));
        Assert.Equal(data, fromBytes.Data);
        Assert.Null(fromString.Utf8Data);
    }

    [Property(MaxTest = 500, Arbitrary = [typeof(TrickyStrings)])]
    public void A_sequence_of_events_reads_back_as_the_same_sequence(string[] datas)
    {
        List<SseEvent> events = [.. datas.Where(IsWellFormed).Select((d, i) => new SseEvent("e" + i, d, i.ToString(System.Globalization.CultureInfo.InvariantCulture)))];
        MemoryStream stream = new();
        foreach (SseEvent e in events)
        {
            stream.Write(SseFramer.Frame(e));
        }

        stream.Position = 0;
        List<SseItem<string>> items = [.. SseParser.Create(stream).Enumerate()];

        Assert.Equal(events.Count, items.Count);
        for (int i = 0; i < events.Count; i++)
        {
            Assert.Equal(events[i].EventType, items[i].EventType);
            Assert.Equal(events[i].Id, items[i].EventId);
        }
    }

    private static bool IsSingleLine(string s) => s.AsSpan().IndexOfAny('\r', '\n', '\0') < 0;

    private static bool IsWellFormed(string s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(s[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Strings rich in the characters that matter to the wire format: line breaks, NUL, surrogates, BOM, colons, spaces.</summary>
    public static class TrickyStrings
    {
        public static Arbitrary<string> Strings() =>
            Gen.OneOf(
                    Gen.Elements(Tricky).ArrayOf().Select(chars => new string(chars)),
                    ArbMap.Default.GeneratorFor<string>().Where(s => s is not null))
                .ToArbitrary();
    }
}
