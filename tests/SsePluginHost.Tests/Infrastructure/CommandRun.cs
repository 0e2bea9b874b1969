using System.Diagnostics;
using System.Text;

namespace SsePluginHost.Tests.Infrastructure;

/// <summary>
/// One command (<c>dotnet pack</c>, <c>dotnet build</c>, a script) run to its end as a child
/// process, its stdout and stderr kept together for the report. A command that outlives its
/// timeout is killed with its whole process tree, by its PID. The .NET SDK's build servers are
/// kept off, so that nothing it starts outlives it.
/// </summary>
internal sealed class CommandRun
{
    private CommandRun(string commandLine, int exitCode, string output, TimeSpan elapsed, bool timedOut)
    {
        CommandLine = commandLine;
        ExitCode = exitCode;
        Output = output;
        Elapsed = elapsed;
        TimedOut = timedOut;
    }

    public string CommandLine { get; }

    public int ExitCode { get; }

    /// <summary>Its stdout and stderr, line by line in the order they came.</summary>
    public string Output { get; }

    public TimeSpan Elapsed { get; }

    public bool TimedOut { get; }

    /// <summary>What ran, how long it took, how it ended, and what it said.</summary>
    public string Report =>
        $"{CommandLine}\n{Elapsed.TotalSeconds:0.0} s, {(TimedOut ? "killed at its timeout" : $"exit code {ExitCode}")}\n{Output}";

    /// <summary>Runs <c>dotnet args...</c> in a folder.</summary>
    public static Task<CommandRun> DotnetAsync(string workingDirectory, TimeSpan timeout, params string[] arguments) =>
        RunAsync("dotnet", workingDirectory, timeout, arguments);

    /// <summary>Runs a program with arguments in a folder, and waits for it to end.</summary>
    public static Task<CommandRun> RunAsync(string program, string workingDirectory, TimeSpan timeout, params string[] arguments) =>
        RunAsync(program, workingDirectory, timeout, new Dictionary<string, string?>(), arguments);

    /// <summary>
    /// Runs a program with arguments in a folder, with environment variables set (or, with a
    /// <see langword="null"/> value, removed) after the ones this class sets, and waits for it to end.
    /// </summary>
    public static async Task<CommandRun> RunAsync(string program, string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string?> environment,
        params string[] arguments)
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

        // What `dotnet test` set for the test process itself is not for a build of another project.
        foreach (string name in info.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(name);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        info.Environment["UseSharedCompilation"] = "false";
        foreach ((string name, string? value) in environment)
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        string commandLine = $"{program} {string.Join(' ', info.ArgumentList)} (in {workingDirectory})";
        StringBuilder output = new();
        Lock gate = new();
        using Process process = new() { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        Stopwatch elapsed = Stopwatch.StartNew();
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        bool timedOut = false;
        using (CancellationTokenSource cts = new(timeout))
        {
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                timedOut = true;
                process.Kill(entireProcessTree: true);
            }
        }

        // Also waits for the output to be read to its end.
        await process.WaitForExitAsync();
        lock (gate)
        {
            return new CommandRun(commandLine, process.ExitCode, output.ToString(), elapsed.Elapsed, timedOut);
        }

        void Append(string? line)
        {
            if (line is not null)
            {
                lock (gate)
                {
                    output.Append(line).Append('\n');
                }
            }
        }
    }
}
