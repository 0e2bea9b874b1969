using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using SsePluginHost.Configuration;
using SsePluginHost.Mounts;

namespace SsePluginHost.Plugins;

/// <summary>
/// Watches the plugin DLL of every mount: when a file changed (a new build copied over it, in
/// place or by rename; a missing file appeared) and then stayed as it is for one more look, so
/// that a copy still being written is not loaded, the mounts are reloaded. A look compares each
/// file's length and last write time, not its content; the reload compares the builds by content,
/// so a file only touched changes nothing.
/// </summary>
/// <remarks>
/// <para>
/// By default the looks follow the file system's change notifications: a notification in the
/// plugins folder (or its subfolders; or the folder of a mount's file elsewhere) starts looks, one
/// every <c>SseHost:Plugins:WatchIntervalSeconds</c>, until what changed has settled; a host
/// whose plugin files do not change looks at them only every 30 s. The plugins folder takes one watcher
/// (on Linux one inotify instance, of a limited number per user), whatever the number of plugins;
/// a plugin folder that is a symbolic link gets one of its own, since the plugins folder's does
/// not follow it. A folder that does not exist (yet), or that cannot be watched, is looked at
/// every interval instead, as are all of them with <c>SseHost:Plugins:PollFiles</c> (for file
/// systems that send no notifications, such as some network file systems).
/// </para>
/// <para>
/// Every look also sets the watched folders to those of the mounts then, and a change of the
/// mounts takes a look at once. Between notifications a look every 30 s (or every interval, if
/// longer) catches what no notification reports: a folder replaced by a rename, a link pointed
/// elsewhere.
/// </para>
/// </remarks>
internal sealed partial class PluginFileWatcher : IDisposable
{
    /// <summary>How long apart the looks are while no notification starts them.</summary>
    internal static readonly TimeSpan Backstop = TimeSpan.FromSeconds(30);

    private readonly MountTable _table;
    private readonly PluginFactory _factory;
    private readonly Action _reload;
    private readonly TimeSpan _interval;
    private readonly TimeSpan _backstop;
    private readonly bool _pollAlways;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, FileStamp> _seen = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FolderWatch> _folders = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unwatchable = new(StringComparer.Ordinal);
    private IDisposable? _mountChanges;
    private bool _changed;
    private volatile bool _looking;
    private bool _started;
    private bool _disposed;
    private int _looks;

    public PluginFileWatcher(MountTable table, PluginFactory factory, MountLoader loader, IOptions<SseHostOptions> options, TimeProvider time, ILogger<PluginFileWatcher> logger)
        : this(table, factory, loader.OnPluginFilesChanged, TimeSpan.FromSeconds(options.Value.Plugins.WatchIntervalSeconds), time, options.Value.Plugins.PollFiles, logger)
    {
    }

