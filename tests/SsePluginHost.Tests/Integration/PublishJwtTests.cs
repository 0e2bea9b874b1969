using System.Net;
using System.Net.Http.Headers;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// Publish rights by JWT (<c>SseHost:Publish:Jwt</c>): a token whose <c>sse_publish</c> claim
/// names a mount may publish to it, <c>*</c> grants the whole API, anything else is refused; the
/// static token keeps working beside it, and loopback alone is no longer enough.
/// </summary>
public sealed class PublishJwtTests
{
    private const string Mounts = """
        {
          "/echo": { "Plugin": "Faulty", "Type": "EchoService" },
          "/other": { "Plugin": "Faulty", "Type": "EchoService" }
        }
        """;

    private const string StaticToken = "static-publish-token-1234";

    private static readonly string PublishJwt = $$"""
        { "Publish": { "Token": "{{StaticToken}}", "Jwt": { "SigningKeys": [ "{{TestTokens.Secret}}" ], "Issuer": "{{TestTokens.Issuer}}", "Audience": "{{TestTokens.Audience}}" } } }
        """;

    private static string Publisher(params string[] mounts) =>
        TestTokens.Create("publisher", claims: new Dictionary<string, object> { ["sse_publish"] = mounts });

    private static async Task<HttpResponseMessage> CallAsync(TestHost host, HttpMethod method, string path, string? token)
    {
        using HttpRequestMessage request = new(method, path);
        if (method == HttpMethod.Post)
        {
            request.Content = new StringContent("""{"event":"news","data":"hi"}""", System.Text.Encoding.UTF8, "application/json");
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await host.Client.SendAsync(request);
    }

    [Fact]
    public async Task A_token_naming_a_mount_publishes_there_and_nowhere_else()
    {
        await using TestHost host = await TestHost.StartAsync(Mounts, PublishJwt);
        await using SseStream watcher = await host.OpenStreamAsync("/echo");
        string token = Publisher("/echo");

        using HttpResponseMessage published = await CallAsync(host, HttpMethod.Post, "/_host/publish/echo", token);
        using HttpResponseMessage elsewhere = await CallAsync(host, HttpMethod.Post, "/_host/publish/other", token);
        using HttpResponseMessage listing = await CallAsync(host, HttpMethod.Get, "/_host/mounts", token);

        Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        Assert.Equal("hi", (await watcher.NextAsync("news")).Data);
        Assert.Equal(HttpStatusCode.Forbidden, elsewhere.StatusCode);
        Assert.Equal("The token's claim sse_publish does not grant /other (nor \"*\").\n", await elsewhere.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, listing.StatusCode);
    }

    [Fact]
    public async Task A_star_grants_the_whole_api_and_the_static_token_still_works()
    {
        await using TestHost host = await TestHost.StartAsync(Mounts, PublishJwt);

        using HttpResponseMessage listing = await CallAsync(host, HttpMethod.Get, "/_host/mounts", Publisher("*"));
        using HttpResponseMessage publishing = await CallAsync(host, HttpMethod.Post, "/_host/publish/other", Publisher("*"));
        using HttpResponseMessage byStaticToken = await CallAsync(host, HttpMethod.Post, "/_host/publish/other", StaticToken);

        Assert.Equal(HttpStatusCode.OK, listing.StatusCode);
        Assert.Equal(HttpStatusCode.OK, publishing.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byStaticToken.StatusCode);
    }

    [Fact]
    public async Task Forged_expired_or_missing_tokens_are_refused_even_from_loopback()
    {
        await using TestHost host = await TestHost.StartAsync(Mounts, PublishJwt);

        using HttpResponseMessage none = await CallAsync(host, HttpMethod.Post, "/_host/publish/echo", null);
        using HttpResponseMessage expired = await CallAsync(host, HttpMethod.Post, "/_host/publish/echo",
            TestTokens.Create("publisher", TimeSpan.FromMinutes(-1), claims: new Dictionary<string, object> { ["sse_publish"] = "/echo" }));
        using HttpResponseMessage forged = await CallAsync(host, HttpMethod.Post, "/_host/publish/echo",
            TestTokens.Create("publisher", secret: TestTokens.OtherSecret, claims: new Dictionary<string, object> { ["sse_publish"] = "/echo" }));
        using HttpResponseMessage noClaim = await CallAsync(host, HttpMethod.Post, "/_host/publish/echo", TestTokens.Create("publisher"));

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        Assert.Equal("The bearer token is not valid: the token has expired.\n", await expired.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, noClaim.StatusCode);
    }

    [Fact]
    public async Task A_publish_jwt_setting_that_cannot_work_stops_the_host_with_a_message_naming_it()
    {
        Exception failure = await Assert.ThrowsAnyAsync<Exception>(() => TestHost.StartAsync(Mounts,
            """{ "Publish": { "Jwt": { "SigningKeys": [ "too short" ] } } }"""));

        Assert.Contains("SseHost:Publish:Jwt:SigningKeys:0 is a shared secret of 9 bytes", failure.ToString(), StringComparison.Ordinal);
    }
}
