using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using SsePluginHost.Ingress;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>The publish API over HTTP: publish, list, drop, and its bad input.</summary>
public sealed class PublishApiTests
{
    private const string Echo = """{ "/echo": { "Plugin": "Faulty", "Type": "EchoService" }, "/quiet": { "Plugin": "Faulty", "Type": "SecondService" } }""";

    [Fact]
    public async Task Json_publish_reaches_every_client_with_an_id_and_is_replayed_like_a_plugin_broadcast()
    {
        await using TestHost host = await TestHost.StartAsync(Echo);
        await using SseStream a = await host.OpenStreamAsync("/quiet");
        await using SseStream b = await host.OpenStreamAsync("/quiet");

        HttpResponseMessage answer = await host.Client.PostAsJsonAsync("/_host/publish/quiet", new { @event = "news", data = "line one\nline two" });

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        JsonElement result = await answer.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("/quiet", result.GetProperty("mount").GetString());
        Assert.Equal(2, result.GetProperty("delivered").GetInt32());
        string id = result.GetProperty("id").GetString()!;
        foreach (SseStream s in new[] { a, b })
        {
            SseItem<string> item = await s.NextAsync("news");
            Assert.Equal("line one\nline two", item.Data);
            Assert.Equal(id, item.EventId);
        }

        string before = id;
        await host.Client.PostAsJsonAsync("/_host/publish/quiet", new { @event = "news", data = "later" });
        await using SseStream late = await host.OpenStreamAsync("/quiet", new Dictionary<string, string> { ["Last-Event-ID"] = before });
        Assert.Equal("later", (await late.NextAsync("news")).Data);
    }

