using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SsePluginHost.Tests.Infrastructure;

/// <summary>
/// A real <c>redis-server</c> (Debian's package; <c>./test.sh</c> installs it) on a free loopback
/// port, without persistence, so that a restart starts it empty. Stopping kills it by its PID,
/// as a crash would; disposing stops it if it runs and removes its folder.
/// </summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private readonly string _directory;
    private Process? _process;

    private RedisServer(int port, string directory)
    {
        Port = port;
        _directory = directory;
    }

    public int Port { get; }

    /// <summary>The StackExchange.Redis configuration string hosts are given.</summary>
    public string Configuration => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    public bool IsRunning => _process is { HasExited: false };

    public static async Task<RedisServer> StartAsync()
    {
        RedisServer server = new(FreePorts.Tcp(), TestPaths.NewTempDirectory());
        await server.RestartAsync();
        return server;
    }

    /// <summary>Starts it (again, empty) on the same port and waits until it answers PING.</summary>
    public async Task RestartAsync()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("redis-server is running already.");
        }

        string executable = File.Exists("/usr/bin/redis-server") ? "/usr/bin/redis-server" : "redis-server";
        ProcessStartInfo info = new(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _directory,
        };
        foreach (string arg in new[] { "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", string.Empty, "--appendonly", "no", "--dir", _directory, "--daemonize", "no" })
        {
            info.ArgumentList.Add(arg);
        }

        try
        {
            _process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("redis-server is not installed: ./test.sh installs it (apt-get install -y redis-server).", ex);
        }

        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        using CancellationTokenSource timeout = new(StartTimeout);
        while (!await AnswersPingAsync(timeout.Token))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited at start with code {_process.ExitCode} (port {Port}).");
            }

            await Task.Delay(50, timeout.Token);
        }
    }

    /// <summary>
    /// Stops it and keeps its data: it saves a snapshot and exits (<c>SHUTDOWN SAVE</c>), and
    /// <see cref="RestartAsync"/> loads the snapshot, as a Redis with persistence comes back.
    /// </summary>
    public async Task StopKeepingDataAsync()
    {
        if (_process is { HasExited: false } process)
        {
            try
            {
                await CommandAsync("SHUTDOWN SAVE");
            }
            catch (IOException)
            {
                // It closes the connection as it exits.
            }

            using CancellationTokenSource timeout = new(StartTimeout);
            await process.WaitForExitAsync(timeout.Token);
        }

        await StopAsync(keepSnapshot: true);
    }

    /// <summary>Kills it by its PID, as a crash would, and waits until it has gone; it restarts empty.</summary>
    public Task StopAsync() => StopAsync(keepSnapshot: false);

    private async Task StopAsync(bool keepSnapshot)
    {
        if (!keepSnapshot)
        {
            File.Delete(Path.Combine(_directory, "dump.rdb"));
        }

        if (_process is { } process)
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            await process.WaitForExitAsync();
            process.Dispose();
            _process = null;
        }
    }

    /// <summary>Sends one command in Redis's inline form and returns the first line of the answer.</summary>
    public async Task<string> CommandAsync(string command)
    {
        using TcpClient client = new();
        await client.ConnectAsync(IPAddress.Loopback, Port);
        NetworkStream stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"));
        byte[] buffer = new byte[4096];
        int read = await stream.ReadAsync(buffer);
        return Encoding.ASCII.GetString(buffer, 0, read).Split("\r\n")[0];
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<bool> AnswersPingAsync(CancellationToken cancellationToken)
    {
        try
        {
            using TcpClient client = new();
            await client.ConnectAsync(IPAddress.Loopback, Port, cancellationToken);
            NetworkStream stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), cancellationToken);
            byte[] buffer = new byte[64];
            int read = await stream.ReadAsync(buffer, cancellationToken);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
