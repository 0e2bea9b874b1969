using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SsePluginHost.Backplane;
using SsePluginHost.Channels;
using SsePluginHost.Configuration;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Unit;

/// <summary>
/// The Redis channel keeps the contract every channel keeps, against a real <c>redis-server</c>:
/// each test has its own key prefix, so its channels share nothing with another test's.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisMountChannelTests(RedisFixture redis) : MountChannelContract
{
    private readonly RedisBackplane _backplane = new(
        Options.Create(new SseHostOptions { Backplane = { Redis = redis.Server.Configuration, KeyPrefix = "contract-" + Guid.NewGuid().ToString("N") } }),
        NullLogger<RedisBackplane>.Instance,
        TimeProvider.System);

    private int _mounts;

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _backplane.Dispose();
        }
    }

    private protected override IMountChannel CreateChannel(HistorySettings history, IDirectRecipients recipients, FakeTimeProvider time) =>
        new RedisMountChannel("/contract" + Interlocked.Increment(ref _mounts), history, recipients, _backplane, time, NullLogger.Instance);
}
