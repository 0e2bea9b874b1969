using System.Net;
using System.Net.Http.Headers;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// CORS per mount, over real HTTP on both lanes: a page on another origin may use a mount only
/// where its <c>Cors:AllowedOrigins</c> lists it (otherwise 403 before anything happens, so no
/// phantom session and no request from a foreign page reaches the plugin); an allowed one's
/// answers carry ASP.NET Core's CORS headers, and its preflights (for <c>Last-Event-ID</c>,
/// <c>Authorization</c>) are answered without the plugin. The publish API refuses foreign pages
/// too (it trusts loopback, and a browser on this machine is loopback) unless
/// <c>Publish:Cors</c> allows them.
/// </summary>
public sealed class CorsTests
{
    private const string App = "http://app.test";
    private const string Evil = "http://evil.test";

    private static string Mounts(bool credentials = false) => $$"""
        {
          "/shared": { "Plugin": "Faulty", "Type": "IdentityService", "Cors": { "AllowedOrigins": [ "{{App}}" ], "AllowCredentials": {{(credentials ? "true" : "false")}}, "PreflightMaxAgeSeconds": 120 } },
          "/private": { "Plugin": "Faulty", "Type": "IdentityService" },
          "/secure": { "Plugin": "Faulty", "Type": "IdentityService", "Auth": {{TestTokens.AuthJson}}, "Cors": { "AllowedOrigins": [ "{{App}}" ], "AllowCredentials": true } }
        }
        """;

    private static string Lane(bool directStreams, string extra = "") =>
        $$"""{ "Streams": { "DirectStreams": {{(directStreams ? "true" : "false")}} }{{extra}} }""";

