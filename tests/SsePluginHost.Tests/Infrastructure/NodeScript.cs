using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using Xunit.Abstractions;

namespace SsePluginHost.Tests.Infrastructure;

/// <summary>
/// A script of tests/browser run with <c>node</c>, driving Debian's Chromium through
/// playwright-core: its stdout is read line by line (so a test can wait for a line and answer on
/// stdin) and kept, with its stderr, for the report. Disposing it closes its stdin, gives it a
/// few seconds to close its browser, and then kills the whole process tree.
/// </summary>
internal sealed class NodeScript : IAsyncDisposable
{
    public const string InstallHint = "run ./test.sh from the repository root, which installs Debian's chromium and the npm packages of tests/browser";

    private const string DefaultChromiumPath = "/usr/bin/chromium";
    private static readonly TimeSpan StreamEndTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan GracefulExitTimeout = TimeSpan.FromSeconds(15);

    private readonly Process _process;
    private readonly string _commandLine;
    private readonly Stopwatch _elapsed = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly Task _stdoutPump;
    private readonly Task _stderrPump;
    private string? _killedBecause;
    private bool _inputClosed;

    private NodeScript(Process process, string commandLine)
    {
        _process = process;
        _commandLine = commandLine;
        _stdoutPump = Task.Run(() => PumpAsync(process.StandardOutput, _stdout, _lines.Writer));
        _stderrPump = Task.Run(() => PumpAsync(process.StandardError, _stderr, null));
    }

    /// <summary>tests/browser, with the scripts and their node_modules.</summary>
    public static string BrowserDirectory => Path.Combine(FindRepositoryRoot(), "tests", "browser");

