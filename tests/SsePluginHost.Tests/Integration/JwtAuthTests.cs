using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text.Json;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// A mount with <c>"Auth": { "Mode": "Jwt" }</c>, over real HTTP: who may open a stream or send
/// a request, where the token may come from, what the plugin sees, what happens when the token
/// expires, and stream tickets. Each runs with the fast lane on and off.
/// </summary>
public sealed class JwtAuthTests
{
    private static string Mounts(string auth = TestTokens.AuthJson, double grace = 0) => $$"""
        {
          "/secure": { "Plugin": "Faulty", "Type": "IdentityService", "SessionGraceSeconds": {{grace}}, "Auth": {{auth}} },
          "/open": { "Plugin": "Faulty", "Type": "IdentityService" }
        }
        """;

    private static string Lane(bool directStreams) => $$"""{ "Streams": { "DirectStreams": {{(directStreams ? "true" : "false")}} } }""";

    private static Dictionary<string, string> Bearer(string token) => new() { ["Authorization"] = "Bearer " + token };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Without_credentials_a_stream_or_a_request_is_refused_401_with_one_line_and_a_challenge(bool directStreams)
    {
        await using TestHost host = await TestHost.StartAsync(Mounts(), Lane(directStreams));

        using RawHttpConnection raw = await RawHttpConnection.OpenAsync(host.BaseAddress);
        await raw.SendAsync(RawHttpConnection.EventSourceGet("/secure"));
        RawResponseHead head = await raw.ReadHeadAsync();
        string body = await raw.ReadBodyToEndAsync();

        Assert.Equal(401, head.StatusCode);
        Assert.Equal("Bearer", head.Get("WWW-Authenticate"));
        Assert.StartsWith("text/plain", head.Get("Content-Type"), StringComparison.Ordinal);
        Assert.Equal("/secure needs credentials: send a token (Authorization: Bearer TOKEN, the cookie sse_token, ?ticket= (from POST /_host/tickets) for a stream).\n", body);
        Assert.Equal(0, host.ClientCount("/secure"));

        using HttpResponseMessage plain = await host.Client.GetAsync("/secure?x=1");
        Assert.Equal(HttpStatusCode.Unauthorized, plain.StatusCode);

        // An anonymous mount next to it is as it was.
        await using SseStream open = await host.OpenStreamAsync("/open");
        Assert.Equal("anonymous", (await open.NextAsync("user")).Data);
    }

