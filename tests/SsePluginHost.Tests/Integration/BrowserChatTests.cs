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
    private const string Script = "chat-two-tabs.mjs";
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Two_browser_tabs_chat_through_the_chat_page()
    {
        string chromium = NodeScript.RequireBrowser();

        await using TestHost host = await TestHost.StartAsync("""{ "/chat": { "Plugin": "Chat" } }""");
        string url = $"{host.BaseAddress}chat";

        await using NodeScript script = NodeScript.Start(chromium, Script, url);
        await script.RunToEndAsync(ScriptTimeout, output);
    }

    /// <summary>tests/browser/chat-rooms.mjs: three tabs in two rooms, each hearing its own room only, one moving rooms with the page's form.</summary>
    [Fact]
    public async Task Browser_tabs_in_two_rooms_of_the_chat_page_hear_their_own_room_only()
    {
        string chromium = NodeScript.RequireBrowser();

        await using TestHost host = await TestHost.StartAsync("""{ "/chat": { "Plugin": "Chat" } }""");

        await using NodeScript script = NodeScript.Start(chromium, "chat-rooms.mjs", $"{host.BaseAddress}chat");
        await script.RunToEndAsync(ScriptTimeout, output);
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
