using Microsoft.Extensions.Options;
using SsePluginHost.Configuration;
using SsePluginHost.Mounts;

namespace SsePluginHost.Plugins;

/// <summary>
/// Looks at the plugin DLL of every mount once a <c>SseHost:Plugins:WatchIntervalSeconds</c>
/// (its length and last write time, not its content): when a file changed (a new build copied
/// over it, in place or by rename; a missing file appeared) and then stayed as it is for one more
/// look, so that a copy still being written is not loaded, the mounts are reloaded. The reload
/// compares the builds by content, so a file only touched changes nothing.
/// </summary>
/// <remarks>
/// Polling rather than file-system notifications: it sees a file whose folder did not exist when
/// the host started, works the same on every file system, and costs a few <c>stat</c> calls a second.
/// </remarks>
internal sealed class PluginFileWatcher : IDisposable
{
    private readonly MountTable _table;
    private readonly PluginFactory _factory;
    private readonly Action _reload;
    private readonly TimeSpan _interval;
    private readonly ITimer _timer;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, FileStamp> _seen = new(StringComparer.Ordinal);
    private bool _changed;

    public PluginFileWatcher(MountTable table, PluginFactory factory, MountLoader loader, IOptions<SseHostOptions> options, TimeProvider time)
        : this(table, factory, loader.OnPluginFilesChanged, TimeSpan.FromSeconds(options.Value.Plugins.WatchIntervalSeconds), time)
    {
    }

    /// <param name="table">The mounts whose files are watched.</param>
    /// <param name="factory">Where each mount's file is.</param>
    /// <param name="reload">What to do once changed files have settled.</param>
    /// <param name="interval">How often to look.</param>
    /// <param name="time">The clock of the looks.</param>
    public PluginFileWatcher(MountTable table, PluginFactory factory, Action reload, TimeSpan interval, TimeProvider time)
    {
        _table = table;
        _factory = factory;
        _reload = reload;
        _interval = interval;
        _timer = time.CreateTimer(static state => ((PluginFileWatcher)state!).LookOnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Takes the first look now (what the files are as the mounts were loaded) and then one every interval.</summary>
    public void Start()
    {
        Look();
        _timer.Change(_interval, _interval);
    }

    public void Dispose() => _timer.Dispose();

    /// <summary>A look on the timer's thread, where an exception would end the process: one the host makes while it stops is let go.</summary>
    private void LookOnTimer()
    {
        try
        {
            Look();
        }
        catch (Exception ex) when (ex is ObjectDisposedException && _table.IsShuttingDown)
        {
            // Stopping.
        }
    }

    /// <summary>One look at every mount's file.</summary>
    public void Look()
    {
        bool reload = false;
        lock (_lock)
        {
            bool changed = false;
            HashSet<string> watched = new(StringComparer.Ordinal);
            foreach (Mount mount in _table.Mounts)
            {
                string path = _factory.ResolvePath(mount.Definition);
                if (!watched.Add(path))
                {
                    continue;
                }

                FileStamp stamp = FileStamp.Of(path);
                if (_seen.TryGetValue(path, out FileStamp seen) && seen != stamp)
                {
                    changed = true;
                }

                _seen[path] = stamp;
            }

            // Files of mounts no longer there are forgotten.
            foreach (string gone in _seen.Keys.Where(path => !watched.Contains(path)).ToList())
            {
                _seen.Remove(gone);
            }

            if (changed)
            {
                _changed = true;
            }
            else if (_changed)
            {
                // Changed, and quiet since the last look.
                _changed = false;
                reload = true;
            }
        }

        if (reload && !_table.IsShuttingDown)
        {
            _reload();
        }
    }

    /// <summary>What a look sees of a file: whether it is there, its length, when it was last written.</summary>
    private readonly record struct FileStamp(bool Exists, long Length, DateTime WrittenUtc)
    {
        public static FileStamp Of(string path)
        {
            FileInfo file = new(path);
            return file.Exists ? new FileStamp(true, file.Length, file.LastWriteTimeUtc) : default;
        }
    }
}
