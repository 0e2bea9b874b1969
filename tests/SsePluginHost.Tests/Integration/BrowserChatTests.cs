using System.ComponentModel;
using System.Diagnostics;
using SsePluginHost.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// The Chat example's page in a real browser: headless Chromium (Debian's) driven by
/// tests/browser/chat-two-tabs.mjs (playwright-core) opens two tabs at the real host's /chat and
/// chats between them through the page's own UI.
/// </summary>
[Collection(BrowserTestsCollection.Name)]
public sealed class BrowserChatTests(ITestOutputHelper output)
{
    private const string DefaultChromiumPath = "/usr/bin/chromium";
    private const string Script = "chat-two-tabs.mjs";
    private const string InstallHint = "run ./test.sh from the repository root, which installs Debian's chromium and the npm packages of tests/browser";
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Two_browser_tabs_chat_through_the_chat_page()
    {
        string browserDirectory = Path.Combine(FindRepositoryRoot(), "tests", "browser");
        string chromium = Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } fromEnvironment ? fromEnvironment : DefaultChromiumPath;
        Assert.True(File.Exists(chromium), $"No Chromium at {chromium}: {InstallHint}.");
        Assert.True(
            Directory.Exists(Path.Combine(browserDirectory, "node_modules", "playwright-core")),
            $"No {Path.Combine(browserDirectory, "node_modules", "playwright-core")}: {InstallHint}.");

        await using TestHost host = await TestHost.StartAsync("""{ "/chat": { "Plugin": "Chat" } }""");
        string url = $"{host.BaseAddress}chat";

        ProcessStartInfo info = new("node")
        {
            WorkingDirectory = browserDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Script);
        info.ArgumentList.Add(url);
        info.Environment["CHROMIUM_PATH"] = chromium;
        info.Environment["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1";
        info.Environment["NO_COLOR"] = "1";

        using Process process = new() { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            Assert.Fail($"Could not start node ({e.Message}): Node.js is needed for the browser test; {InstallHint}.");
        }

        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();

        Stopwatch elapsed = Stopwatch.StartNew();
        bool timedOut = false;
        using (CancellationTokenSource timeout = new(ScriptTimeout))
        {
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                timedOut = true;
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }

        string report = $"node {Script} {url} (in {browserDirectory}), {elapsed.Elapsed.TotalSeconds:0.0} s, "
            + $"{(timedOut ? $"killed after {ScriptTimeout.TotalSeconds:0} s" : $"exit code {process.ExitCode}")}\n"
            + $"stdout:\n{await ReadAllAsync(stdout)}\nstderr:\n{await ReadAllAsync(stderr)}";
        output.WriteLine(report);

        Assert.False(timedOut, report);
        Assert.True(process.ExitCode == 0, report);
    }

    /// <summary>What a stream had, waiting a little for its end (a killed tree closes it at once).</summary>
    private static async Task<string> ReadAllAsync(Task<string> read)
    {
        try
        {
            return await read.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            return "(the stream did not end within 10 s)";
        }
    }

    /// <summary>The folder holding SsePluginHost.sln, above the test's build output.</summary>
    private static string FindRepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "SsePluginHost.sln")))
            {
                return directory.FullName;
            }
        }

        Assert.Fail($"No folder containing SsePluginHost.sln above {AppContext.BaseDirectory}: the browser test runs from the repository's build output.");
        return string.Empty;
    }
}

/// <summary>
/// The browser tests run on their own, after the others: Chromium takes the machine's cores for a
/// few seconds, and the timing of the other tests should not compete with it, nor it with them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrowserTestsCollection
{
    public const string Name = "Browser";
}
