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

        if (options.Streams.QueueBytes is < 1024)
        {
            failures.Add($"SseHost:Streams:QueueBytes must be at least 1024, not {options.Streams.QueueBytes}.");
        }

        if (options.Streams.MaxStreams is < 0)
        {
            failures.Add($"SseHost:Streams:MaxStreams must be 0 (no limit) or more, not {options.Streams.MaxStreams}.");
        }

        if (!(options.ShutdownTimeoutSeconds is > 0 and <= 3600))
        {
            failures.Add($"SseHost:ShutdownTimeoutSeconds must be more than 0 and at most 3600, not {options.ShutdownTimeoutSeconds}.");
        }

        if (options.MountDefaults.Validate() is { } problem)
        {
            failures.Add($"SseHost:MountDefaults: {problem}.");
        }

        if (options.Streams.MaxRequestBodyBytes is < 0)
        {
            failures.Add($"SseHost:Streams:MaxRequestBodyBytes must not be negative, not {options.Streams.MaxRequestBodyBytes}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
