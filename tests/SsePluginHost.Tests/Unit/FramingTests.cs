using System.Net.ServerSentEvents;
using System.Text;
using SsePluginHost.Abstractions;
using SsePluginHost.Streaming;

namespace SsePluginHost.Tests.Unit;

public sealed class FramingTests
{
    [Theory]
    [InlineData("one line", "one line")]
    [InlineData("a\nb", "a\nb")]
    [InlineData("a\r\nb", "a\nb")]
    [InlineData("a\rb", "a\nb")]
    [InlineData("a\r\n\r\nb\n", "a\n\nb\n")]
    [InlineData("", "")]
    [InlineData(" leading space", " leading space")]
    [InlineData("ünïcödé ✓", "ünïcödé ✓")]
    public void Data_with_any_line_break_reads_back_as_lines_joined_by_LF(string data, string expected)
    {
        byte[] frame = SseFramer.Frame("message", data, "7");

        SseItem<string> item = Assert.Single(Parse(frame));
        Assert.Equal("message", item.EventType);
        Assert.Equal(expected, item.Data);
        Assert.Equal("7", item.EventId);
    }

    [Fact]
    public void Data_lines_each_get_their_own_data_field()
    {
        string text = Encoding.UTF8.GetString(SseFramer.Frame("m", "x\r\ny\rz"));

        Assert.Equal("event: m\ndata: x\ndata: y\ndata: z\n\n", text);
    }

    [Theory]
    [InlineData("bad\ntype")]
    [InlineData("bad\rtype")]
    [InlineData("bad\0type")]
    public void Event_type_with_CR_LF_or_NUL_is_refused(string eventType)
    {
        ArgumentException ex = Assert.Throws<ArgumentException>(() => new SseEvent(eventType, "data"));
        Assert.Contains("CR, LF or NUL", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => SseFramer.Frame(eventType, "data"));
    }

    [Theory]
    [InlineData("1\n2")]
    [InlineData("1\r2")]
    [InlineData("1\02")]
    public void Event_id_with_CR_LF_or_NUL_is_refused(string id)
    {
        Assert.Throws<ArgumentException>(() => new SseEvent("message", "data", id));
        Assert.Throws<ArgumentException>(() => SseFramer.Frame("message", "data", id));
    }

    [Fact]
    public void Empty_event_type_is_refused_and_null_means_message()
    {
        Assert.Throws<ArgumentException>(() => new SseEvent(string.Empty, "data"));
        SseItem<string> item = Assert.Single(Parse(SseFramer.Frame(new SseEvent(null, "x"))));
        Assert.Equal("message", item.EventType);
    }

    [Fact]
    public void A_list_of_lines_becomes_one_event_with_several_data_lines()
    {
        SseEvent sseEvent = SseEvent.FromLines("list", ["first", "second", "third"]);

        SseItem<string> item = Assert.Single(Parse(SseFramer.Frame(sseEvent)));
        Assert.Equal("first\nsecond\nthird", item.Data);
    }

    [Fact]
    public void Session_ids_are_128_bits_and_unique()
    {
        HashSet<string> ids = [];
        for (int i = 0; i < 10_000; i++)
        {
            string id = SessionIds.NewId();
            Assert.Equal(16, Convert.FromBase64String(ToStandardBase64(id)).Length);
            Assert.True(ids.Add(id));
        }
    }

    private static string ToStandardBase64(string base64Url)
    {
        string s = base64Url.Replace('-', '+').Replace('_', '/');
        return s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '=');
    }

    [Theory]
    [InlineData(new byte[] { 0x61, 0xFF, 0x62 }, 1)]
    [InlineData(new byte[] { 0x61, 0x62, 0xC3 }, 2)]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 }, 0)]
    public void Data_bytes_that_are_not_UTF8_are_refused_saying_where(byte[] bytes, int at)
    {
        ArgumentException refused = Assert.Throws<ArgumentException>(() => SseEvent.FromUtf8("e", bytes));

        Assert.Equal("utf8Data", refused.ParamName);
        Assert.Contains($"must be valid UTF-8; the bytes are not, from about byte {at}", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_event_from_UTF8_bytes_keeps_the_type_and_id_rules()
    {
        Assert.Throws<ArgumentException>(() => SseEvent.FromUtf8("a\nb", "x"u8.ToArray()));
        Assert.Throws<ArgumentException>(() => SseEvent.FromUtf8("e", "x"u8.ToArray(), "1\r2"));
        Assert.Throws<ArgumentException>(() => SseEvent.FromUtf8(string.Empty, "x"u8.ToArray()));

        SseEvent sseEvent = SseEvent.FromUtf8(null, "a\r\nb"u8.ToArray(), "9");
        Assert.Equal("data: a\ndata: b\n\n", Encoding.UTF8.GetString(SseFramer.FrameBody(sseEvent)));
        Assert.Equal("a\r\nb", sseEvent.Data);
        Assert.Equal("9", sseEvent.Id);
    }

    private static List<SseItem<string>> Parse(byte[] bytes) =>
        [.. SseParser.Create(new MemoryStream(bytes)).Enumerate()];
}
