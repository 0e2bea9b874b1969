using SsePluginHost.Channels;
using SsePluginHost.Configuration;

namespace SsePluginHost.Backplane;

/// <summary>Makes <see cref="RedisMountChannel"/>s: every host that shares the Redis serves the same events of a mount.</summary>
internal sealed class RedisMountChannelFactory(RedisBackplane backplane, TimeProvider time, ILoggerFactory loggers) : IMountChannelFactory
{
    private readonly ILogger _logger = loggers.CreateLogger<RedisMountChannel>();

    /// <remarks>The history is in Redis, by mount path: a channel replacing another at the same path has it already.</remarks>
    public IMountChannel Create(string mountPath, HistorySettings history, IDirectRecipients recipients, IMountChannel? predecessor = null) =>
        new RedisMountChannel(mountPath, history, recipients, backplane, time, _logger);
}