    private static async Task<HttpResponseMessage> SendAsync(TestHost host, HttpMethod method, string path, params (string Name, string Value)[] headers)
    {
        using HttpRequestMessage request = new(method, path);
        foreach ((string name, string value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out IEnumerable<string>? values) ? string.Join(", ", values) : null;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_page_on_another_origin_is_refused_403_where_the_mount_does_not_allow_it_and_nothing_is_opened(bool directStreams)
    {
        await using TestHost host = await TestHost.StartAsync(Mounts(), Lane(directStreams));

        using HttpResponseMessage foreign = await SendAsync(host, HttpMethod.Get, "/private", ("Accept", "text/event-stream"), ("Origin", Evil));
        using HttpResponseMessage notListed = await SendAsync(host, HttpMethod.Get, "/shared", ("Accept", "text/event-stream"), ("Origin", Evil));
        using HttpResponseMessage plain = await SendAsync(host, HttpMethod.Post, "/private?x=1", ("Origin", Evil));

        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.Equal($"Pages from {Evil} may not use /private (not among its Cors:AllowedOrigins).\n", await foreign.Content.ReadAsStringAsync());
        Assert.Null(Header(foreign, "Access-Control-Allow-Origin"));
        Assert.Equal(HttpStatusCode.Forbidden, notListed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, plain.StatusCode);
        Assert.Equal(0, host.ClientCount("/private") + host.ClientCount("/shared"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_host_s_own_origin_and_requests_without_an_origin_need_nothing(bool directStreams)
    {
        await using TestHost host = await TestHost.StartAsync(Mounts(), Lane(directStreams));
        string own = host.BaseAddress.GetLeftPart(UriPartial.Authority);

        await using SseStream sameOrigin = await host.OpenStreamAsync("/private", new Dictionary<string, string> { ["Origin"] = own });
        await using SseStream noOrigin = await host.OpenStreamAsync("/private");
        using HttpResponseMessage post = await SendAsync(host, HttpMethod.Post, "/private?x=1", ("Origin", own));

        Assert.Equal("anonymous", (await sameOrigin.NextAsync("user")).Data);
        Assert.Null(Header(sameOrigin.Response, "Access-Control-Allow-Origin"));
        Assert.Equal("anonymous", (await noOrigin.NextAsync("user")).Data);
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public async Task An_allowed_origin_gets_its_stream_with_the_cors_headers(bool directStreams, bool credentials)
    {
        await using TestHost host = await TestHost.StartAsync(Mounts(credentials), Lane(directStreams));

        await using SseStream stream = await host.OpenStreamAsync("/shared", new Dictionary<string, string> { ["Origin"] = App });

        Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
        Assert.Equal("anonymous", (await stream.NextAsync("user")).Data);
        Assert.Equal(App, Header(stream.Response, "Access-Control-Allow-Origin"));
        Assert.Equal(credentials ? "true" : null, Header(stream.Response, "Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task A_preflight_for_Last_Event_ID_or_Authorization_is_answered_204_without_the_plugin_and_others_are_refused()
    {
        await using TestHost host = await TestHost.StartAsync(Mounts());

        using HttpResponseMessage lastEventId = await SendAsync(host, HttpMethod.Options, "/shared",
            ("Origin", App), ("Access-Control-Request-Method", "GET"), ("Access-Control-Request-Headers", "last-event-id"));
        using HttpResponseMessage authorization = await SendAsync(host, HttpMethod.Options, "/secure",
            ("Origin", App), ("Access-Control-Request-Method", "GET"), ("Access-Control-Request-Headers", "authorization,last-event-id"));
        using HttpResponseMessage foreign = await SendAsync(host, HttpMethod.Options, "/shared",
            ("Origin", Evil), ("Access-Control-Request-Method", "GET"));
        using HttpResponseMessage odd = await SendAsync(host, HttpMethod.Options, "/shared",
            ("Origin", App), ("Access-Control-Request-Method", "GET"), ("Access-Control-Request-Headers", "x-something-else"));

        Assert.Equal(HttpStatusCode.NoContent, lastEventId.StatusCode);
        Assert.Equal(App, Header(lastEventId, "Access-Control-Allow-Origin"));
        Assert.Contains("GET", Header(lastEventId, "Access-Control-Allow-Methods"), StringComparison.Ordinal);
        Assert.Contains("last-event-id", Header(lastEventId, "Access-Control-Allow-Headers")!, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("120", Header(lastEventId, "Access-Control-Max-Age"));

        // On a mount with authentication the preflight carries no token and is answered all the same.
        Assert.Equal(HttpStatusCode.NoContent, authorization.StatusCode);
        Assert.Contains("authorization", Header(authorization, "Access-Control-Allow-Headers")!, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("true", Header(authorization, "Access-Control-Allow-Credentials"));

        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, odd.StatusCode);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_refusal_for_credentials_carries_the_cors_headers_so_that_the_page_can_read_it(bool directStreams)
    {
        await using TestHost host = await TestHost.StartAsync(Mounts(), Lane(directStreams));

        using HttpResponseMessage refused = await SendAsync(host, HttpMethod.Get, "/secure", ("Accept", "text/event-stream"), ("Origin", App));
        await using SseStream allowed = await host.OpenStreamAsync("/secure", new Dictionary<string, string>
        {
            ["Origin"] = App,
            ["Cookie"] = "sse_token=" + TestTokens.Create("alice"),
        });

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(App, Header(refused, "Access-Control-Allow-Origin"));
        Assert.Equal("Bearer", refused.Headers.WwwAuthenticate.ToString());
        Assert.Equal("alice", (await allowed.NextAsync("user")).Data);
        Assert.Equal("true", Header(allowed.Response, "Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task The_publish_api_refuses_a_foreign_page_even_from_loopback()
    {
        await using TestHost host = await TestHost.StartAsync(Mounts());
        await using SseStream watcher = await host.OpenStreamAsync("/private");
        Assert.Equal("anonymous", (await watcher.NextAsync("user")).Data);

        // What a page on another site, open in a browser on this machine, can send without a preflight.
        using HttpRequestMessage post = new(HttpMethod.Post, "/_host/publish/private") { Content = new StringContent("forged", System.Text.Encoding.UTF8, "text/plain") };
        post.Headers.TryAddWithoutValidation("Origin", Evil);
        using HttpResponseMessage refused = await host.Client.SendAsync(post);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal($"The publish API does not answer pages from {Evil} (SseHost:Publish:Cors:AllowedOrigins).\n", await refused.Content.ReadAsStringAsync());
        Assert.Null(await watcher.TryNextAsync(TimeSpan.FromMilliseconds(300)));
        Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync("/_host/publish/private", new StringContent("local"))).StatusCode);
    }

    [Fact]
    public async Task The_publish_api_answers_an_allowed_origin_s_preflight_and_its_calls_with_a_token()
    {
        const string token = "publish-token-of-some-length";
        await using TestHost host = await TestHost.StartAsync(Mounts(),
            $$"""{ "Publish": { "Token": "{{token}}", "Cors": { "AllowedOrigins": [ "{{App}}" ] } } }""");
        await using SseStream watcher = await host.OpenStreamAsync("/private");

        using HttpResponseMessage preflight = await SendAsync(host, HttpMethod.Options, "/_host/publish/private",
            ("Origin", App), ("Access-Control-Request-Method", "POST"), ("Access-Control-Request-Headers", "authorization,content-type"));
        using HttpRequestMessage post = new(HttpMethod.Post, "/_host/publish/private") { Content = new StringContent("""{"event":"news","data":"hello"}""", System.Text.Encoding.UTF8, "application/json") };
        post.Headers.TryAddWithoutValidation("Origin", App);
        post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using HttpResponseMessage published = await host.Client.SendAsync(post);
        using HttpResponseMessage foreignPreflight = await SendAsync(host, HttpMethod.Options, "/_host/publish/private",
            ("Origin", Evil), ("Access-Control-Request-Method", "POST"));

        Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
        Assert.Equal(App, Header(preflight, "Access-Control-Allow-Origin"));
        Assert.Contains("authorization", Header(preflight, "Access-Control-Allow-Headers")!, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        Assert.Equal(App, Header(published, "Access-Control-Allow-Origin"));
        Assert.Equal("hello", (await watcher.NextAsync("news")).Data);
        Assert.Equal(HttpStatusCode.Forbidden, foreignPreflight.StatusCode);
    }
}
