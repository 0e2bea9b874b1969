using System.Net;
using System.Net.Http.Headers;
using System.Text;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// What a client gets wrong in a body is a 400 with a one-line reason, never a 500 with a stack
/// trace in the log: too many form fields, a broken multipart body, publish JSON whose text is
/// not text (a lone surrogate, invalid UTF-8).
/// </summary>
public sealed class MalformedBodyTests
{
    private const string Echo = """{ "/echo": { "Plugin": "Faulty", "Type": "EchoService" }, "/quiet": { "Plugin": "Faulty", "Type": "SecondService" } }""";

    public static TheoryData<string> Targets => ["/echo", "/_host/publish/quiet"];

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Five_thousand_form_fields_are_a_400(string target)
    {
        await using TestHost host = await TestHost.StartAsync(Echo);
        string form = string.Join('&', Enumerable.Range(0, 5_000).Select(i => $"f{i}=v"));

        using HttpResponseMessage answer = await host.Client.PostAsync(new Uri(target, UriKind.Relative), new StringContent(form, Encoding.ASCII, "application/x-www-form-urlencoded"));

        await AssertOneLine400Async(host, answer, "The form cannot be read: ");
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task A_multipart_body_that_ends_before_its_boundary_is_a_400(string target)
    {
        await using TestHost host = await TestHost.StartAsync(Echo);
        StringContent broken = new("--b\r\nContent-Disposition: form-data; name=\"data\"\r\n\r\nhello, and then noth", Encoding.ASCII);
        broken.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=b");

        using HttpResponseMessage answer = await host.Client.PostAsync(new Uri(target, UriKind.Relative), broken);

        await AssertOneLine400Async(host, answer, "The form cannot be read: ");
    }

    [Theory]
    [InlineData("{\"data\":\"\\ud800\"}")]
    [InlineData("{\"data\":[\"fine\",\"\\udfff alone\"]}")]
    [InlineData("{\"event\":\"x\\ud800\",\"data\":\"fine\"}")]
    public async Task Publish_JSON_with_a_lone_surrogate_is_a_400(string json)
    {
        await using TestHost host = await TestHost.StartAsync(Echo);

        using HttpResponseMessage answer = await host.Client.PostAsync(new Uri("/_host/publish/quiet", UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));

        await AssertOneLine400Async(host, answer, string.Empty);
    }

    [Fact]
    public async Task Publish_JSON_with_invalid_UTF_8_is_a_400()
    {
        await using TestHost host = await TestHost.StartAsync(Echo);
        byte[] body = [.. "{\"data\":\""u8.ToArray(), 0xC3, 0x28, 0xFF, .. "\"}"u8.ToArray()];
        ByteArrayContent content = new(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json");

        using HttpResponseMessage answer = await host.Client.PostAsync(new Uri("/_host/publish/quiet", UriKind.Relative), content);

        await AssertOneLine400Async(host, answer, string.Empty);
    }

    private static async Task AssertOneLine400Async(TestHost host, HttpResponseMessage answer, string startsWith)
    {
        string text = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == HttpStatusCode.BadRequest, $"{(int)answer.StatusCode}: {text}");
        Assert.StartsWith(startsWith, text, StringComparison.Ordinal);
        Assert.Single(text.TrimEnd('\n').Split('\n'));
        Assert.DoesNotContain(host.Logs.Lines, l => l.Contains("Exception", StringComparison.Ordinal) && l.Contains("   at ", StringComparison.Ordinal));
        Assert.DoesNotContain(host.Logs.Lines, l => l.Contains("unhandled exception", StringComparison.OrdinalIgnoreCase));
    }
}
