using SsePluginHost.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// A Chat tab whose connection drops resumes its session: headless Chromium (Debian's) driven by
/// tests/browser/chat-resume.mjs (playwright-core) opens alice's and bob's tabs in separate
/// browser contexts, cuts bob's stream and keeps him offline while alice writes, then brings him
/// back: his page reopens the stream with its session id and last event id, and shows the same
/// session and the message it missed, once, while alice never hears that he left.
/// </summary>
[Collection(BrowserTestsCollection.Name)]
public sealed class BrowserResumeTests(ITestOutputHelper output)
{
    private const string Script = "chat-resume.mjs";
    private const string SessionLinePrefix = "bob's session: ";
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_chat_tab_whose_connection_drops_resumes_its_session_and_gets_what_it_missed()
    {
        string chromium = NodeScript.RequireBrowser();

        await using TestHost host = await TestHost.StartAsync("""{ "/chat": { "Plugin": "Chat", "SessionGraceSeconds": 30 } }""");
        string url = $"{host.BaseAddress}chat";

        await using NodeScript script = NodeScript.Start(chromium, Script, url);
        string report = await script.RunToEndAsync(ScriptTimeout, output);

        // The host's side of it: bob's session was resumed, and never ended.
        string? sessionLine = await script.WaitForLineAsync(line => line.StartsWith(SessionLinePrefix, StringComparison.Ordinal), TimeSpan.FromSeconds(1));
        Assert.True(sessionLine is not null, $"The script did not print \"{SessionLinePrefix}<id>\".\n{report}");
        string session = sessionLine[SessionLinePrefix.Length..];
        string[] logs = [.. host.Logs.Lines];
        string hostLog = string.Join('\n', logs);
        Assert.True(logs.Any(line => line.Contains($"/chat: session {session} resumed from", StringComparison.Ordinal)), $"The host did not log that session {session} was resumed.\n{hostLog}\n{report}");
        Assert.False(logs.Any(line => line.Contains($"session {session} left", StringComparison.Ordinal)), $"The host logged that session {session} left.\n{hostLog}\n{report}");
    }
}
