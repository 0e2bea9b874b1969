using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SsePluginHost.Ingress;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>The publish API over a Unix socket and UDP, and the <c>publish</c> verb.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class IngressTests
{
    private const string Quiet = """{ "/quiet": { "Plugin": "Faulty", "Type": "SecondService" } }""";

    [Fact]
    public async Task The_unix_socket_serves_the_api_with_its_mode_and_is_removed_on_shutdown()
    {
        string folder = TestPaths.NewTempDirectory();
        string socketPath = Path.Combine(folder, "ssehost.sock");
        TestHost host = await TestHost.StartAsync(Quiet, $$"""{ "Publish": { "UnixSocket": { "Path": "{{socketPath}}", "Mode": "0660" } } }""");
        try
        {
            await using SseStream s = await host.OpenStreamAsync("/quiet");
            await host.Logs.WaitForAsync(l => l.Contains($"Unix socket {socketPath} serves the publish API", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, File.GetUnixFileMode(socketPath));

            using HttpClient viaSocket = UnixSocketHttp.Create(socketPath);
            HttpResponseMessage answer = await viaSocket.PostAsync("/_host/publish/quiet?event=local", new StringContent("over the socket", Encoding.UTF8, "text/plain"));

            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Equal("over the socket", (await s.NextAsync("local")).Data);
            Assert.Equal(HttpStatusCode.NotFound, (await viaSocket.PostAsync("/_host/publish/nowhere?event=x", new StringContent("x", Encoding.UTF8, "text/plain"))).StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, (await viaSocket.PostAsync("/_host/publish/quiet?event=a%0Ab", new StringContent("x", Encoding.UTF8, "text/plain"))).StatusCode);
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await viaSocket.PostAsync("/_host/publish/quiet", new StringContent("x", Encoding.UTF8, "image/png"))).StatusCode);
        }
        finally
        {
            await host.DisposeAsync();
        }

        Assert.False(File.Exists(socketPath), "the socket file is removed on a clean shutdown");
    }

    [Fact]
    public async Task A_stale_socket_file_left_by_a_crash_is_replaced()
    {
        string folder = TestPaths.NewTempDirectory();
        string socketPath = Path.Combine(folder, "stale.sock");
        // A socket bound but not listening is what a crashed host leaves behind: a file that
        // nobody accepts connections on. (.NET would delete the file on Dispose, so it stays open.)
        using Socket crashed = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        crashed.Bind(new UnixDomainSocketEndPoint(socketPath));
        Assert.True(File.Exists(socketPath));
        await using TestHost host = await TestHost.StartAsync(Quiet, $$"""{ "Publish": { "UnixSocket": { "Path": "{{socketPath}}" } } }""");

        using HttpClient viaSocket = UnixSocketHttp.Create(socketPath);
        Assert.Equal(HttpStatusCode.OK, (await viaSocket.GetAsync("/_host/mounts")).StatusCode);
    }

    [Fact]
    public async Task A_regular_file_at_the_socket_path_is_not_replaced_and_the_host_says_why()
    {
        string folder = TestPaths.NewTempDirectory();
        string notASocket = Path.Combine(folder, "important.txt");
        await File.WriteAllTextAsync(notASocket, "keep me");

        IOException error = await Assert.ThrowsAsync<IOException>(() =>
            TestHost.StartAsync(Quiet, $$"""{ "Publish": { "UnixSocket": { "Path": "{{notASocket}}" } } }"""));

        Assert.Contains("is not a socket; refusing to replace it", error.Message, StringComparison.Ordinal);
        Assert.Equal("keep me", await File.ReadAllTextAsync(notASocket));
    }

    [Fact]
    public async Task A_udp_datagram_is_one_event_and_bad_ones_are_counted_without_stopping_the_listener()
    {
        await using TestHost host = await TestHost.StartAsync(Quiet, """{ "Publish": { "Udp": { "Enabled": true, "Port": 0, "MaxDatagramBytes": 1024 } } }""");
        UdpRelay relay = host.Services.GetRequiredService<UdpRelay>();
        IPEndPoint target = relay.LocalEndPoint!;
        Assert.True(IPAddress.IsLoopback(target.Address));
        await using SseStream s = await host.OpenStreamAsync("/quiet");
        using UdpClient sender = new(AddressFamily.InterNetwork);

        await sender.SendAsync(Encoding.UTF8.GetBytes("/quiet news\nfirst line\nsecond line"), target);
        Assert.Equal("first line\nsecond line", (await s.NextAsync("news")).Data);

        byte[][] bad =
        [
            Encoding.UTF8.GetBytes("no newline at all"),
            Encoding.UTF8.GetBytes("quiet news\nno leading slash"),
            Encoding.UTF8.GetBytes("/nowhere news\nunknown mount"),
            Encoding.UTF8.GetBytes("/quiet bad\0type\nnul in the type"),
            [0x2F, 0x71, 0x20, 0x6E, 0x0A, 0xFF, 0xFE],
            Encoding.UTF8.GetBytes("/quiet news\n" + new string('x', 2000)),
        ];
        foreach (byte[] datagram in bad)
        {
            await sender.SendAsync(datagram, target);
        }

        await sender.SendAsync(Encoding.UTF8.GetBytes("/quiet news 42\nstill listening"), target);
        System.Net.ServerSentEvents.SseItem<string> item = await s.NextAsync("news");
        Assert.Equal("still listening", item.Data);
        Assert.Equal("42", item.EventId);
        Assert.Equal(6, relay.Refused);
        Assert.Equal(2, relay.Accepted);
        await host.Logs.WaitForAsync(l => l.Contains("datagrams refused since the last such line", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Udp_is_off_by_default()
    {
        await using TestHost host = await TestHost.StartAsync(Quiet);

        Assert.Null(host.Services.GetRequiredService<UdpRelay>().LocalEndPoint);
    }

    [Fact]
    public async Task The_publish_verb_hands_an_event_to_a_running_host()
    {
        await using TestHost host = await TestHost.StartAsync(Quiet);
        await using SseStream s = await host.OpenStreamAsync("/quiet");

        (int code, string output, string error) = await RunPublishAsync(["publish", "/quiet", "from a shell script", "--event", "script", "--url", host.BaseAddress.ToString()], stdin: null);

        Assert.True(code == 0, $"exit {code}: {error}");
        Assert.Equal(1, JsonDocument.Parse(output).RootElement.GetProperty("delivered").GetInt32());
        Assert.Equal("from a shell script", (await s.NextAsync("script")).Data);

        (int stdinCode, _, string stdinError) = await RunPublishAsync(["publish", "quiet", "-", "--event", "piped", "--url", host.BaseAddress.ToString()], stdin: "line 1\nline 2\n");
        Assert.True(stdinCode == 0, stdinError);
        Assert.Equal("line 1\nline 2", (await s.NextAsync("piped")).Data);

        (int badCode, _, string badError) = await RunPublishAsync(["publish", "/nowhere", "x", "--url", host.BaseAddress.ToString()], stdin: null);
        Assert.Equal(1, badCode);
        Assert.Contains("404", badError, StringComparison.Ordinal);

        (int usageCode, _, string usage) = await RunPublishAsync(["publish"], stdin: null);
        Assert.Equal(2, usageCode);
        Assert.Contains("usage: SsePluginHost publish", usage, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output, string Error)> RunPublishAsync(string[] args, string? stdin)
    {
        System.Diagnostics.ProcessStartInfo info = new(TestPaths.HostExecutable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using System.Diagnostics.Process process = System.Diagnostics.Process.Start(info)!;
        try
        {
            if (stdin is not null)
            {
                await process.StandardInput.WriteAsync(stdin);
            }

            process.StandardInput.Close();
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> error = process.StandardError.ReadToEndAsync();
            using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token);
            return (process.ExitCode, await output, await error);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
