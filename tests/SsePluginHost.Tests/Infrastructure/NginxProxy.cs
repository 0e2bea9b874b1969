using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace SsePluginHost.Tests.Infrastructure;

/// <summary>
/// Debian's nginx (<c>nginx-light</c>; <c>./test.sh</c> installs it) run with the repository's
/// <c>deploy/nginx.conf</c>, its upstream servers and listening port replaced by the test's:
/// a real round-robin load balancer in front of hosts. Disposing stops it by its PID.
/// </summary>
internal sealed partial class NginxProxy : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private NginxProxy(Process process, string directory, Uri address)
    {
        _process = process;
        _directory = directory;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<NginxProxy> StartAsync(IEnumerable<Uri> upstreams)
    {
        string directory = TestPaths.NewTempDirectory();
        int port = FreePorts.Tcp();
        string shipped = await File.ReadAllTextAsync(Path.Combine(TestPaths.RepositoryRoot, "deploy", "nginx.conf"));
        string servers = string.Join("\n", upstreams.Select(u => $"        server {u.Host}:{u.Port} max_fails=1 fail_timeout=2s;"));
        string config = UpstreamServers().Replace(shipped, servers + "\n", 1);
        config = Listen().Replace(config, string.Create(CultureInfo.InvariantCulture, $"listen 127.0.0.1:{port};"), 1);
        Assert.Contains(servers, config, StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(directory, "nginx.conf"), config);

        string executable = File.Exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";
        ProcessStartInfo info = new(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string arg in new[] { "-p", directory, "-c", Path.Combine(directory, "nginx.conf"), "-g", "daemon off;" })
        {
            info.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("nginx is not installed: ./test.sh installs it (apt-get install -y nginx-light).", ex);
        }

        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        NginxProxy proxy = new(process, directory, new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/")));
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(20));
        while (!await proxy.ListensAsync())
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"nginx exited at start with code {process.ExitCode}.");
            }

            await Task.Delay(50, timeout.Token);
        }

        return proxy;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // nginx's master stops its workers on TERM; killing only it would leave them running.
            using Process term = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
            await term.WaitForExitAsync();
            using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<bool> ListensAsync()
    {
        try
        {
            using TcpClient client = new();
            await client.ConnectAsync(IPAddress.Loopback, Address.Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"(        server 127\.0\.0\.1:\d+ [^\n]*\n)+")]
    private static partial Regex UpstreamServers();

    [GeneratedRegex(@"listen 127\.0\.0\.1:\d+;")]
    private static partial Regex Listen();
}
