using System.Globalization;
using SsePluginHost.Abstractions;
using SsePluginHost.Channels;
using SsePluginHost.Mounts;
using SsePluginHost.Status;
using SsePluginHost.Streaming;

namespace SsePluginHost.Operator;

/// <summary>
/// The operator's commands: each line is one command, answered on the given writer.
/// </summary>
internal sealed class ConsoleCommands
{
    public const string Usage =
        "commands: help | list | plugins | clients <path> | broadcast <path> <event> <data> | send <session> <event> <data> | drop <session> | reload | quit";

    private static readonly TimeSpan ConsoleWait = TimeSpan.FromSeconds(2);

    private readonly MountTable _table;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly MountLoader _loader;
    private readonly MountStatusBoard _board;

    public ConsoleCommands(MountTable table, IHostApplicationLifetime lifetime, MountLoader loader, MountStatusBoard board)
    {
        _board = board;
        _table = table;
        _lifetime = lifetime;
        _loader = loader;
    }

    /// <summary>Runs one command line and writes its answer.</summary>
    public void Execute(string line, TextWriter output)
    {
        string[] words = line.Trim().Split(' ', 4, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0)
        {
            return;
        }

        string command = words[0].ToLowerInvariant();
        switch (command)
        {
            case "help" or "?":
                output.WriteLine(Usage);
                break;
            case "list" when words.Length == 1:
                List(output);
                break;
            case "plugins" when words.Length == 1:
                Plugins(output);
                break;
            case "clients" when words.Length == 2:
                Clients(words[1], output);
                break;
            case "broadcast" when words.Length >= 3:
                Broadcast(words[1], words[2], words.Length == 4 ? words[3] : string.Empty, output);
                break;
            case "send" when words.Length >= 3:
                Send(words[1], words[2], words.Length == 4 ? words[3] : string.Empty, output);
                break;
            case "drop" when words.Length == 2:
                Drop(words[1], output);
                break;
            case "reload" when words.Length == 1:
                Reload(output);
                break;
            case "quit" or "exit" when words.Length == 1:
                output.WriteLine("stopping the host");
                _lifetime.StopApplication();
                break;
            default:
                output.WriteLine(UsageOf(command));
                break;
        }
    }

    private static string UsageOf(string command) => command switch
    {
        "list" => "usage: list",
        "plugins" => "usage: plugins",
        "clients" => "usage: clients <path>",
        "broadcast" => "usage: broadcast <path> <event> <data>",
        "send" => "usage: send <session> <event> <data>",
        "drop" => "usage: drop <session>",
        "reload" => "usage: reload",
        "quit" or "exit" => "usage: quit",
        _ => $"unknown command '{command}'; {Usage}",
    };

    /// <summary>
    /// Each plugin build that serves: name, version, file, content hash, load time and its
    /// mounts; then each mount whose plugin is not serving, with why.
    /// </summary>
    private void Plugins(TextWriter output)
    {
        List<Mount> mounts = [.. _table.Mounts];
        List<(Mount Mount, Plugins.LoadedPlugin Plugin)> serving = [];
        foreach (Mount mount in mounts)
        {
            if (mount.Plugin is { } plugin && mount.Service is not null)
            {
                serving.Add((mount, plugin));
            }
        }

        foreach (IGrouping<(string File, string Hash), (Mount Mount, Plugins.LoadedPlugin Plugin)> group in serving
            .GroupBy(pair => (File: pair.Plugin.AssemblyPath, pair.Plugin.Build.Hash))
            .OrderBy(group => group.Key.File, StringComparer.Ordinal))
        {
            Plugins.LoadedPlugin plugin = group.First().Plugin;
            string paths = string.Join(" ", group.Select(pair => pair.Mount.Path).Order(StringComparer.Ordinal));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{plugin.AssemblyName}\t{plugin.Version}\t{plugin.AssemblyPath}\tsha256:{plugin.Build.ShortHash}\tloaded {group.Min(pair => pair.Plugin.LoadedAt):yyyy-MM-dd HH:mm:ss}Z\tmounts {paths}"));
        }

        foreach (Mount mount in mounts.Where(mount => mount.Service is null).OrderBy(mount => mount.Path, StringComparer.Ordinal))
        {
            output.WriteLine($"{mount.Definition.Plugin}	(not serving)	mount {mount.Path}: {mount.UnavailableReason}");
        }

        if (mounts.Count == 0)
        {
            output.WriteLine("no plugins: no services are mounted");
        }
    }

