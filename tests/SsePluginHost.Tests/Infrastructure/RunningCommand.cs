using System.Collections.Concurrent;
using System.Diagnostics;

namespace SsePluginHost.Tests.Infrastructure;

/// <summary>
/// A command (such as <c>curl -N</c>, or a server) run as a child process that may run until it
/// is stopped: its stdout is read line by line as it comes, so that a test can wait for a line;
/// its stderr is kept for the report. Disposing kills it, by its PID, if it still runs.
/// </summary>
internal sealed class RunningCommand : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly SemaphoreSlim _lineArrived = new(0);

    private RunningCommand(Process process, string commandLine)
    {
        _process = process;
        CommandLine = commandLine;
    }

    public string CommandLine { get; }

    public int ProcessId => _process.Id;

    /// <summary>The lines of stdout so far.</summary>
    public IReadOnlyList<string> StandardOutput => [.. _stdout];

    /// <summary>What ran and what it wrote so far, for a failure's message.</summary>
    public string Report => $"{CommandLine}\nstdout:\n{string.Join('\n', _stdout)}\nstderr:\n{string.Join('\n', _stderr)}";

    /// <summary>Starts a program with arguments in a folder.</summary>
    public static RunningCommand Start(string program, string workingDirectory, params string[] arguments)
    {
        ProcessStartInfo info = new(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        Process process = new() { StartInfo = info };
        RunningCommand command = new(process, $"{program} {string.Join(' ', arguments)} (in {workingDirectory})");
        process.OutputDataReceived += (_, e) => command.Add(command._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => command.Add(command._stderr, e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return command;
    }

    /// <summary>Waits until stdout has a line that matches, and returns the lines up to and with it.</summary>
    public async Task<IReadOnlyList<string>> WaitForLineAsync(Func<string, bool> predicate, TimeSpan timeout)
    {
        using CancellationTokenSource cts = new(timeout);
        while (true)
        {
            List<string> lines = [.. _stdout];
            int at = lines.FindIndex(line => predicate(line));
            if (at >= 0)
            {
                return lines[..(at + 1)];
            }

            try
            {
                await _lineArrived.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No matching line within {timeout}.\n{Report}");
            }
        }
    }

    /// <summary>Sends SIGINT to the process, by its PID, as Ctrl+C in its terminal would.</summary>
    public async Task InterruptAsync()
    {
        using Process kill = Process.Start(new ProcessStartInfo("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        await kill.WaitForExitAsync();
    }

    /// <summary>Waits for the process to exit (and its output to be read to its end) and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using CancellationTokenSource cts = new(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Still running after {timeout}.\n{Report}");
        }

        await _process.WaitForExitAsync();
        return _process.ExitCode;
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
}
