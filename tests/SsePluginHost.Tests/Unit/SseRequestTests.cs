using SsePluginHost.Abstractions;

namespace SsePluginHost.Tests.Unit;

public sealed class SseRequestTests
{
    [Fact]
    public void The_default_collections_of_a_request_cannot_be_changed_through_a_cast()
    {
        SseRequest first = new() { Method = "GET", MountPath = "/a" };
        SseRequest second = new() { Method = "GET", MountPath = "/b" };

        Assert.False(first.Query is IDictionary<string, string> { IsReadOnly: false });
        Assert.False(first.Headers is IDictionary<string, string> { IsReadOnly: false });
        Assert.False(first.Form is IDictionary<string, string> { IsReadOnly: false });
        Assert.Throws<NotSupportedException>(() => ((IDictionary<string, string>)first.Query).Add("session", "forged"));
        Assert.Empty(second.Query);
    }
}