    [Theory]
    [InlineData(true, "header")]
    [InlineData(false, "header")]
    [InlineData(true, "cookie")]
    [InlineData(false, "cookie")]
    public async Task A_valid_token_opens_the_stream_and_the_plugin_sees_the_user(bool directStreams, string from)
    {
        await using TestHost host = await TestHost.StartAsync(Mounts(), Lane(directStreams));
        string token = TestTokens.Create("alice");
        Dictionary<string, string> headers = from == "header" ? Bearer(token) : new() { ["Cookie"] = "theme=dark; sse_token=" + token };

        await using SseStream stream = await host.OpenStreamAsync("/secure", headers);

        Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
        Assert.Equal("alice", (await stream.NextAsync("user")).Data);
        using HttpRequestMessage request = new(HttpMethod.Get, "/secure?x=1");
        foreach (KeyValuePair<string, string> header in headers)
        {
            request.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        using HttpResponseMessage plain = await host.Client.SendAsync(request);
        Assert.Equal("user alice", await plain.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_plugin_gets_the_claims_but_not_the_token_itself(bool directStreams)
    {
        string auth = TestTokens.AuthJson.Replace("\"Mode\": \"Jwt\",", "\"Mode\": \"Jwt\", \"QueryToken\": true,", StringComparison.Ordinal);
        await using TestHost host = await TestHost.StartAsync($$"""{ "/req": { "Plugin": "Faulty", "Type": "RequestEchoService", "Auth": {{auth}} } }""",
            Lane(directStreams));
        string token = TestTokens.Create("alice");

        await using SseStream byHeader = await host.OpenStreamAsync("/req?x=1", Bearer(token));
        await using SseStream byQuery = await host.OpenStreamAsync($"/req?x=2&access_token={token}");
        string seenByHeader = (await byHeader.NextAsync("request")).Data;
        string seenByQuery = (await byQuery.NextAsync("request")).Data;

        Assert.DoesNotContain(token, seenByHeader, StringComparison.Ordinal);
        Assert.DoesNotContain("Authorization", seenByHeader, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"x\":\"1\"", seenByHeader, StringComparison.Ordinal);
        Assert.DoesNotContain(token, seenByQuery, StringComparison.Ordinal);
        Assert.DoesNotContain("access_token", seenByQuery, StringComparison.Ordinal);
        Assert.Contains("\"x\":\"2\"", seenByQuery, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_forged_expired_or_wrongly_scoped_token_is_refused_with_why(bool directStreams)
    {
        await using TestHost host = await TestHost.StartAsync(Mounts(), Lane(directStreams));

        (string Token, HttpStatusCode Status, string Body, string Challenge)[] cases =
        [
            (TestTokens.Create(secret: TestTokens.OtherSecret), HttpStatusCode.Unauthorized, "Token refused: the token's signature is not valid.", "Bearer error=\"invalid_token\""),
            (TestTokens.Expired(), HttpStatusCode.Unauthorized, "Token refused: the token has expired.", "Bearer error=\"invalid_token\""),
            (TestTokens.Create(scope: "other"), HttpStatusCode.Forbidden, "Not allowed at /secure: the token's claim 'scope' does not grant 'events'.", "Bearer error=\"insufficient_scope\""),
            ("Bearer-but-nonsense", HttpStatusCode.Unauthorized, "Token refused: the token is malformed.", "Bearer error=\"invalid_token\""),
        ];
        foreach ((string token, HttpStatusCode status, string body, string challenge) in cases)
        {
            Answer refused = await AskForStreamAsync(host, "/secure", Bearer(token));
            Assert.Equal(status, refused.Status);
            Assert.Equal(challenge, refused.Challenge);
            Assert.Equal(body + "\n", refused.Body);
        }

        Assert.Equal(0, host.ClientCount("/secure"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_token_in_the_query_counts_only_where_the_mount_allows_it(bool directStreams)
    {
        string auth = TestTokens.AuthJson.Replace("\"Mode\": \"Jwt\",", "\"Mode\": \"Jwt\", \"QueryToken\": true,", StringComparison.Ordinal);
        await using TestHost host = await TestHost.StartAsync($$"""
            {
              "/secure": { "Plugin": "Faulty", "Type": "IdentityService", "Auth": {{TestTokens.AuthJson}} },
              "/query": { "Plugin": "Faulty", "Type": "IdentityService", "Auth": {{auth}} }
            }
            """, Lane(directStreams));
        string token = TestTokens.Create("alice");

        Answer refused = await AskForStreamAsync(host, "/secure?access_token=" + token);
        await using SseStream allowed = await host.OpenStreamAsync("/query?access_token=" + token);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        Assert.Equal("alice", (await allowed.NextAsync("user")).Data);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_plugin_may_refuse_a_valid_user_on_its_own_rules(bool directStreams)
    {
        await using TestHost host = await TestHost.StartAsync(Mounts(), Lane(directStreams));
        string banned = TestTokens.Create("mallory", claims: new Dictionary<string, object> { ["banned"] = "yes" });

        Answer refused = await AskForStreamAsync(host, "/secure", Bearer(banned));

        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Equal("refused by plugin: banned", refused.Body);
        Assert.Equal(0, host.ClientCount("/secure"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_stream_ends_with_auth_expired_when_its_token_expires_and_the_same_token_cannot_reconnect(bool directStreams)
    {
        string auth = TestTokens.AuthJson.Replace("\"Audience\"", "\"ClockSkewSeconds\": 0, \"Audience\"", StringComparison.Ordinal);
        await using TestHost host = await TestHost.StartAsync(Mounts(auth), Lane(directStreams));
        await using SseStream watcher = await host.OpenStreamAsync("/secure", Bearer(TestTokens.Create("watcher")));
        string shortLived = TestTokens.Create("alice", TimeSpan.FromSeconds(3));
        SseStream stream = await host.OpenStreamAsync("/secure", Bearer(shortLived));
        await using (stream)
        {
            Assert.Equal("alice", (await stream.NextAsync("user")).Data);

            SseItem<string> expired = await stream.NextAsync("auth-expired", TimeSpan.FromSeconds(10));
            Assert.Contains("expired", expired.Data, StringComparison.Ordinal);
            await stream.WaitForEndAsync();
        }

        Assert.Equal($"{stream.SessionId} CredentialsExpired", (await watcher.NextAsync("left")).Data);
        Answer again = await AskForStreamAsync(host, "/secure", Bearer(shortLived));
        Assert.Equal(HttpStatusCode.Unauthorized, again.Status);
        Assert.Equal("Token refused: the token has expired.\n", again.Body);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_session_of_one_user_cannot_be_resumed_by_another(bool directStreams)
    {
        await using TestHost host = await TestHost.StartAsync(Mounts(grace: 30), Lane(directStreams));
        SseStream alice = await host.OpenStreamAsync("/secure", Bearer(TestTokens.Create("alice")));
        string id = alice.SessionId;
        await alice.DisposeAsync();

        Answer bob = await AskForStreamAsync(host, $"/secure?session={id}", Bearer(TestTokens.Create("bob")));
        await using SseStream aliceAgain = await host.OpenStreamAsync($"/secure?session={id}", Bearer(TestTokens.Create("alice")));

        Assert.Equal(HttpStatusCode.Forbidden, bob.Status);
        Assert.Equal($"Session '{id}' of /secure belongs to another user.\n", bob.Body);
        Assert.Equal(id, aliceAgain.SessionId);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_ticket_opens_one_session_and_serves_its_reconnects_but_no_other_use(bool directStreams)
    {
        await using TestHost host = await TestHost.StartAsync(Mounts(grace: 30), Lane(directStreams));
        string ticket = await IssueTicketAsync(host, "/secure", TestTokens.Create("alice"));

        // The page opens the stream with the ticket alone: no token in the URL.
        SseStream first = await host.OpenStreamAsync($"/secure?ticket={ticket}");
        Assert.Equal("alice", (await first.NextAsync("user")).Data);
        host.Broadcast("/secure", "news", "one");
        SseItem<string> one = await first.NextAsync("news");
        string id = first.SessionId;
        await first.DisposeAsync();
        host.Broadcast("/secure", "news", "two");

        // EventSource's own reconnect: the same URL, with Last-Event-ID.
        await using SseStream reconnect = await host.OpenStreamAsync($"/secure?ticket={ticket}", new Dictionary<string, string> { ["Last-Event-ID"] = one.EventId! });
        Assert.Equal(id, reconnect.SessionId);
        Assert.Equal("two", (await reconnect.NextAsync("news")).Data);

        // Another session with the same ticket, a forged one, one for another mount: refused.
        Answer other = await AskForStreamAsync(host, $"/secure?ticket={ticket}&session=someone-else");
        Assert.Equal(HttpStatusCode.Forbidden, other.Status);
        Assert.Equal("Ticket refused: the ticket opened another session; a ticket serves one session only.\n", other.Body);
        Answer forged = await AskForStreamAsync(host, "/secure?ticket=" + new string('A', 43));
        Assert.Equal(HttpStatusCode.Unauthorized, forged.Status);
        Assert.Equal("Bearer error=\"invalid_token\"", forged.Challenge);

        // A ticket is for a stream: a plain request needs the token.
        using HttpResponseMessage plain = await host.Client.GetAsync($"/secure?ticket={ticket}&x=1");
        Assert.Equal(HttpStatusCode.Unauthorized, plain.StatusCode);
    }

    [Fact]
    public async Task The_ticket_endpoint_needs_a_valid_token_of_the_mount_and_a_mount_that_uses_tickets()
    {
        await using TestHost host = await TestHost.StartAsync(Mounts());

        using HttpResponseMessage noToken = await host.Client.PostAsync("/_host/tickets/secure", null);
        using HttpRequestMessage expiredRequest = new(HttpMethod.Post, "/_host/tickets/secure");
        expiredRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Expired());
        using HttpResponseMessage expired = await host.Client.SendAsync(expiredRequest);
        using HttpResponseMessage anonymous = await host.Client.PostAsync("/_host/tickets/open", null);
        using HttpResponseMessage nowhere = await host.Client.PostAsync("/_host/tickets/nowhere", null);

        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        Assert.Equal("Bearer", noToken.Headers.WwwAuthenticate.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        Assert.Equal("Token refused: the token has expired.\n", await expired.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, anonymous.StatusCode);
        Assert.Contains("does not use stream tickets", await anonymous.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, nowhere.StatusCode);

        using HttpRequestMessage good = new(HttpMethod.Post, "/_host/tickets/secure");
        good.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Create());
        using HttpResponseMessage issued = await host.Client.SendAsync(good);
        Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
        Assert.Equal("no-store", issued.Headers.CacheControl?.ToString());
        using JsonDocument json = JsonDocument.Parse(await issued.Content.ReadAsStringAsync());
        Assert.Equal("/secure", json.RootElement.GetProperty("mount").GetString());
        Assert.Equal(30, json.RootElement.GetProperty("expiresInSeconds").GetInt32());
        Assert.Equal(43, json.RootElement.GetProperty("ticket").GetString()!.Length);
    }

    [Fact]
    public async Task A_session_id_of_another_mount_opens_a_new_session_there()
    {
        await using TestHost host = await TestHost.StartAsync("""
            {
              "/a": { "Plugin": "Faulty", "Type": "IdentityService", "SessionGraceSeconds": 30 },
              "/b": { "Plugin": "Faulty", "Type": "IdentityService", "SessionGraceSeconds": 30 }
            }
            """);
        await using SseStream onA = await host.OpenStreamAsync("/a");

        await using SseStream onB = await host.OpenStreamAsync($"/b?session={onA.SessionId}");

        Assert.NotEqual(onA.SessionId, onB.SessionId);
        Assert.Equal(1, host.ClientCount("/a"));
        Assert.Equal(1, host.ClientCount("/b"));
    }

    /// <summary>Asks for a stream as an EventSource would and reads a refusal's status, challenge and body.</summary>
    internal static async Task<Answer> AskForStreamAsync(TestHost host, string pathAndQuery, Dictionary<string, string>? headers = null)
    {
        using HttpRequestMessage request = new(HttpMethod.Get, pathAndQuery);
        request.Headers.TryAddWithoutValidation("Accept", "text/event-stream");
        foreach (KeyValuePair<string, string> header in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        using HttpResponseMessage response = await host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.NotEqual("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new Answer(response.StatusCode, response.Headers.WwwAuthenticate.ToString(), await response.Content.ReadAsStringAsync());
    }

    internal static async Task<string> IssueTicketAsync(TestHost host, string mount, string token)
    {
        using HttpRequestMessage request = new(HttpMethod.Post, "/_host/tickets" + mount);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using HttpResponseMessage response = await host.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using JsonDocument json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("ticket").GetString()!;
    }

    /// <summary>A refusal as read.</summary>
    internal sealed record Answer(HttpStatusCode Status, string Challenge, string Body);
}