    [Fact]
    public async Task A_plain_form_is_all_it_takes()
    {
        await using TestHost host = await TestHost.StartAsync(Echo);
        await using SseStream s = await host.OpenStreamAsync("/quiet");

        HttpResponseMessage answer = await host.Client.PostAsync("/_host/publish/quiet?event=message",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["data"] = "hello" }));

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        SseItem<string> item = await s.NextAsync("message");
        Assert.Equal("hello", item.Data);
    }

    [Fact]
    public async Task A_text_body_is_the_data_and_a_given_id_is_kept()
    {
        await using TestHost host = await TestHost.StartAsync(Echo);
        await using SseStream s = await host.OpenStreamAsync("/quiet");

        HttpResponseMessage answer = await host.Client.PostAsync("/_host/publish/quiet?event=note&id=custom-7",
            new StringContent("from a cron job", Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        SseItem<string> item = await s.NextAsync("note");
        Assert.Equal("from a cron job", item.Data);
        Assert.Equal("custom-7", item.EventId);
    }

    [Fact]
    public async Task Publish_to_one_session_reaches_only_it()
    {
        await using TestHost host = await TestHost.StartAsync(Echo);
        await using SseStream a = await host.OpenStreamAsync("/quiet");
        await using SseStream b = await host.OpenStreamAsync("/quiet");

        HttpResponseMessage answer = await host.Client.PostAsJsonAsync("/_host/publish/quiet", new { @event = "private", data = "for a", session = a.SessionId });

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("for a", (await a.NextAsync("private")).Data);
        Assert.Null(await b.TryNextAsync(TimeSpan.FromMilliseconds(300)));
        HttpResponseMessage unknown = await host.Client.PostAsJsonAsync("/_host/publish/quiet", new { data = "x", session = "nobody" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Theory]
    [InlineData("/_host/publish/nowhere", "application/json", """{"data":"x"}""", 404, "Nothing is mounted at /nowhere")]
    [InlineData("/_host/publish/quiet", "application/json", """{"event":"bad\ntype","data":"x"}""", 400, "CR, LF or NUL")]
    [InlineData("/_host/publish/quiet", "application/json", """{"event":"ok","data":"x","id":"a\u0000b"}""", 400, "CR, LF or NUL")]
    [InlineData("/_host/publish/quiet?event=bad%0Dtype", "text/plain", "x", 400, "CR, LF or NUL")]
    [InlineData("/_host/publish/quiet", "application/json", """{"data":""", 400, "not valid JSON")]
    [InlineData("/_host/publish/quiet", "application/json", """{"event":"x"}""", 400, "No data")]
    [InlineData("/_host/publish/quiet", "application/json", """{"data":"x","group":"a\u0001b"}""", 400, "without control characters")]
    [InlineData("/_host/publish/quiet", "application/xml", "<data>x</data>", 415, "is not accepted")]
    public async Task Bad_publish_requests_get_a_clear_status_and_reason(string path, string contentType, string body, int status, string reason)
    {
        await using TestHost host = await TestHost.StartAsync(Echo);
        await using SseStream s = await host.OpenStreamAsync("/quiet");

        HttpResponseMessage answer = await host.Client.PostAsync(path, new StringContent(body, Encoding.UTF8, contentType));

        Assert.Equal(status, (int)answer.StatusCode);
        Assert.Contains(reason, await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null(await s.TryNextAsync(TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    public async Task A_body_over_the_limit_gets_413()
    {
        await using TestHost host = await TestHost.StartAsync(Echo, """{ "Streams": { "MaxRequestBodyBytes": 1000 } }""");

        HttpResponseMessage answer = await host.Client.PostAsync("/_host/publish/quiet?event=x", new StringContent(new string('x', 5000), Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, answer.StatusCode);
    }

    [Fact]
    public async Task Mounts_and_clients_are_listed_and_a_client_can_be_dropped()
    {
        await using TestHost host = await TestHost.StartAsync(Echo);
        await using SseStream watcher = await host.OpenStreamAsync("/echo");
        await using SseStream victim = await host.OpenStreamAsync("/echo");

        JsonElement mounts = await host.Client.GetFromJsonAsync<JsonElement>("/_host/mounts");
        JsonElement echo = mounts.EnumerateArray().Single(m => m.GetProperty("path").GetString() == "/echo");
        Assert.Equal("Faulty", echo.GetProperty("plugin").GetString());
        Assert.Equal("Faulty.EchoService", echo.GetProperty("type").GetString());
        Assert.Equal(2, echo.GetProperty("clients").GetInt32());

        JsonElement clients = await host.Client.GetFromJsonAsync<JsonElement>("/_host/clients/echo");
        Assert.Contains(clients.EnumerateArray(), c => c.GetProperty("session").GetString() == victim.SessionId);

        HttpResponseMessage dropped = await host.Client.DeleteAsync($"/_host/sessions/{victim.SessionId}");
        Assert.Equal(HttpStatusCode.OK, dropped.StatusCode);
        await victim.WaitForEndAsync();
        Assert.Equal($"{victim.SessionId} Dropped", (await watcher.NextAsync("left")).Data);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.DeleteAsync($"/_host/sessions/{victim.SessionId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync("/_host/clients/nowhere")).StatusCode);
    }

    [Fact]
    public async Task A_mount_at_the_root_does_not_shadow_the_api()
    {
        await using TestHost host = await TestHost.StartAsync("""{ "/": { "Plugin": "Faulty", "Type": "SecondService" } }""");
        await using SseStream s = await host.OpenStreamAsync("/");

        HttpResponseMessage answer = await host.Client.PostAsJsonAsync("/_host/publish/", new { @event = "e", data = "to the root" });

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("to the root", (await s.NextAsync("e")).Data);
    }

    [Fact]
    public async Task With_a_token_the_api_needs_it_and_never_logs_it()
    {
        const string token = "s3cret-token-for-tests-0123456789";
        await using TestHost host = await TestHost.StartAsync(Echo, $$"""{ "Publish": { "Token": "{{token}}" } }""");
        await using SseStream s = await host.OpenStreamAsync("/quiet");

        HttpResponseMessage missing = await host.Client.PostAsJsonAsync("/_host/publish/quiet", new { data = "x" });
        using HttpRequestMessage wrong = new(HttpMethod.Post, "/_host/publish/quiet") { Content = JsonContent.Create(new { data = "x" }) };
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token + "x");
        HttpResponseMessage wrongAnswer = await host.Client.SendAsync(wrong);
        using HttpRequestMessage right = new(HttpMethod.Post, "/_host/publish/quiet") { Content = JsonContent.Create(new { @event = "ok", data = "x" }) };
        right.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        HttpResponseMessage rightAnswer = await host.Client.SendAsync(right);

        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongAnswer.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Client.GetAsync("/_host/mounts")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, rightAnswer.StatusCode);
        Assert.Equal("x", (await s.NextAsync("ok")).Data);
        await host.Logs.WaitForAsync(l => l.Contains("Publish API: refused POST /_host/publish/quiet from 127.0.0.1: wrong token", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        await host.Logs.WaitForAsync(l => l.Contains("requires Authorization: Bearer <token>", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        Assert.DoesNotContain(host.Logs.Lines, l => l.Contains(token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_token_the_api_answers_loopback_only_and_says_so_at_start()
    {
        await using TestHost host = await TestHost.StartAsync(Echo);
        PublishAccess access = host.Services.GetRequiredService<PublishAccess>();

        DefaultHttpContext remote = new();
        remote.Connection.RemoteIpAddress = IPAddress.Parse("192.0.2.10");
        DefaultHttpContext mapped = new();
        mapped.Connection.RemoteIpAddress = IPAddress.Parse("::ffff:127.0.0.1");
        DefaultHttpContext unixSocket = new();

        Assert.Equal(StatusCodes.Status403Forbidden, (await access.CheckAsync(remote, null))?.Status);
        Assert.Null(await access.CheckAsync(mapped, null));
        Assert.Null(await access.CheckAsync(unixSocket, null));
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/_host/mounts")).StatusCode);
        await host.Logs.WaitForAsync(l => l.Contains("has no token configured", StringComparison.Ordinal) && l.Contains("only loopback and the Unix socket", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
    }
}
