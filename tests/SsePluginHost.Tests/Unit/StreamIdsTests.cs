using SsePluginHost.Backplane;

namespace SsePluginHost.Tests.Unit;

/// <summary>Redis Stream ids compare as Redis orders them: by milliseconds, then by sequence, as numbers.</summary>
public sealed class StreamIdsTests
{
    [Theory]
    [InlineData("1733000000000-0", "1733000000000-1", -1)]
    [InlineData("1733000000000-10", "1733000000000-9", 1)]
    [InlineData("999-5", "1000-0", -1)]
    [InlineData("1733000000000-3", "1733000000000-3", 0)]
    [InlineData("0-0", "1-0", -1)]
    [InlineData("not an id", "0-1", -1)]
    public void Ids_compare_by_milliseconds_then_sequence(string left, string right, int expected)
    {
        Assert.Equal(expected, Math.Sign(StreamIds.Compare(left, right)));
    }
}
