using System.Reflection;
using Microsoft.Extensions.Logging;

namespace SsePluginHost.Tests.Unit;

public sealed class LogEventIdTests
{
    [Fact]
    public void Every_log_line_of_the_host_has_its_own_event_id()
    {
        var lines = typeof(SseHostApplication).Assembly.GetTypes()
            .SelectMany(type => type.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(method => (Method: method, Attribute: method.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(pair => pair.Attribute is not null)
            .Select(pair => (pair.Attribute!.EventId, Name: pair.Method.DeclaringType!.Name + "." + pair.Method.Name))
            .ToList();

        Assert.NotEmpty(lines);
        string[] repeated = [.. lines.GroupBy(line => line.EventId)
            .Where(group => group.Count() > 1)
            .Select(group => group.Key + ": " + string.Join(", ", group.Select(line => line.Name)))];
        Assert.True(repeated.Length == 0, "event ids used more than once: " + string.Join("; ", repeated));
    }
}
