namespace SsePluginHost.Tests.Infrastructure;

/// <summary>The tests that share one <c>redis-server</c> (each uses its own key prefix).</summary>
[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisFixture>
{
    public const string Name = "redis";
}
