using Microsoft.Extensions.Options;
using SsePluginHost.Configuration;

namespace SsePluginHost.Tests.Unit;

/// <summary>The backplane settings are checked at start, each bad value named; no Redis is the default.</summary>
public sealed class BackplaneOptionsValidationTests
{
    [Fact]
    public void The_default_is_in_process_and_valid()
    {
        SseHostOptions options = new();

        Assert.False(options.Backplane.UsesRedis);
        Assert.True(new SseHostOptionsValidator().Validate(null, options).Succeeded);
    }

    [Theory]
    [InlineData("127.0.0.1:6379")]
    [InlineData("redis1:6379,redis2:6379,password=secret,ssl=true,abortConnect=false")]
    public void A_StackExchange_Redis_configuration_string_is_taken(string redis)
    {
        SseHostOptions options = new();
        options.Backplane.Redis = redis;

        Assert.True(options.Backplane.UsesRedis);
        Assert.True(new SseHostOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void A_configuration_string_StackExchange_Redis_cannot_read_is_refused_by_name()
    {
        SseHostOptions options = new();
        options.Backplane.Redis = "127.0.0.1:6379,connectTimeout=soon";

        ValidateOptionsResult result = new SseHostOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("SseHost:Backplane:Redis is not a StackExchange.Redis configuration string", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("")]
    [InlineData("two words")]
    public void A_key_prefix_that_is_not_one_word_is_refused_by_name(string prefix)
    {
        SseHostOptions options = new();
        options.Backplane.KeyPrefix = prefix;

        ValidateOptionsResult result = new SseHostOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("SseHost:Backplane:KeyPrefix must be a word without spaces", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(-1, 10_000, "SseHost:Backplane:OutageBufferEvents must be between 0 and 10000000")]
    [InlineData(10_000, 99, "SseHost:Backplane:StreamLength must be between 100 and 10000000")]
    public void Out_of_range_sizes_are_refused_by_name(int buffer, int length, string message)
    {
        SseHostOptions options = new();
        options.Backplane.OutageBufferEvents = buffer;
        options.Backplane.StreamLength = length;

        ValidateOptionsResult result = new SseHostOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith(message, StringComparison.Ordinal));
    }
}