    /// <summary>The process's exit code; only once it has exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>
    /// Fails the test (it never skips) when Chromium or playwright-core is missing, and returns
    /// the Chromium to use: <c>$CHROMIUM_PATH</c>, or Debian's /usr/bin/chromium.
    /// </summary>
    public static string RequireBrowser()
    {
        string chromium = Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } fromEnvironment ? fromEnvironment : DefaultChromiumPath;
        Assert.True(File.Exists(chromium), $"No Chromium at {chromium}: {InstallHint}.");
        string playwright = Path.Combine(BrowserDirectory, "node_modules", "playwright-core");
        Assert.True(Directory.Exists(playwright), $"No {playwright}: {InstallHint}.");
        return chromium;
    }

    /// <summary>Starts <c>node script args...</c> in tests/browser, with every stream redirected.</summary>
    public static NodeScript Start(string chromium, string script, params string[] arguments)
    {
        string browserDirectory = BrowserDirectory;
        ProcessStartInfo info = new("node")
        {
            WorkingDirectory = browserDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(script);
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["CHROMIUM_PATH"] = chromium;
        info.Environment["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1";
        info.Environment["NO_COLOR"] = "1";

        Process process = new() { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            process.Dispose();
            Assert.Fail($"Could not start node ({e.Message}): Node.js is needed for the browser tests; {InstallHint}.");
        }

        process.StandardInput.AutoFlush = true;
        return new NodeScript(process, $"node {string.Join(' ', info.ArgumentList)} (in {browserDirectory})");
    }

    /// <summary>
    /// Waits for the next line of stdout that satisfies the predicate, skipping others; returns
    /// <see langword="null"/> when none came within the time or the script closed its stdout.
    /// </summary>
    public async Task<string?> WaitForLineAsync(Func<string, bool> predicate, TimeSpan timeout)
    {
        using CancellationTokenSource cts = new(timeout);
        try
        {
            while (await _lines.Reader.WaitToReadAsync(cts.Token))
            {
                while (_lines.Reader.TryRead(out string? line))
                {
                    if (predicate(line))
                    {
                        return line;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        return null;
    }

    /// <summary>Writes one line to the script's stdin.</summary>
    public async Task WriteLineAsync(string line)
    {
        lock (_gate)
        {
            Note($"stdin< {line}");
        }

        try
        {
            await _process.StandardInput.WriteLineAsync(line);
        }
        catch (IOException e)
        {
            lock (_gate)
            {
                Note($"(could not write to stdin: {e.Message})");
            }
        }
    }

    /// <summary>Closes the script's stdin (it sees end of input).</summary>
    public void CloseInput()
    {
        if (!_inputClosed)
        {
            _inputClosed = true;
            try
            {
                _process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The script has gone already.
            }
        }
    }

    /// <summary>
    /// Waits until the script exits; when it takes longer than the timeout, kills the whole
    /// process tree (node and its Chromium) and returns false.
    /// </summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using CancellationTokenSource cts = new(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            Kill($"killed after {timeout.TotalSeconds:0} s");
            await _process.WaitForExitAsync();
            return false;
        }
    }

    /// <summary>
    /// Runs a script that needs no input to its end: closes its stdin, waits for it to exit (killing
    /// it after the timeout), writes its report to the test's output, and fails the test unless it
    /// exited, with code 0. Returns the report.
    /// </summary>
    public async Task<string> RunToEndAsync(TimeSpan timeout, ITestOutputHelper output)
    {
        CloseInput();
        bool exited = await WaitForExitAsync(timeout);

        string report = await ReportAsync();
        output.WriteLine(report);

        Assert.True(exited, report);
        Assert.True(ExitCode == 0, report);
        return report;
    }

    /// <summary>
    /// What the script did: its command line, how long it ran, how it ended, its stdout (with the
    /// lines written to its stdin, marked <c>stdin&lt;</c>) and its stderr. Waits a little for
    /// the output to end when the script has exited.
    /// </summary>
    public async Task<string> ReportAsync()
    {
        string ending;
        if (_process.HasExited)
        {
            bool ended = await WaitQuietlyAsync(Task.WhenAll(_stdoutPump, _stderrPump), StreamEndTimeout);
            ending = (_killedBecause ?? $"exit code {_process.ExitCode}")
                + (ended ? string.Empty : $" (its output did not end within {StreamEndTimeout.TotalSeconds:0} s)");
        }
        else
        {
            ending = "still running";
        }

        lock (_gate)
        {
            return $"{_commandLine}, {_elapsed.Elapsed.TotalSeconds:0.0} s, {ending}\nstdout:\n{_stdout}\nstderr:\n{_stderr}";
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // End of input makes the scripts fail and close their browser; a kill is the fallback.
            CloseInput();
            await WaitForExitAsync(GracefulExitTimeout);
        }

        await WaitQuietlyAsync(Task.WhenAll(_stdoutPump, _stderrPump), StreamEndTimeout);
        _process.Dispose();
    }

    /// <summary>The folder holding SsePluginHost.sln, above the test's build output.</summary>
    public static string FindRepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "SsePluginHost.sln")))
            {
                return directory.FullName;
            }
        }

        Assert.Fail($"No folder containing SsePluginHost.sln above {AppContext.BaseDirectory}: the browser tests run from the repository's build output.");
        return string.Empty;
    }

    /// <summary>Waits for a task up to the timeout; false when it had not completed by then.</summary>
    private static async Task<bool> WaitQuietlyAsync(Task task, TimeSpan timeout)
    {
        try
        {
            await task.WaitAsync(timeout);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private void Kill(string why)
    {
        _killedBecause = why;
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited meanwhile.
        }
    }

    /// <summary>Adds a line to the stdout transcript; the caller holds <see cref="_gate"/>.</summary>
    private void Note(string line) => _stdout.Append(line).Append('\n');

    private async Task PumpAsync(StreamReader reader, StringBuilder transcript, ChannelWriter<string>? lines)
    {
        try
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                lock (_gate)
                {
                    transcript.Append(line).Append('\n');
                }

                lines?.TryWrite(line);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // A killed tree may leave the pipe broken: what was read is kept.
        }
        finally
        {
            lines?.TryComplete();
        }
    }
}
