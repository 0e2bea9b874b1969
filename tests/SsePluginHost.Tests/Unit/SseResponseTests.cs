using SsePluginHost.Abstractions;

namespace SsePluginHost.Tests.Unit;

/// <summary>
/// The contract's 1.1 additions to <see cref="SseResponse"/>: header fields of the plugin's own,
/// added to a copy and checked when added, and <see cref="SseResponse.RetryLater()"/>.
/// </summary>
public sealed class SseResponseTests
{
    public static TheoryData<string> EveryKind => ["text", "stream", "retry"];

    [Fact]
    public void WithHeader_gives_a_copy_with_the_field_added_and_leaves_the_original_as_it_was()
    {
        SseResponse original = SseResponse.Text(201, "made");

        SseResponse one = original.WithHeader("Cache-Control", "no-store");
        SseResponse two = one.WithHeader("X-Trace", "a").WithHeader("x-trace", "b");

        Assert.Empty(original.Headers);
        Assert.Equal(new[] { F("Cache-Control", "no-store") }, one.Headers);
        Assert.Equal(new[] { F("Cache-Control", "no-store"), F("X-Trace", "a"), F("x-trace", "b") }, two.Headers);
        Assert.Equal((201, "made", "text/plain; charset=utf-8", false, false), (two.StatusCode, two.Body, two.ContentType, two.IsStream, two.IsRetryLater));
    }

    [Fact]
    public void WithHeader_keeps_what_a_stream_or_a_retry_later_is()
    {
        object state = new();
        SseResponse stream = SseResponse.OpenStream(state).WithHeader("X-Room", "lobby");
        SseResponse following = SseResponse.OpenStreamFollowing(state, ["lobby", "news"]).WithHeader("X-Room", "lobby");
        SseResponse retry = SseResponse.RetryLater(TimeSpan.FromSeconds(7), "maintenance").WithHeader("X-Room", "lobby");

        Assert.True(stream.IsStream);
        Assert.Same(state, stream.State);
        Assert.Equal("text/event-stream", stream.ContentType);
        Assert.True(following.IsStream);
        Assert.Same(state, following.State);
        Assert.Equal(["lobby", "news"], following.Topics);
        Assert.True(retry.IsRetryLater);
        Assert.Equal(TimeSpan.FromSeconds(7), retry.RetryAfter);
        Assert.Equal("maintenance", retry.Body);
        Assert.Equal(503, retry.StatusCode);
    }

    [Fact]
    public void The_header_fields_cannot_be_changed_through_a_cast()
    {
        SseResponse answer = SseResponse.Text(200, "ok").WithHeader("X-A", "1");

        Assert.Throws<NotSupportedException>(() => ((IList<KeyValuePair<string, string>>)answer.Headers).Add(new("X-B", "2")));
        Assert.Throws<NotSupportedException>(() => ((IList<KeyValuePair<string, string>>)answer.Headers)[0] = new("X-A", "1\r\nX-B: 2"));
        Assert.Throws<NotSupportedException>(() => ((IList<KeyValuePair<string, string>>)SseResponse.NoContent().Headers).Add(new("X-B", "2")));
        Assert.Equal(new[] { F("X-A", "1") }, answer.Headers);
    }

    [Fact]
    public void The_factories_of_1_0_give_no_header_fields_and_no_retry()
    {
        foreach (SseResponse answer in new[] { SseResponse.OpenStream(), SseResponse.Text(200, "x"), SseResponse.Content(200, "application/json", "{}"),
            SseResponse.Html("<p>"), SseResponse.NoContent(), SseResponse.NotFound("x"), SseResponse.BadRequest("x") })
        {
            Assert.Empty(answer.Headers);
            Assert.False(answer.IsRetryLater);
            Assert.Null(answer.RetryAfter);
        }
    }

