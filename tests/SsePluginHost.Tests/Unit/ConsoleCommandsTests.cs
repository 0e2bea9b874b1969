using Microsoft.Extensions.DependencyInjection;
using SsePluginHost.Operator;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Unit;

public sealed class ConsoleCommandsTests
{
    [Theory]
    [InlineData("bogus", "unknown command 'bogus'")]
    [InlineData("clients", "usage: clients <path>")]
    [InlineData("broadcast /echo", "usage: broadcast <path> <event> <data>")]
    [InlineData("send x", "usage: send <session> <event> <data>")]
    [InlineData("drop", "usage: drop <session>")]
    [InlineData("clients /nowhere", "error: nothing is mounted at '/nowhere'")]
    [InlineData("send nosuchsession message hi", "error: no open session 'nosuchsession'")]
    [InlineData("drop nosuchsession", "error: no open session 'nosuchsession'")]
    public async Task A_bad_command_gets_a_one_line_answer(string line, string expected)
    {
        await using TestHost host = await TestHost.StartAsync("""{ "/echo": { "Plugin": "Faulty", "Type": "EchoService" } }""");
        ConsoleCommands commands = host.Services.GetRequiredService<ConsoleCommands>();

        string answer = Run(commands, line);

        Assert.StartsWith(expected, answer, StringComparison.Ordinal);
        Assert.Single(answer.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task Commands_list_clients_broadcast_send_and_drop()
    {
        await using TestHost host = await TestHost.StartAsync("""{ "/echo": { "Plugin": "Faulty", "Type": "EchoService" } }""");
        ConsoleCommands commands = host.Services.GetRequiredService<ConsoleCommands>();
        await using SseStream a = await host.OpenStreamAsync("/echo");
        await using SseStream b = await host.OpenStreamAsync("/echo");

        Assert.Contains("/echo\tFaulty\tFaulty.EchoService", Run(commands, "list"), StringComparison.Ordinal);
        Assert.Contains("commands: help", Run(commands, "help"), StringComparison.Ordinal);

        string clients = Run(commands, "clients /echo");
        Assert.Contains(a.SessionId, clients, StringComparison.Ordinal);
        Assert.Contains(b.SessionId, clients, StringComparison.Ordinal);
        Assert.Contains("2 clients at /echo", clients, StringComparison.Ordinal);

        Assert.Contains("sent to 2 clients", Run(commands, "broadcast /echo news hello world"), StringComparison.Ordinal);
        Assert.Equal("hello world", (await a.NextAsync("news")).Data);
        Assert.Equal("hello world", (await b.NextAsync("news")).Data);

        Assert.Contains($"sent to {a.SessionId}", Run(commands, $"send {a.SessionId} private just for a"), StringComparison.Ordinal);
        Assert.Equal("just for a", (await a.NextAsync("private")).Data);

        Assert.Contains($"dropped {a.SessionId}", Run(commands, $"drop {a.SessionId}"), StringComparison.Ordinal);
        await a.WaitForEndAsync();
        Assert.Equal($"{a.SessionId} Dropped", (await b.NextAsync("left")).Data);
    }

    private static string Run(ConsoleCommands commands, string line)
    {
        using StringWriter output = new();
        commands.Execute(line, output);
        return output.ToString();
    }
}