    private void Reload(TextWriter output)
    {
        output.WriteLine("reload: " + _loader.Reload());
    }

    /// <summary>With a backplane: the mount's clients on all hosts, after this host's own.</summary>
    private static string ClusterNote(MountStatus mount) =>
        mount.ClusterClients is { } all ? string.Create(CultureInfo.InvariantCulture, $"\t{all} clients on all hosts") : string.Empty;

    private void List(TextWriter output)
    {
        IReadOnlyList<MountStatus> mounts = _board.Read();
        if (mounts.Count == 0)
        {
            output.WriteLine("no mounts");
            return;
        }

        foreach (MountStatus mount in mounts)
        {
            string line = mount.State switch
            {
                MountState.Serving => string.Create(CultureInfo.InvariantCulture,
                    $"{mount.Path}\t{mount.Plugin}\t{mount.Type} {mount.Version}\t{mount.Clients} clients\t{mount.SlowConsumers} dropped as slow{ClusterNote(mount)}"),
                MountState.Starting => $"{mount.Path}\t{mount.Plugin}\tSTARTING: {mount.Error}",
                _ => $"{mount.Path}\t{mount.Plugin}\tFAILED: {mount.Error}",
            };
            output.WriteLine(line);
        }
    }

    private void Clients(string path, TextWriter output)
    {
        if (FindMount(path, output) is not { } mount)
        {
            return;
        }

        int count = 0;
        foreach (SseSession client in mount.Sessions)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{client.SessionId}\t{client.Request.RemoteAddress}\t{client.ConnectedAt:u}\t{(client.IsAttached ? "connected" : "away")}\t{client.State}"));
            count++;
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{count} clients at {mount.Path}"));
    }

    private void Broadcast(string path, string eventType, string data, TextWriter output)
    {
        if (FindMount(path, output) is not { } mount)
        {
            return;
        }

        if (!SseEvent.IsValidField(eventType))
        {
            output.WriteLine("error: an event type must not contain CR, LF or NUL");
            return;
        }

        // The console is its own thread: it may wait a moment for the round trip through Redis,
        // but not while Redis is away (the event waits for it; the next command need not).
        bool available = mount.Channel.IsAvailable;
        Task<PublishReceipt> publishing = mount.BroadcastAsync(new SseEvent(eventType, data)).AsTask();
        try
        {
            if (publishing.IsCompleted || (available && publishing.Wait(ConsoleWait)))
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sent to {publishing.Result.Delivered} clients at {mount.Path}"));
                return;
            }
        }
        catch (AggregateException ex) when (ex.InnerException is ChannelUnavailableException)
        {
            output.WriteLine($"error: {mount.Path} cannot take events now: its backplane (Redis) is away and its buffer is full");
            return;
        }

        output.WriteLine($"queued at {mount.Path}: its backplane (Redis) is away; it goes out when Redis is back");
    }

    private void Send(string sessionId, string eventType, string data, TextWriter output)
    {
        if (_table.FindSession(sessionId) is not { } client)
        {
            output.WriteLine($"error: no open session '{sessionId}'");
            return;
        }

        if (!SseEvent.IsValidField(eventType))
        {
            output.WriteLine("error: an event type must not contain CR, LF or NUL");
            return;
        }

        output.WriteLine(client.Send(eventType, data) ? $"sent to {sessionId}" : $"error: session '{sessionId}' has left");
    }

    private void Drop(string sessionId, TextWriter output)
    {
        if (_table.FindSession(sessionId) is not { } client)
        {
            output.WriteLine($"error: no open session '{sessionId}'");
            return;
        }

        client.Drop();
        output.WriteLine($"dropped {sessionId} from {client.MountPath}");
    }

    private Mount? FindMount(string path, TextWriter output)
    {
        string? problem = Configuration.MountDefinitionReader.CheckPath(path, out string normalized);
        Mount? mount = problem is null ? _table.Find(normalized) : null;
        if (mount is null)
        {
            output.WriteLine($"error: nothing is mounted at '{path}'; 'list' shows the mounts");
        }

        return mount;
    }
}
