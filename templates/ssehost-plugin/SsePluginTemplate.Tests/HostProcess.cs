using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace SsePluginTemplate.Tests;

/// <summary>
/// A published SsePluginHost, run as a child process the way an operator runs it: from the
/// folder that the environment variable <c>SSEHOST_DIR</c> names, with a content root of its own
/// (a temp folder holding the given <c>appsettings.json</c>), listening on 127.0.0.1 on a port
/// the system picks. Disposing kills the process it started, by its PID, and deletes the folder.
/// </summary>
internal sealed partial class HostProcess : IAsyncDisposable
{
    /// <summary>The environment variable that names the published host's folder.</summary>
    public const string HostDirectoryVariable = "SSEHOST_DIR";

    private readonly Process _process;
    private readonly string _contentRoot;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HostProcess(Process process, string contentRoot)
    {
        _process = process;
        _contentRoot = contentRoot;
    }

    /// <summary>Where the host listens, such as <c>http://127.0.0.1:40123/</c>.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>What the host wrote to stdout and stderr so far, for a failing test's message.</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>Starts the host with this <c>appsettings.json</c> and waits until it listens.</summary>
    public static async Task<HostProcess> StartAsync(string appsettingsJson, TimeSpan timeout)
    {
        string executable = FindExecutable();
        string contentRoot = Directory.CreateTempSubdirectory("ssehost-test-").FullName;
        File.WriteAllText(Path.Combine(contentRoot, "appsettings.json"), appsettingsJson);

        ProcessStartInfo info = new(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = contentRoot,
        };
        foreach (string argument in new[] { "--contentRoot", contentRoot, "--urls", "http://127.0.0.1:0" })
        {
            info.ArgumentList.Add(argument);
        }

        Process process = new() { StartInfo = info, EnableRaisingEvents = true };
        HostProcess host = new(process, contentRoot);
        process.OutputDataReceived += (_, e) => host.Read(e.Data);
        process.ErrorDataReceived += (_, e) => host.Read(e.Data);
        process.Exited += (_, _) => host._listening.TrySetException(
            new InvalidOperationException($"The host exited before it listened.\n{host.Output}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            host.Address = await host._listening.Task.WaitAsync(timeout);
            return host;
        }
        catch (TimeoutException)
        {
            string output = host.Output;
            await host.DisposeAsync();
            throw new TimeoutException($"The host did not listen within {timeout}.\n{output}");
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>Kills the host by its PID if it still runs, waits for it to end, and deletes its folder.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        try
        {
            Directory.Delete(_contentRoot, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string FindExecutable()
    {
        string? folder = Environment.GetEnvironmentVariable(HostDirectoryVariable);
        if (string.IsNullOrEmpty(folder))
        {
            throw new InvalidOperationException(
                $"Set {HostDirectoryVariable} to the folder of a published SsePluginHost (in its repository: dotnet publish host -c Release -o DIR).");
        }

        string executable = Path.Combine(Path.GetFullPath(folder), OperatingSystem.IsWindows() ? "SsePluginHost.exe" : "SsePluginHost");
        return File.Exists(executable)
            ? executable
            : throw new FileNotFoundException($"{HostDirectoryVariable} is '{folder}', which holds no SsePluginHost executable.", executable);
    }

    private void Read(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        if (ListeningLine().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(new Uri(match.Groups[1].Value));
        }
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();
}
