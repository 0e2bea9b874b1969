using Microsoft.Extensions.Options;
using SsePluginHost.Configuration;

namespace SsePluginHost.Tests.Unit;

/// <summary>The plugin wait and watchdog settings are checked at start, each out-of-range value named.</summary>
public sealed class PluginOptionsValidationTests
{
    [Theory]
    [InlineData(-1)]
    [InlineData(601)]
    [InlineData(double.NaN)]
    public void An_out_of_range_start_wait_is_refused_by_name(double value)
    {
        SseHostOptions options = new();
        options.Plugins.StartWaitSeconds = value;

        ValidateOptionsResult result = new SseHostOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("SseHost:Plugins:StartWaitSeconds must be between 0 and 600", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(0.05)]
    [InlineData(3601)]
    [InlineData(double.PositiveInfinity)]
    public void An_out_of_range_watchdog_is_refused_by_name(double value)
    {
        SseHostOptions options = new();
        options.Plugins.WatchdogSeconds = value;

        ValidateOptionsResult result = new SseHostOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("SseHost:Plugins:WatchdogSeconds must be between 0.1 and 3600", StringComparison.Ordinal));
    }

    [Fact]
    public void The_defaults_are_valid_and_documented_values()
    {
        SseHostOptions options = new();

        Assert.True(new SseHostOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal(1, options.Plugins.StartWaitSeconds);
        Assert.Equal(5, options.Plugins.WatchdogSeconds);
    }
}