    [Theory]
    [InlineData("", "must not be empty")]
    [InlineData("X Trace", "U+0020 at index 1")]
    [InlineData("X-Trace:", "':' at index 7")]
    [InlineData("X-Evil\r\nSet-Cookie", "U+000D at index 6")]
    [InlineData("X-Evil\nSet-Cookie", "U+000A at index 6")]
    [InlineData("X\0", "U+0000 at index 1")]
    [InlineData("X-Caf\u00e9", "U+00E9 at index 5")]
    [InlineData("(comment)", "'(' at index 0")]
    public void A_name_that_is_not_an_HTTP_token_is_refused_with_why_and_without_repeating_it(string name, string why)
    {
        SseResponse answer = SseResponse.Text(200, "ok");

        ArgumentException refused = Assert.Throws<ArgumentException>(() => answer.WithHeader(name, "v"));

        Assert.Equal("name", refused.ParamName);
        Assert.Contains(why, refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Set-Cookie", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\r', refused.Message);
        Assert.DoesNotContain('\n', refused.Message);
        Assert.Empty(answer.Headers);
    }

    [Theory]
    [InlineData("a\r\nSet-Cookie: injected=1", "U+000D at index 1")]
    [InlineData("a\nSet-Cookie: injected=1", "U+000A at index 1")]
    [InlineData("a\rb", "U+000D at index 1")]
    [InlineData("a\0", "U+0000 at index 1")]
    [InlineData("\u007f", "U+007F at index 0")]
    [InlineData("\u001b[31m", "U+001B at index 0")]
    [InlineData("caf\u00e9", "U+00E9 at index 3")]
    public void A_value_with_CR_LF_NUL_another_control_character_or_non_ASCII_is_refused(string value, string why)
    {
        ArgumentException refused = Assert.Throws<ArgumentException>(() => SseResponse.Text(200, "ok").WithHeader("X-Trace", value));

        Assert.Equal("value", refused.ParamName);
        Assert.Contains("The value of the header field X-Trace has " + why, refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("injected", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a b\tc")]
    [InlineData("</style.css>; rel=preload; as=style")]
    [InlineData("id=1; Path=/; HttpOnly; SameSite=Strict")]
    public void Visible_ASCII_spaces_and_tabs_are_a_value(string value) =>
        Assert.Equal(value, SseResponse.Text(200, "ok").WithHeader("X-Trace", value).Headers[0].Value);

    [Theory]
    [InlineData("Content-Type", "text")]
    [InlineData("content-type", "stream")]
    [InlineData("Content-Length", "text")]
    [InlineData("CONTENT-LENGTH", "retry")]
    [InlineData("Content-Encoding", "text")]
    [InlineData("Transfer-Encoding", "stream")]
    [InlineData("Trailer", "text")]
    [InlineData("Connection", "text")]
    [InlineData("connection", "stream")]
    [InlineData("Keep-Alive", "retry")]
    [InlineData("Proxy-Connection", "text")]
    [InlineData("Upgrade", "text")]
    [InlineData("TE", "text")]
    [InlineData("Date", "stream")]
    [InlineData("Server", "text")]
    [InlineData("Access-Control-Allow-Origin", "text")]
    [InlineData("access-control-allow-credentials", "stream")]
    [InlineData("Cache-Control", "stream")]
    [InlineData("Cache-Control", "retry")]
    [InlineData("X-Accel-Buffering", "stream")]
    [InlineData("x-accel-buffering", "retry")]
    [InlineData("Retry-After", "stream")]
    [InlineData("Retry-After", "retry")]
    public void A_field_the_host_sets_itself_is_refused_with_why(string name, string kind)
    {
        SseResponse answer = Of(kind);

        ArgumentException refused = Assert.Throws<ArgumentException>(() => answer.WithHeader(name, "x"));

        Assert.Equal("name", refused.ParamName);
        Assert.StartsWith($"The header field {name} is the host's: ", refused.Message, StringComparison.Ordinal);
        Assert.Empty(answer.Headers);
    }

    [Theory]
    [InlineData("Cache-Control", "no-store")]
    [InlineData("X-Accel-Buffering", "yes")]
    [InlineData("Retry-After", "30")]
    [InlineData("Location", "/elsewhere")]
    [InlineData("Set-Cookie", "a=1")]
    [InlineData("Vary", "Accept")]
    [InlineData("WWW-Authenticate", "Basic")]
    public void A_reply_may_carry_fields_the_host_sets_only_on_streams(string name, string value) =>
        Assert.Equal(new[] { F(name, value) }, SseResponse.Text(200, "ok").WithHeader(name, value).Headers);

    [Theory]
    [MemberData(nameof(EveryKind))]
    public void Null_is_refused(string kind)
    {
        Assert.Throws<ArgumentNullException>(() => Of(kind).WithHeader(null!, "v"));
        Assert.Throws<ArgumentNullException>(() => Of(kind).WithHeader("X-A", null!));
    }

    [Fact]
    public void RetryLater_is_a_503_with_the_reason_as_its_body_and_the_delay_if_given()
    {
        SseResponse plain = SseResponse.RetryLater();
        SseResponse delayed = SseResponse.RetryLater(TimeSpan.FromSeconds(90));
        SseResponse reasoned = SseResponse.RetryLater("down for maintenance");
        SseResponse both = SseResponse.RetryLater(TimeSpan.FromMilliseconds(1500), "down for maintenance");

        foreach (SseResponse answer in new[] { plain, delayed, reasoned, both })
        {
            Assert.True(answer.IsRetryLater);
            Assert.False(answer.IsStream);
            Assert.Equal(503, answer.StatusCode);
            Assert.Equal("text/plain; charset=utf-8", answer.ContentType);
            Assert.Null(answer.State);
            Assert.Empty(answer.Headers);
        }

        Assert.Equal((null, null), (plain.RetryAfter, plain.Body));
        Assert.Equal((TimeSpan.FromSeconds(90), null), (delayed.RetryAfter, delayed.Body));
        Assert.Equal((null, "down for maintenance"), (reasoned.RetryAfter, reasoned.Body));
        Assert.Equal((TimeSpan.FromMilliseconds(1500), "down for maintenance"), (both.RetryAfter, both.Body));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(999)]
    [InlineData(3_600_001)]
    public void RetryLater_refuses_a_delay_under_a_second_or_over_an_hour(int milliseconds)
    {
        TimeSpan delay = TimeSpan.FromMilliseconds(milliseconds);

        Assert.Equal("delay", Assert.Throws<ArgumentOutOfRangeException>(() => SseResponse.RetryLater(delay)).ParamName);
        Assert.Equal("delay", Assert.Throws<ArgumentOutOfRangeException>(() => SseResponse.RetryLater(delay, "why")).ParamName);
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(3_600_000)]
    public void RetryLater_takes_a_delay_from_a_second_to_an_hour(int milliseconds) =>
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), SseResponse.RetryLater(TimeSpan.FromMilliseconds(milliseconds)).RetryAfter);

    [Theory]
    [InlineData("two\nlines")]
    [InlineData("two\r\nlines")]
    [InlineData("cr\r")]
    [InlineData("nul\0")]
    [InlineData("tab\t")]
    [InlineData("")]
    public void RetryLater_refuses_a_reason_that_is_empty_or_not_one_line_of_text(string reason)
    {
        Assert.Equal("reason", Assert.ThrowsAny<ArgumentException>(() => SseResponse.RetryLater(reason)).ParamName);
        Assert.Equal("reason", Assert.ThrowsAny<ArgumentException>(() => SseResponse.RetryLater(TimeSpan.FromSeconds(5), reason)).ParamName);
        Assert.Throws<ArgumentNullException>(() => SseResponse.RetryLater(null!));
    }

    [Fact]
    public void RetryLater_takes_a_reason_in_any_language() =>
        Assert.Equal("café fermé — à demain", SseResponse.RetryLater("café fermé — à demain").Body);

    private static KeyValuePair<string, string> F(string name, string value) => new(name, value);

    private static SseResponse Of(string kind) => kind switch
    {
        "stream" => SseResponse.OpenStream(),
        "retry" => SseResponse.RetryLater(),
        _ => SseResponse.Text(200, "ok"),
    };
}
