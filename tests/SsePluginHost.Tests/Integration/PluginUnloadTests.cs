using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using SsePluginHost.Mounts;
using SsePluginHost.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// A plugin reloaded twenty times, alternating two builds, each serving a stream before the
/// next: every old load context is collected (proved with a <see cref="WeakReference"/> to each),
/// and the managed memory of this process (where the host runs) does not grow with the reloads.
/// </summary>
[Collection(MemoryMeasuringCollection.Name)]
public sealed class PluginUnloadTests(ITestOutputHelper output)
{
    private const int Reloads = 20;
    private const long MiB = 1024 * 1024;

    /// <summary>Generous: twenty contexts kept would be far more (each holds its assemblies, types and the host's mount around it).</summary>
    private const long MaxGrowth = 4 * MiB;

    [Fact]
    public async Task Reloading_a_plugin_twenty_times_unloads_every_old_load_context_and_memory_does_not_grow()
    {
        string plugins = TestPaths.NewTempDirectory();
        PluginBuilds.Copy(1, plugins);
        await using TestHost host = await TestHost.StartAsync(
            """{ "/r": { "Plugin": "Reloadable" } }""",
            $$"""{ "PluginsPath": {{System.Text.Json.JsonSerializer.Serialize(plugins)}}, "Plugins": { "WatchFiles": false }, "ReloadOnChange": false }""",
            """{ "Logging": { "LogLevel": { "Default": "Warning" } } }""");
        MountLoader loader = host.Services.GetRequiredService<MountLoader>();
        MountTable table = host.Services.GetRequiredService<MountTable>();
        List<WeakReference> contexts = [];
        long before = 0;

        for (int reload = 1; reload <= Reloads; reload++)
        {
            int build = reload % 2 == 1 ? 2 : 1;
            contexts.Add(ContextOf(table));
            PluginBuilds.Copy(build, plugins);
            Assert.StartsWith("replaced /r (new build ", loader.Reload(), StringComparison.Ordinal);
            await using (SseStream client = await host.OpenStreamAsync("/r"))
            {
                Assert.StartsWith($"build {build} ", (await client.NextAsync("build")).Data, StringComparison.Ordinal);
            }

            if (reload == 2)
            {
                // After two reloads, what is made once (code, caches, pools) is there.
                await AllCollectedAsync(contexts);
                before = GC.GetTotalMemory(forceFullCollection: true);
            }
        }

        await AllCollectedAsync(contexts);
        long after = GC.GetTotalMemory(forceFullCollection: true);
        long growth = after - before;
        output.WriteLine(
            $"{Reloads} reloads, {contexts.Count} old load contexts all collected; managed memory {before / (double)MiB:F1} MiB after two reloads, " +
            $"{after / (double)MiB:F1} MiB after {Reloads}, a change of {growth / (double)MiB:F2} MiB.");
        Assert.True(growth < MaxGrowth, $"Managed memory grew by {growth / (double)MiB:F2} MiB over {Reloads - 2} reloads.");
    }

    /// <summary>A weak reference to the load context of the plugin serving /r now (no strong one is left on this frame).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference ContextOf(MountTable table) => new(table.Find("/r")!.Plugin!.Loader.LoadContext);

    /// <summary>Collects until every context but the serving one's (the last) is gone; the old mounts are retired in the background.</summary>
    private static async Task AllCollectedAsync(List<WeakReference> contexts)
    {
        await Eventually.TrueAsync(
            () =>
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                return contexts.All(context => !context.IsAlive);
            },
            TimeSpan.FromSeconds(30));
    }
}
