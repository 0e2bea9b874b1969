using Microsoft.Extensions.Options;
using SsePluginHost.Configuration;

namespace SsePluginHost.Tests.Unit;

/// <summary>The bound on write coalescing is checked at start, an out-of-range value named.</summary>
public sealed class StreamOptionsValidationTests
{
    [Theory]
    [InlineData(-1)]
    [InlineData(1001)]
    [InlineData(double.NaN)]
    public void An_out_of_range_coalescing_bound_is_refused_by_name(double value)
    {
        SseHostOptions options = new();
        options.Streams.MaxCoalesceMilliseconds = value;

        ValidateOptionsResult result = new SseHostOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("SseHost:Streams:MaxCoalesceMilliseconds must be between 0 and 1000", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(20)]
    [InlineData(1000)]
    public void A_coalescing_bound_in_range_is_accepted(double value)
    {
        SseHostOptions options = new();
        options.Streams.MaxCoalesceMilliseconds = value;

        Assert.True(new SseHostOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void The_defaults_are_valid_and_documented_values()
    {
        SseHostOptions options = new();

        Assert.True(new SseHostOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal(20, options.Streams.MaxCoalesceMilliseconds);
        Assert.True(options.Streams.DirectStreams);
    }
}
