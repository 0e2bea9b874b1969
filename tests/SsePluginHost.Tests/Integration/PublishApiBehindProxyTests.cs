using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Options;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// The publish API's trust in loopback holds only for callers that really are on loopback: a
/// request a proxy on this machine passed on is refused without a token, unless the proxy is
/// configured (<c>SseHost:ForwardedHeaders</c>), and then it is judged by the client's address.
/// Also: publishing to a mount that cannot serve is a 503, not "delivered to nobody".
/// </summary>
public sealed class PublishApiBehindProxyTests
{
    private const string Quiet = """{ "/quiet": { "Plugin": "Faulty", "Type": "SecondService" } }""";

    [Theory]
    [InlineData("X-Forwarded-For", "203.0.113.7")]
    [InlineData("X-Forwarded-For", "127.0.0.1")]
    [InlineData("Forwarded", "for=203.0.113.7;proto=https")]
    public async Task Without_a_token_a_request_that_came_through_a_proxy_is_refused(string header, string value)
    {
        await using TestHost host = await TestHost.StartAsync(Quiet);
        using HttpRequestMessage request = new(HttpMethod.Post, "/_host/publish/quiet") { Content = JsonContent.Create(new { data = "through a proxy" }) };
        request.Headers.TryAddWithoutValidation(header, value);

        using HttpResponseMessage answer = await host.Client.SendAsync(request);
        using HttpResponseMessage direct = await host.Client.PostAsJsonAsync("/_host/publish/quiet", new { data = "from loopback itself" });

        Assert.Equal(HttpStatusCode.Forbidden, answer.StatusCode);
        Assert.Equal($"The publish API does not answer requests that came through a proxy ({header}) until a token is configured (SseHost:Publish:Token).\n", await answer.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, direct.StatusCode);
        await host.Logs.WaitForAsync(l => l.Contains($"it came through a proxy ({header}) and no token is configured", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Behind_a_configured_proxy_a_request_is_judged_by_the_client_address_it_names()
    {
        await using TestHost host = await TestHost.StartAsync(Quiet, """{ "ForwardedHeaders": { "KnownProxies": [ "127.0.0.1" ] } }""");

        using HttpResponseMessage fromAfar = await PostViaProxyAsync(host, "203.0.113.7");
        using HttpResponseMessage fromHere = await PostViaProxyAsync(host, "127.0.0.1");

        Assert.Equal(HttpStatusCode.Forbidden, fromAfar.StatusCode);
        Assert.Contains("answers only loopback and the Unix socket", await fromAfar.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await host.Logs.WaitForAsync(l => l.Contains("from 203.0.113.7", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        Assert.Equal(HttpStatusCode.OK, fromHere.StatusCode);
    }

    [Fact]
    public async Task Proxies_that_are_not_addresses_stop_the_host_with_the_setting_named()
    {
        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            TestHost.StartAsync(Quiet, """{ "ForwardedHeaders": { "KnownProxies": [ "proxy.example" ], "KnownNetworks": [ "10.0.0.0/33" ] } }"""));

        Assert.Contains("SseHost:ForwardedHeaders:KnownProxies: 'proxy.example' is not an IP address.", error.Message, StringComparison.Ordinal);
        Assert.Contains("SseHost:ForwardedHeaders:KnownNetworks: '10.0.0.0/33' is not a network in CIDR form", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publishing_to_a_mount_whose_plugin_failed_to_load_is_503_with_the_reason()
    {
        await using TestHost host = await TestHost.StartAsync("""{ "/broken": { "Plugin": "NoSuchPlugin" } }""");

        using HttpResponseMessage answer = await host.Client.PostAsJsonAsync("/_host/publish/broken", new { data = "to nobody" });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
        Assert.NotNull(answer.Headers.RetryAfter);
        string text = await answer.Content.ReadAsStringAsync();
        Assert.StartsWith("/broken is not available: ", text, StringComparison.Ordinal);
        Assert.Contains("NoSuchPlugin", text, StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> PostViaProxyAsync(TestHost host, string client)
    {
        HttpRequestMessage request = new(HttpMethod.Post, "/_host/publish/quiet") { Content = JsonContent.Create(new { data = "via the proxy for " + client }) };
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", client);
        return host.Client.SendAsync(request);
    }
}
