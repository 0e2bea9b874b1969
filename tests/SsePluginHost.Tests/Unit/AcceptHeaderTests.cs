using SsePluginHost.Admission;

namespace SsePluginHost.Tests.Unit;

/// <summary>An Accept header is a list of media ranges with qualities, not a substring to look for.</summary>
public sealed class AcceptHeaderTests
{
    [Theory]
    [InlineData("text/event-stream", true)]
    [InlineData("TEXT/Event-Stream", true)]
    [InlineData("text/event-stream; q=0.5", true)]
    [InlineData("text/html, text/event-stream", true)]
    [InlineData("text/html;q=0.9 , text/event-stream ;charset=utf-8; q=1", true)]
    [InlineData("text/event-stream;q=0", false)]
    [InlineData("text/event-stream; q=0.000", false)]
    [InlineData("text/event-stream;q=banana", false)]
    [InlineData("text/event-stream;q=2", false)]
    [InlineData("application/not-text/event-streamx", false)]
    [InlineData("text/event-streamx", false)]
    [InlineData("*/*", false)]
    [InlineData("text/*", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Only_a_listed_event_stream_with_a_quality_above_zero_is_one(string? accept, bool expected)
    {
        Assert.Equal(expected, AcceptHeader.Allows(accept, "text/event-stream"));
    }
}
