using System.Text.RegularExpressions;
using SsePluginHost.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// CORS in a real browser: headless Chromium (tests/browser/eventsource-cors.mjs) on a page of
/// another origin opens EventSources to the host: a mount that lists the page's origin opens, one
/// that does not is given up by the browser, a JWT mount opens with its cookie only with
/// <c>withCredentials</c>, and the browser's own cross-origin reconnect with <c>Last-Event-ID</c>
/// gets what it missed by replay. (Chromium sends that reconnect without a preflight; the host's
/// answer to a preflight for <c>Last-Event-ID</c>, which other browsers may send, is in
/// <see cref="CorsTests"/>.)
/// </summary>
[Collection(BrowserTestsCollection.Name)]
public sealed partial class BrowserCorsTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(70);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_page_of_another_origin_gets_what_the_mount_s_cors_allows_with_and_without_credentials(bool directStreams)
    {
        string chromium = NodeScript.RequireBrowser();
        int pagePort = FreePorts.Tcp();
        string origin = $"http://127.0.0.1:{pagePort}";
        await using TestHost host = await TestHost.StartAsync($$"""
            {
              "/shared": { "Plugin": "Faulty", "Type": "EchoService", "RetryMilliseconds": 4000, "History": { "Count": 10 }, "Cors": { "AllowedOrigins": [ "{{origin}}" ] } },
              "/private": { "Plugin": "Faulty", "Type": "EchoService" },
              "/secure": { "Plugin": "Faulty", "Type": "IdentityService", "Auth": {{TestTokens.AuthJson}},
                           "Cors": { "AllowedOrigins": [ "{{origin}}" ], "AllowCredentials": true } }
            }
            """, $$"""{ "Streams": { "DirectStreams": {{(directStreams ? "true" : "false")}} } }""");
        string hostBase = host.BaseAddress.GetLeftPart(UriPartial.Authority);

        await using NodeScript script = NodeScript.Start(chromium, "eventsource-cors.mjs", pagePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            hostBase, TestTokens.Create("alice"));
        bool exited = await script.WaitForExitAsync(ScriptTimeout);
        string report = await script.ReportAsync();
        output.WriteLine(report);

        Assert.True(exited, report);
        Assert.True(script.ExitCode == 0, report);
        Assert.Matches(@"\nALLOWED \S+\n", report);
        Assert.Contains("\nREFUSED-OTHER-ORIGIN\n", report, StringComparison.Ordinal);
        Assert.Contains("\nCREDENTIALED alice\n", report, StringComparison.Ordinal);
        Assert.Contains("\nREFUSED-WITHOUT-CREDENTIALS\n", report, StringComparison.Ordinal);
        Match reconnected = Reconnected().Match(report);
        Assert.True(reconnected.Success, report);
        Assert.NotEqual(Allowed().Match(report).Groups[1].Value, reconnected.Groups[1].Value);
        Assert.Contains("\nPASS\n", report, StringComparison.Ordinal);
        await Eventually.TrueAsync(() => host.ClientCount("/shared") + host.ClientCount("/secure") == 0);
    }

    [GeneratedRegex(@"\nALLOWED (\S+)\n")]
    private static partial Regex Allowed();

    [GeneratedRegex(@"\nRECONNECTED (\S+) GOT 2 AFTER \S+ REPLAYED\n")]
    private static partial Regex Reconnected();
}
