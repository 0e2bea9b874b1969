namespace SsePluginHost.Tests.Infrastructure;

/// <summary>
/// Tests that measure the managed memory of the test process (where the host runs) run on their
/// own, after the others: another test's allocations would be counted as theirs.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasuringCollection
{
    public const string Name = "Memory measuring";
}
