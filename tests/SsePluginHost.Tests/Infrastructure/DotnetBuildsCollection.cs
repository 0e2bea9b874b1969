namespace SsePluginHost.Tests.Infrastructure;

/// <summary>
/// The tests that run <c>dotnet pack</c> or <c>dotnet build</c> run on their own, after the
/// others: a build takes the machine's cores for several seconds, and the timing of the other
/// tests should not compete with it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DotnetBuildsCollection
{
    public const string Name = "dotnet builds";
}
