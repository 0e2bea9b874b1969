using SsePluginHost.Channels;
using SsePluginHost.Configuration;

namespace SsePluginHost.Backplane;

/// <summary>Makes <see cref="RedisMountChannel"/>s: every host that shares the Redis serves the same events of a mount.</summary>
/// <param name="backplane">The Redis connection.</param>
/// <param name="time">The channels' clock.</param>
/// <param name="loggers">Their loggers.</param>
/// <param name="burst">Told of each fan-out (the host's <see cref="Streaming.WriteScheduler"/>).</param>
internal sealed class RedisMountChannelFactory(RedisBackplane backplane, TimeProvider time, ILoggerFactory loggers, IFanOutBurst? burst = null) : IMountChannelFactory
{
    private readonly ILogger _logger = loggers.CreateLogger<RedisMountChannel>();

    /// <remarks>The history is in Redis, by mount path: a channel replacing another at the same path has it already.</remarks>
    public IMountChannel Create(string mountPath, HistorySettings history, IDirectRecipients recipients, IMountChannel? predecessor = null) =>
        new RedisMountChannel(mountPath, history, recipients, backplane, time, _logger, burst);
}