    /// <param name="table">The mounts whose files are watched.</param>
    /// <param name="factory">Where each mount's file is.</param>
    /// <param name="reload">What to do once changed files have settled.</param>
    /// <param name="interval">How long apart the looks are.</param>
    /// <param name="time">The clock of the looks.</param>
    /// <param name="pollAlways">Whether to look every interval instead of after notifications.</param>
    /// <param name="logger">Where a folder that cannot be watched is reported.</param>
    public PluginFileWatcher(MountTable table, PluginFactory factory, Action reload, TimeSpan interval, TimeProvider time, bool pollAlways, ILogger logger)
    {
        _table = table;
        _factory = factory;
        _reload = reload;
        _interval = interval;
        _backstop = interval > Backstop ? interval : Backstop;
        _pollAlways = pollAlways;
        _logger = logger;
        _timer = time.CreateTimer(static state => ((PluginFileWatcher)state!).LookOnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>How many looks have been taken (for tests).</summary>
    internal int Looks => Volatile.Read(ref _looks);

    /// <summary>Whether looks are being taken every interval now (for tests).</summary>
    internal bool IsLooking => _looking;

    /// <summary>
    /// Takes the first look now (what the files are as the mounts were loaded, and the folders to
    /// watch); then one whenever the mounts change, every interval while that is needed, and a
    /// backstop look now and then.
    /// </summary>
    public void Start()
    {
        // Mount changes first: one made while the first look runs is looked at too.
        _mountChanges = ChangeToken.OnChange(_table.GetChangeToken, OnMountsChanged);
        Look();
    }

    public void Dispose()
    {
        List<FolderWatch> folders;
        lock (_lock)
        {
            _disposed = true;
            folders = [.. _folders.Values];
            _folders.Clear();
        }

        foreach (FolderWatch folder in folders)
        {
            folder.Watcher?.Dispose();
        }

        _mountChanges?.Dispose();
        _timer.Dispose();
    }

    /// <summary>A look on the timer's thread, where an exception would end the process.</summary>
    private void LookOnTimer() => LookSafely(settle: true);

    /// <summary>
    /// The mounts changed (on the thread that changed them): their files and folders are looked
    /// at again, without settling a change under way, so that this look does not count as the
    /// quiet one after a file that is still being written.
    /// </summary>
    private void OnMountsChanged()
    {
        if (!_table.IsShuttingDown)
        {
            LookSafely(settle: false);
        }
    }

    /// <summary>A look whose failure is logged, never thrown (at the timer, or at the code that changed the mounts).</summary>
    private void LookSafely(bool settle)
    {
        try
        {
            Look(settle);
        }
#pragma warning disable CA1031 // A failed look must end neither the process nor a reload; the next one tries again.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            if (!_table.IsShuttingDown)
            {
                LogLookFailed(_logger, ex);
            }
        }
    }

    /// <summary>One look at every mount's file.</summary>
    public void Look() => Look(settle: true);

    /// <summary>
    /// One look at every mount's file. With <paramref name="settle"/>, a file is compared with the
    /// last look; without, only files not seen before are noted (what a change of the mounts needs).
    /// </summary>
    private void Look(bool settle)
    {
        bool reload = false;
        List<FileSystemWatcher> retired = [];
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _looks++;
            HashSet<string> watched = new(StringComparer.Ordinal);
            foreach (Mount mount in _table.Mounts)
            {
                watched.Add(_factory.ResolvePath(mount.Definition));
            }

            // The folders are watched before the files are looked at: a change after this look
            // is notified.
            bool unwatched = !_pollAlways && !WatchFolders(watched, retired);

            bool changed = false;
            foreach (string path in watched)
            {
                if (!settle && _seen.ContainsKey(path))
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
            else if (_changed && settle)
            {
                // Changed, and quiet since the last look.
                _changed = false;
                reload = true;
            }

            SetLooking(_pollAlways || unwatched || _changed);
        }

        foreach (FileSystemWatcher watcher in retired)
        {
            watcher.Dispose();
        }

        if (reload && !_table.IsShuttingDown)
        {
            _reload();
        }
    }

    /// <summary>
    /// Sets the folders watched to those of <paramref name="files"/>: the plugins folder with its
    /// subfolders for the files in it (one watcher, whatever the number of plugins), the folder
    /// of each file elsewhere. A new folder gets a watcher; a folder no longer needed, gone, or
    /// made anew loses its watcher (into <paramref name="retired"/>, disposed outside the lock),
    /// the last getting a new one. Returns whether every folder is watched (false: some must be
    /// looked at every interval). Under the lock.
    /// </summary>
    private bool WatchFolders(HashSet<string> files, List<FileSystemWatcher> retired)
    {
        string root = Path.TrimEndingDirectorySeparator(_factory.PluginsRoot);
        HashSet<string> wanted = new(StringComparer.Ordinal);
        foreach (string file in files)
        {
            string folder = Path.GetDirectoryName(file)!;
            wanted.Add(IsUnder(folder, root) && !IsLinkedBelow(folder, root) ? root : folder);
        }

        foreach ((string folder, FolderWatch watch) in _folders.ToList())
        {
            if (!wanted.Contains(folder) || watch.Broken || !Directory.Exists(folder) || Directory.GetCreationTimeUtc(folder) != watch.Created)
            {
                retired.Add(watch.Watcher!);
                _folders.Remove(folder);
            }
        }

        bool all = true;
        foreach (string folder in wanted)
        {
            if (_folders.ContainsKey(folder))
            {
                continue;
            }

            if (!Directory.Exists(folder))
            {
                all = false;
                continue;
            }

            FolderWatch watch = new(folder, Directory.GetCreationTimeUtc(folder));
            string? failure;
            try
            {
                // A watcher that cannot watch (say, fs.inotify.max_user_watches reached) does not
                // throw on Linux: it reports an error at once, which marks it broken.
                watch.Watcher = NewWatcher(folder, withSubfolders: folder == root, watch);
                failure = watch.Broken ? watch.Failure ?? "the watcher reported an error" : null;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or PlatformNotSupportedException)
            {
                // Say, the limit of inotify instances (fs.inotify.max_user_instances) was reached.
                failure = ex.Message;
            }

            if (failure is null)
            {
                _folders[folder] = watch;
                continue;
            }

            if (watch.Watcher is { } broken)
            {
                retired.Add(broken);
            }

            all = false;
            if (_unwatchable.Add(folder))
            {
                LogUnwatchable(_logger, folder, _interval.TotalSeconds, failure);
            }
        }

        return all;
    }

    /// <summary>Whether <paramref name="folder"/> is <paramref name="root"/> or inside it.</summary>
    private static bool IsUnder(string folder, string root) =>
        folder == root || folder.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>Whether <paramref name="folder"/>, or a folder between it and <paramref name="root"/>, is a symbolic link.</summary>
    private static bool IsLinkedBelow(string folder, string root)
    {
        for (DirectoryInfo? at = new(folder); at is not null && at.FullName.Length > root.Length; at = at.Parent)
        {
            if (at.LinkTarget is not null)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A watcher of one folder (and its subfolders, if so) whose every notification starts looks.</summary>
    private FileSystemWatcher NewWatcher(string folder, bool withSubfolders, FolderWatch watch)
    {
        FileSystemWatcher watcher = new(folder)
        {
            IncludeSubdirectories = withSubfolders,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime | NotifyFilters.DirectoryName,
        };
        watcher.Changed += (_, _) => OnNotified();
        watcher.Created += (_, _) => OnNotified();
        watcher.Deleted += (_, _) => OnNotified();
        watcher.Renamed += (_, _) => OnNotified();
        watcher.Error += (_, e) => OnNotified(watch, e.GetException()?.Message);
        try
        {
            watcher.EnableRaisingEvents = true;
        }
        catch
        {
            watcher.Dispose();
            throw;
        }

        return watcher;
    }

    /// <summary>
    /// Something changed in a watched folder: looks start, unless they run already. A watcher
    /// that reported an error (notifications lost, or it could not watch) is marked broken, and
    /// replaced at the next look.
    /// </summary>
    private void OnNotified(FolderWatch? broken = null, string? failure = null)
    {
        if (broken is null && _looking)
        {
            return;
        }

        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            if (broken is not null)
            {
                broken.Broken = true;
                broken.Failure ??= failure;
                if (_folders.TryGetValue(broken.Folder, out FolderWatch? current) && current == broken && _unwatchable.Add(broken.Folder))
                {
                    // An error after the watcher started (at its start, the look reports it).
                    LogUnwatchable(_logger, broken.Folder, _interval.TotalSeconds, failure ?? "the watcher reported an error");
                }
            }

            SetLooking(true);
        }
    }

    /// <summary>Starts or stops the looks every interval. Under the lock.</summary>
    private void SetLooking(bool looking)
    {
        if ((looking == _looking && _started) || _disposed)
        {
            return;
        }

        _started = true;
        _looking = looking;
        TimeSpan every = looking ? _interval : _backstop;
        try
        {
            _timer.Change(every, every);
        }
        catch (ObjectDisposedException)
        {
            // Stopping.
        }
    }

    [LoggerMessage(EventId = 44, Level = LogLevel.Warning, Message = "Plugin folder {Folder} cannot be watched for changes; its plugin files are looked at every {Seconds} s instead: {Reason}")]
    private static partial void LogUnwatchable(ILogger logger, string folder, double seconds, string reason);

    [LoggerMessage(EventId = 45, Level = LogLevel.Warning, Message = "A look at the plugin files failed; the next one tries again")]
    private static partial void LogLookFailed(ILogger logger, Exception exception);

    /// <summary>The watcher of one folder, when the folder was made, and whether the watcher reported an error.</summary>
    private sealed class FolderWatch(string folder, DateTime created)
    {
        public string Folder { get; } = folder;

        public DateTime Created { get; } = created;

        public FileSystemWatcher? Watcher { get; set; }

        public bool Broken { get; set; }

        public string? Failure { get; set; }
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
