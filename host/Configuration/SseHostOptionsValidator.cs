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

        if (!(options.Streams.MaxCoalesceMilliseconds is >= 0 and <= 1000))
        {
            failures.Add($"SseHost:Streams:MaxCoalesceMilliseconds must be between 0 and 1000, not {options.Streams.MaxCoalesceMilliseconds}.");
        }

        if (options.Streams.MaxStreams is < 0)
        {
            failures.Add($"SseHost:Streams:MaxStreams must be 0 (no limit) or more, not {options.Streams.MaxStreams}.");
        }

        if (!(options.ShutdownTimeoutSeconds is > 0 and <= 3600))
        {
            failures.Add($"SseHost:ShutdownTimeoutSeconds must be more than 0 and at most 3600, not {options.ShutdownTimeoutSeconds}.");
        }

        if (options.Plugins.Validate() is { } pluginProblem)
        {
            failures.Add(pluginProblem);
        }

        if (options.ForwardedHeaders.Validate() is { } proxyProblem)
        {
            failures.Add(proxyProblem);
        }

        if (options.Backplane.Validate() is { } backplaneProblem)
        {
            failures.Add(backplaneProblem);
        }

        if (options.MountDefaults.Validate() is { } problem)
        {
            failures.Add($"SseHost:MountDefaults: {problem}.");
        }

        if (options.Publish.Udp is { Enabled: true } udp)
        {
            if (!System.Net.IPAddress.TryParse(udp.Address, out System.Net.IPAddress? address))
            {
                failures.Add($"SseHost:Publish:Udp:Address must be an IP address, not '{udp.Address}'.");
            }
            else if (!System.Net.IPAddress.IsLoopback(address) && !udp.AllowRemote)
            {
                failures.Add($"SseHost:Publish:Udp:Address {udp.Address} is not loopback: UDP has no authentication, so set SseHost:Publish:Udp:AllowRemote to true to bind it anyway.");
            }

            if (udp.Port is < 0 or > 65535)
            {
                failures.Add($"SseHost:Publish:Udp:Port must be between 0 and 65535, not {udp.Port}.");
            }

            if (udp.MaxDatagramBytes is < 64 or > 65507)
            {
                failures.Add($"SseHost:Publish:Udp:MaxDatagramBytes must be between 64 and 65507, not {udp.MaxDatagramBytes}.");
            }
        }

        if (!string.IsNullOrWhiteSpace(options.Publish.UnixSocket.Path) && !Ingress.UnixSocketFile.TryParseMode(options.Publish.UnixSocket.Mode, out _))
        {
            failures.Add($"SseHost:Publish:UnixSocket:Mode must be an octal file mode such as 0660, not '{options.Publish.UnixSocket.Mode}'.");
        }

        if (options.Publish.AcceptsJwt && options.Publish.Jwt.Validate("SseHost:Publish:Jwt:") is { } publishJwtProblem)
        {
            failures.Add(publishJwtProblem + ".");
        }

        if (options.Publish.AcceptsJwt && string.IsNullOrWhiteSpace(options.Publish.JwtClaim))
        {
            failures.Add("SseHost:Publish:JwtClaim must name the claim that lists the mounts a token may publish to.");
        }

        if (options.Publish.Cors.Validate("SseHost:Publish:Cors:") is { } publishCorsProblem)
        {
            failures.Add(publishCorsProblem + ".");
        }

        if (options.Publish.Token is { Length: > 0 and < 16 })
        {
            failures.Add("SseHost:Publish:Token must be at least 16 characters long.");
        }

        if (options.Streams.MaxRequestBodyBytes is < 0)
        {
            failures.Add($"SseHost:Streams:MaxRequestBodyBytes must not be negative, not {options.Streams.MaxRequestBodyBytes}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
