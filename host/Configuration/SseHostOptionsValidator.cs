using Microsoft.Extensions.Options;

namespace SsePluginHost.Configuration;

/// <summary>Checks <see cref="SseHostOptions"/> at start, with messages that name the setting.</summary>
internal sealed class SseHostOptionsValidator : IValidateOptions<SseHostOptions>
{
    public ValidateOptionsResult Validate(string? name, SseHostOptions options)
    {
        List<string> failures = [];
        if (string.IsNullOrWhiteSpace(options.PluginsPath))
        {
            failures.Add("SseHost:PluginsPath must name a folder.");
        }

        if (options.Ping.IdleSeconds is < 1 or > 86_400)
        {
            failures.Add($"SseHost:Ping:IdleSeconds must be between 1 and 86400, not {options.Ping.IdleSeconds}.");
        }

        if (options.Streams.QueueCapacity is < 1 or > 1_000_000)
        {
            failures.Add($"SseHost:Streams:QueueCapacity must be between 1 and 1000000, not {options.Streams.QueueCapacity}.");
        }

        if (options.Streams.MaxRequestBodyBytes is < 0)
        {
            failures.Add($"SseHost:Streams:MaxRequestBodyBytes must not be negative, not {options.Streams.MaxRequestBodyBytes}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
