namespace SsePluginHost;

/// <summary>The lines the host logs once at start about how it can be reached.</summary>
internal static partial class StartupLog
{
    [LoggerMessage(EventId = 70, Level = LogLevel.Information, Message = "Unix socket {Path} serves the publish API and the mounts (mode {Mode})")]
    public static partial void UnixSocket(ILogger logger, string path, string mode);

    [LoggerMessage(EventId = 71, Level = LogLevel.Information, Message = "Publish API at {Prefix}/ requires Authorization: Bearer <token>")]
    public static partial void PublishWithToken(ILogger logger, string prefix);

    [LoggerMessage(EventId = 72, Level = LogLevel.Warning, Message = "Publish API at {Prefix}/ has no token configured (SseHost:Publish:Token): it answers only loopback and the Unix socket")]
    public static partial void PublishLocalOnly(ILogger logger, string prefix);

    [LoggerMessage(EventId = 74, Level = LogLevel.Information, Message = "Streams are served through ASP.NET Core only, not straight off the connection: AllowedHosts ({AllowedHosts}) restricts the Host header, which ASP.NET Core's host filtering checks")]
    public static partial void DirectStreamsOffForHosts(ILogger logger, string allowedHosts);

    [LoggerMessage(EventId = 19, Level = LogLevel.Warning, Message = "{Setting} is retired and ignored: a client's events go out at once, and are batched only while writes back up, for at most SseHost:Streams:MaxCoalesceMilliseconds ({Bound} ms); remove the setting")]
    public static partial void RetiredSetting(ILogger logger, string setting, double bound);

    [LoggerMessage(EventId = 73, Level = LogLevel.Information, Message = "Publish API is off (SseHost:Publish:Enabled = false)")]
    public static partial void PublishOff(ILogger logger);
}
