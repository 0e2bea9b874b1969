using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace SsePluginHost.Tests.Infrastructure;

/// <summary>
/// The built host executable run as a child process, as an operator runs it: its own folder
/// with appsettings.json and plugins/, stdin to type commands into, stdout and stderr read line
/// by line. Disposing stops the process (by its PID) if it still runs.
/// </summary>
internal sealed partial class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly SemaphoreSlim _lineArrived = new(0);

    private readonly bool _deleteContentRoot;

    private HostProcess(Process process, string contentRoot, bool deleteContentRoot)
    {
        _process = process;
        ContentRoot = contentRoot;
        _deleteContentRoot = deleteContentRoot;
    }

    public string ContentRoot { get; }

    public int ProcessId => _process.Id;

    public StreamWriter StandardInput => _process.StandardInput;

    public IReadOnlyCollection<string> StandardOutput => _stdout.ToArray();

    public IReadOnlyCollection<string> StandardError => _stderr.ToArray();

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Makes a content root with the given appsettings.json and copies of the named built plugins.</summary>
    public static string PrepareContentRoot(string appsettingsJson, params string[] plugins)
    {
        string root = TestPaths.NewTempDirectory();
        File.WriteAllText(Path.Combine(root, "appsettings.json"), appsettingsJson);
        foreach (string plugin in plugins)
        {
            TestPaths.CopyPlugin(plugin, Path.Combine(root, "plugins"));
        }

        return root;
    }

    /// <summary>Starts the host executable with <c>--contentRoot</c> and extra arguments.</summary>
    public static HostProcess Start(string contentRoot, params string[] extraArgs) =>
        Start(TestPaths.HostExecutable, contentRoot, contentRoot, deleteContentRoot: true, ["--contentRoot", contentRoot, .. extraArgs]);

    /// <summary>
    /// Starts a published host's executable as an operator runs it from another folder (its
    /// content root is then its own folder), with extra arguments. Disposing leaves its folder alone.
    /// </summary>
    public static HostProcess StartPublished(string executable, string workingDirectory, params string[] extraArgs) =>
        Start(executable, workingDirectory, Path.GetDirectoryName(executable)!, deleteContentRoot: false, extraArgs);

    private static HostProcess Start(string executable, string workingDirectory, string contentRoot, bool deleteContentRoot, string[] arguments)
    {
        ProcessStartInfo info = new(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (string arg in arguments)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["Logging__Console__FormatterName"] = "simple";
        info.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        Process process = new() { StartInfo = info, EnableRaisingEvents = true };
        HostProcess host = new(process, contentRoot, deleteContentRoot);
        process.OutputDataReceived += (_, e) => host.Add(host._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => host.Add(host._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    /// <summary>Waits for the "Now listening on" line and returns the address.</summary>
    public async Task<Uri> WaitForAddressAsync(TimeSpan timeout)
    {
        string line = await WaitForOutputAsync(l => ListeningLine().IsMatch(l), timeout);
        return new Uri(ListeningLine().Match(line).Groups[1].Value);
    }

    /// <summary>Waits for a line on stdout that matches.</summary>
    public async Task<string> WaitForOutputAsync(Func<string, bool> predicate, TimeSpan timeout)
    {
        using CancellationTokenSource cts = new(timeout);
        while (true)
        {
            string? hit = _stdout.FirstOrDefault(predicate);
            if (hit is not null)
            {
                return hit;
            }

            try
            {
                await _lineArrived.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException(
                    $"No matching output within {timeout}.\nstdout:\n{string.Join("\n", _stdout)}\nstderr:\n{string.Join("\n", _stderr)}");
            }
        }
    }

    /// <summary>Writes one console command line.</summary>
    public async Task CommandAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Waits for the process to exit and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using CancellationTokenSource cts = new(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>Kills the process by its PID (SIGKILL), as a crash or the OOM killer would, and waits until it has gone.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>Sends SIGTERM to the process, by its PID, as systemd or Ctrl+C would.</summary>
    public async Task TerminateAsync()
    {
        using Process kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        await kill.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _lineArrived.Dispose();
        if (!_deleteContentRoot)
        {
            return;
        }

        try
        {
            Directory.Delete(ContentRoot, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Add(ConcurrentQueue<string> queue, string? line)
    {
        if (line is null)
        {
            return;
        }

        queue.Enqueue(line);
        try
        {
            _lineArrived.Release();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    [GeneratedRegex(@"Now listening on: (http://[^\s]+)")]
    private static partial Regex ListeningLine();
}
