using System.Net;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>The built host executable, run as an operator runs it.</summary>
public sealed class HostProcessTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private const string ChatSettings = """
        {
          "SseHost": {
            "PluginsPath": "plugins",
            "Ping": { "Enabled": true, "IdleSeconds": 60 },
            "Console": { "Enabled": true },
            "Services": { "/chat": { "Plugin": "Chat" }, "/clock": "Clock" }
          }
        }
        """;

    [Fact]
    public async Task The_operator_runs_the_host_and_types_console_commands()
    {
        await using HostProcess host = HostProcess.Start(HostProcess.PrepareContentRoot(ChatSettings, "Chat", "Clock"), "--urls", "http://127.0.0.1:0");
        Uri address = await host.WaitForAddressAsync(StartTimeout);
        await using SseStream stream = await SseStream.OpenAsync(new Uri(address, "/chat"));

        await host.CommandAsync("list");
        await host.WaitForOutputAsync(l => l.StartsWith("/chat\tChat\tChat.ChatService", StringComparison.Ordinal) && l.Contains("\t1 clients\t", StringComparison.Ordinal), StartTimeout);
        await host.WaitForOutputAsync(l => l.StartsWith("/clock\tClock\t", StringComparison.Ordinal), StartTimeout);

        await host.CommandAsync("broadcast /chat announcement hello from the operator");
        Assert.Equal("hello from the operator", (await stream.NextAsync("announcement")).Data);
        await host.WaitForOutputAsync(l => l == "sent to 1 clients at /chat", StartTimeout);

        await host.CommandAsync("frobnicate");
        await host.WaitForOutputAsync(l => l.StartsWith("unknown command 'frobnicate'; commands: help", StringComparison.Ordinal), StartTimeout);

        await host.CommandAsync("quit");
        Assert.Equal(0, await host.WaitForExitAsync(StartTimeout));
        await stream.WaitForEndAsync();
    }

    [Fact]
    public async Task At_end_of_console_input_the_host_keeps_serving_and_stops_cleanly_on_SIGTERM()
    {
        await using HostProcess host = HostProcess.Start(HostProcess.PrepareContentRoot(ChatSettings, "Chat", "Clock"), "--urls", "http://127.0.0.1:0");
        Uri address = await host.WaitForAddressAsync(StartTimeout);

        host.StandardInput.Close();
        await host.WaitForOutputAsync(l => l.Contains("Console input ended; the host keeps serving", StringComparison.Ordinal), StartTimeout);

        using HttpClient http = new() { BaseAddress = address };
        Assert.Contains("/chat\tChat", await http.GetStringAsync("/"), StringComparison.Ordinal);
        await using (SseStream stream = await SseStream.OpenAsync(new Uri(address, "/clock")))
        {
            Assert.NotNull((await stream.NextAsync("time")).Data);
        }

        await using SseStream open = await SseStream.OpenAsync(new Uri(address, "/chat"));
        await host.TerminateAsync();
        Assert.Equal(0, await host.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        await open.WaitForEndAsync();
        Assert.DoesNotContain(host.StandardOutput.Concat(host.StandardError), l => l.Contains("Exception", StringComparison.Ordinal));
    }

    [Fact]
    public async Task On_SIGTERM_streams_end_plugins_hear_shutdown_and_the_host_exits_cleanly_within_its_timeout()
    {
        const string settings = """
            {
              "Logging": { "LogLevel": { "Default": "Information", "SsePluginHost": "Debug" } },
              "SseHost": {
                "ShutdownTimeoutSeconds": 3,
                "Console": { "Enabled": false },
                "Services": { "/chat": "Chat", "/echo": { "Plugin": "Faulty", "Type": "EchoService" } }
              }
            }
            """;
        await using HostProcess host = HostProcess.Start(HostProcess.PrepareContentRoot(settings, "Chat", "Faulty"), "--urls", "http://127.0.0.1:0");
        Uri address = await host.WaitForAddressAsync(StartTimeout);
        await using SseStream chat = await SseStream.OpenAsync(new Uri(address, "/chat"));
        await using SseStream echo = await SseStream.OpenAsync(new Uri(address, "/echo"));
        using System.Net.Sockets.Socket stalled = new(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await stalled.ConnectAsync(IPAddress.Loopback, address.Port);
        await stalled.SendAsync(System.Text.Encoding.ASCII.GetBytes("GET /echo HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n"));
        await host.WaitForOutputAsync(l => l.Contains("/echo: session", StringComparison.Ordinal) && l.Contains("connected", StringComparison.Ordinal)
            && !l.Contains(echo.SessionId, StringComparison.Ordinal), StartTimeout);

        await host.TerminateAsync();

        Assert.Equal(0, await host.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        await chat.WaitForEndAsync();
        await echo.WaitForEndAsync();
        Assert.Contains(host.StandardOutput, l => l.Contains($"/chat: session {chat.SessionId} left (Shutdown)", StringComparison.Ordinal));
        Assert.Contains(host.StandardOutput, l => l.Contains($"/echo: session {echo.SessionId} left (Shutdown)", StringComparison.Ordinal));
        Assert.Equal(3, host.StandardOutput.Count(l => l.Contains("left (Shutdown)", StringComparison.Ordinal)));
        Assert.DoesNotContain(host.StandardOutput.Concat(host.StandardError), l => l.Contains("Exception", StringComparison.Ordinal) || l.StartsWith("fail:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_port_already_taken_stops_the_host_with_a_clear_error()
    {
        using System.Net.Sockets.TcpListener taken = new(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        await using HostProcess host = HostProcess.Start(
            HostProcess.PrepareContentRoot("""{ "SseHost": { "Console": { "Enabled": false }, "Services": {} } }"""),
            "--urls", $"http://127.0.0.1:{port}");

        Assert.Equal(2, await host.WaitForExitAsync(StartTimeout));
        Assert.Contains(host.StandardError, l => l.StartsWith("error: cannot listen:", StringComparison.Ordinal) && l.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        Assert.DoesNotContain(host.StandardError, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Malformed_json_stops_the_host_with_a_clear_error()
    {
        await using HostProcess host = HostProcess.Start(HostProcess.PrepareContentRoot("""{ "SseHost": { "Services": { "/chat": "Chat", } """), "--urls", "http://127.0.0.1:0");

        Assert.Equal(2, await host.WaitForExitAsync(StartTimeout));
        string error = Assert.Single(host.StandardError);
        Assert.StartsWith("error: cannot read the configuration:", error, StringComparison.Ordinal);
        Assert.Contains("appsettings.json", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_out_of_range_setting_stops_the_host_naming_the_setting()
    {
        await using HostProcess host = HostProcess.Start(
            HostProcess.PrepareContentRoot("""{ "SseHost": { "Ping": { "IdleSeconds": 0 }, "Services": {} } }"""),
            "--urls", "http://127.0.0.1:0");

        Assert.Equal(2, await host.WaitForExitAsync(StartTimeout));
        Assert.Contains(host.StandardError, l => l.Contains("SseHost:Ping:IdleSeconds must be between 1 and 86400, not 0", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Command_line_overrides_work_the_dotnet_way()
    {
        await using HostProcess host = HostProcess.Start(
            HostProcess.PrepareContentRoot(ChatSettings, "Chat", "Clock"),
            "--urls", "http://127.0.0.1:0", "--SseHost:Services:/chat:Plugin=Nope", "--SseHost:Console:Enabled=false");
        Uri address = await host.WaitForAddressAsync(StartTimeout);
        using HttpClient http = new() { BaseAddress = address };

        HttpResponseMessage chat = await http.GetAsync("/chat");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, chat.StatusCode);
        Assert.Contains("Nope/Nope.dll", await chat.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
