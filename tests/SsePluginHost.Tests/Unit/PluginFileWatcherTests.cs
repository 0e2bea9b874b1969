using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SsePluginHost.Configuration;
using SsePluginHost.Diagnostics;
using SsePluginHost.Mounts;
using SsePluginHost.Plugins;
using SsePluginHost.Streaming;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Unit;

/// <summary>
/// The watcher of the plugin files on a <see cref="FakeTimeProvider"/>, with a real file in a temp
/// plugins folder: a new build (over the file, by rename, or a file that appears) is reloaded at
/// the second look after it, two intervals (2 s with the default interval), once its file has
/// been quiet for one look; a file that keeps changing is not reloaded until it settles. Looks
/// every interval (<c>PollFiles</c>) and looks after the file system's notifications (the
/// default) both; with notifications, a host whose files do not change does not look at them.
/// </summary>
public sealed class PluginFileWatcherTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new();
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly string _plugins = TestPaths.NewTempDirectory();
    private readonly MountTable _table = new();
    private readonly TimeSpan _interval = TimeSpan.FromSeconds(new PluginOptions().WatchIntervalSeconds);
    private readonly PluginFactory _factory;
    private PluginFileWatcher _watcher;
    private int _reloads;

    public PluginFileWatcherTests()
    {
        _table.Set([NewMount(new Dictionary<string, string?> { ["SseHost:Services:/w:Plugin"] = "Watched" })]);
        _factory = new(
            NullLoggerFactory.Instance,
            Options.Create(new SseHostOptions { PluginsPath = _plugins }),
            new HostingEnvironment { ContentRootPath = _plugins },
            _time);
        Assert.Equal(PluginFile, _factory.ResolvePath(_table.Mounts.Single().Definition));
        _watcher = Watcher(pollAlways: true);
    }

    /// <summary>The one mount the settings define.</summary>
    private Mount NewMount(Dictionary<string, string?> settings)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        (IReadOnlyList<MountDefinition> mounts, IReadOnlyList<MountDefinitionError> errors) = MountDefinitionReader.Read(configuration);
        Assert.Empty(errors);
        HostMetrics metrics = new(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        return new Mount(Assert.Single(mounts), new FakeMountChannelFactory(), new StreamCounter(), metrics, NullLogger.Instance, _time);
    }

    private PluginFileWatcher Watcher(bool pollAlways) =>
        new(_table, _factory, () => Interlocked.Increment(ref _reloads), _interval, _time, pollAlways, NullLogger.Instance);

    /// <summary>Replaces the watcher (polling) with one that follows notifications.</summary>
    private void FollowNotifications()
    {
        _watcher.Dispose();
        _watcher = Watcher(pollAlways: false);
    }

    private int Reloads => Volatile.Read(ref _reloads);

    private string PluginFile => Path.Combine(_plugins, "Watched", "Watched.dll");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _watcher.Dispose();
        await _table.DisposeAsync();
        await _services.DisposeAsync();
        Directory.Delete(_plugins, recursive: true);
    }

    [Fact]
    public void The_default_interval_is_one_second()
    {
        Assert.Equal(TimeSpan.FromSeconds(1), _interval);
    }

    [Theory]
    [InlineData("over the file")]
    [InlineData("by rename")]
    [InlineData("a file that appears")]
    public void A_new_build_is_reloaded_two_intervals_after_it_once_its_file_was_quiet_for_one_look_and_only_once(string how)
    {
        if (how != "a file that appears")
        {
            Write("build 1");
        }

        _watcher.Start();
        Write("build 22", byRename: how == "by rename");

        // The first look after it sees the change; the reload waits for one more, quiet, look.
        _time.Advance(_interval - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, Reloads);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, Reloads);
        _time.Advance(_interval - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, Reloads);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, Reloads);

        // Nothing more while the file stays as it is.
        _time.Advance(_interval * 5);
        Assert.Equal(1, Reloads);
    }

    [Fact]
    public void A_file_that_keeps_changing_is_not_reloaded_until_it_was_quiet_for_one_look()
    {
        Write("build 1");
        _watcher.Start();

        // A copy still being written: longer at every look.
        string content = "build 1";
        for (int look = 0; look < 5; look++)
        {
            content += "+";
            Write(content);
            _time.Advance(_interval);
            Assert.Equal(0, Reloads);
        }

        _time.Advance(_interval);
        Assert.Equal(1, Reloads);
    }

    [Fact]
    public void A_file_that_does_not_change_is_never_reloaded()
    {
        Write("build 1");
        _watcher.Start();

        _time.Advance(_interval * 10);

        Assert.Equal(0, Reloads);
    }

    [Fact]
    public void Following_notifications_the_watcher_does_not_look_while_nothing_changes()
    {
        Write("build 1");
        FollowNotifications();
        _watcher.Start();
        Assert.Equal(1, _watcher.Looks);
        Assert.False(_watcher.IsLooking);

        _time.Advance(_interval * 10);

        Assert.Equal(1, _watcher.Looks);
        Assert.Equal(0, Reloads);
    }

    [Theory]
    [InlineData("over the file")]
    [InlineData("by rename")]
    [InlineData("a file that appears, in a folder that appears")]
    public async Task Following_notifications_a_new_build_is_reloaded_two_intervals_after_it_is_notified_and_the_looks_stop(string how)
    {
        if (!how.StartsWith("a file that appears", StringComparison.Ordinal))
        {
            Write("build 1");
        }

        FollowNotifications();
        _watcher.Start();

        Write("build 22", byRename: how == "by rename");

        // The notification (on the file system's thread) starts the looks; the first sees the
        // change, the reload waits for one more, quiet, look.
        await Eventually.TrueAsync(() => _watcher.IsLooking);
        _time.Advance(_interval);
        Assert.Equal(0, Reloads);
        _time.Advance(_interval);
        Assert.Equal(1, Reloads);

        // Then the looks stop (a late notification of the same copy makes more, quiet, looks),
        // and the file, as it stays, is not reloaded again.
        await Eventually.TrueAsync(() =>
        {
            _time.Advance(_interval);
            return !_watcher.IsLooking;
        });
        _time.Advance(_interval * 5);
        Assert.Equal(1, Reloads);
    }

    [Fact]
    public void Following_notifications_a_plugins_folder_that_does_not_exist_is_looked_at_every_interval_until_it_does()
    {
        Directory.Delete(_plugins);
        FollowNotifications();
        _watcher.Start();

        // A look every interval while the folder is missing.
        Assert.True(_watcher.IsLooking);
        _time.Advance(_interval * 3);
        Assert.Equal(4, _watcher.Looks);
        Assert.True(_watcher.IsLooking);

        // The folders and the file appear: seen at the next look, reloaded at the one after.
        Write("build 1");
        _time.Advance(_interval);
        Assert.Equal(0, Reloads);
        _time.Advance(_interval);
        Assert.Equal(1, Reloads);

        // The folder is watched now: the looks every interval stop.
        Assert.False(_watcher.IsLooking);
        int looks = _watcher.Looks;
        _time.Advance(_interval * 5);
        Assert.Equal(looks, _watcher.Looks);
    }

    [Fact]
    public void Following_notifications_a_look_is_taken_every_30_s_all_the_same_for_what_no_notification_reports()
    {
        Write("build 1");
        FollowNotifications();
        _watcher.Start();

        _time.Advance(PluginFileWatcher.Backstop - TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, _watcher.Looks);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, _watcher.Looks);
        _time.Advance(PluginFileWatcher.Backstop);
        Assert.Equal(3, _watcher.Looks);
        Assert.False(_watcher.IsLooking);
    }

    [Fact]
    public void A_change_of_the_mounts_while_a_file_is_being_written_does_not_count_as_the_quiet_look()
    {
        Write("build 1");
        _watcher.Start();
        Write("build 22");
        _time.Advance(_interval);

        // Still being written when the mounts change (a console reload, say): that look notes
        // nothing as quiet, so the copy is not loaded half written.
        Write("build 333");
        _table.Set([.. _table.Mounts]);
        Assert.Equal(0, Reloads);
        _time.Advance(_interval);
        Assert.Equal(0, Reloads);
        _time.Advance(_interval);
        Assert.Equal(1, Reloads);
    }

    [Fact]
    public async Task Following_notifications_a_plugin_folder_that_is_a_link_elsewhere_is_watched_where_it_points()
    {
        string target = TestPaths.NewTempDirectory();
        try
        {
            File.WriteAllText(Path.Combine(target, "Watched.dll"), "build 1");
            Directory.CreateSymbolicLink(Path.GetDirectoryName(PluginFile)!, target);
            FollowNotifications();
            _watcher.Start();
            Assert.False(_watcher.IsLooking);

            // A new build where the link points, as a build into a linked bin folder writes it.
            File.WriteAllText(Path.Combine(target, "Watched.dll"), "build 22");

            await Eventually.TrueAsync(() => _watcher.IsLooking);
            _time.Advance(_interval);
            _time.Advance(_interval);
            Assert.Equal(1, Reloads);
        }
        finally
        {
            _watcher.Dispose();
            Directory.Delete(target, recursive: true);
        }
    }

    [Fact]
    public async Task Following_notifications_a_mounts_file_outside_the_plugins_folder_is_watched_in_its_own_folder()
    {
        string elsewhere = TestPaths.NewTempDirectory();
        try
        {
            string file = Path.Combine(elsewhere, "Elsewhere.dll");
            File.WriteAllText(file, "build 1");
            _table.Set([NewMount(new Dictionary<string, string?> { ["SseHost:Services:/e:Plugin"] = "Elsewhere", ["SseHost:Services:/e:Assembly"] = file })]);
            Assert.Equal(file, _factory.ResolvePath(_table.Mounts.Single().Definition));
            FollowNotifications();
            _watcher.Start();
            Assert.False(_watcher.IsLooking);

            File.WriteAllText(file, "build 22");

            await Eventually.TrueAsync(() => _watcher.IsLooking);
            _time.Advance(_interval);
            _time.Advance(_interval);
            Assert.Equal(1, Reloads);
        }
        finally
        {
            _watcher.Dispose();
            Directory.Delete(elsewhere, recursive: true);
        }
    }

    /// <summary>Writes the plugin file with the text (each build a length of its own), in place or as a copy renamed over it.</summary>
    private void Write(string content, bool byRename = false)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(PluginFile)!);
        if (!byRename)
        {
            File.WriteAllText(PluginFile, content);
            return;
        }

        string staged = PluginFile + ".new";
        File.WriteAllText(staged, content);
        File.Move(staged, PluginFile, overwrite: true);
    }
}
