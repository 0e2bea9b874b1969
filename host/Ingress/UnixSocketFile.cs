using System.Globalization;
using System.Net.Sockets;

namespace SsePluginHost.Ingress;

/// <summary>
/// The Unix socket's file: a stale one left by a crash is replaced, a live one or a file that is
/// not a socket is an error; once bound it gets its configured mode, and it is removed on a clean
/// shutdown.
/// </summary>
internal static class UnixSocketFile
{
    /// <summary>Parses an octal mode such as <c>0660</c>.</summary>
    public static bool TryParseMode(string? text, out UnixFileMode mode)
    {
        mode = default;
        if (string.IsNullOrWhiteSpace(text) || text.Length > 4 || text.Any(c => c is < '0' or > '7'))
        {
            return false;
        }

        mode = (UnixFileMode)Convert.ToInt32(text, 8);
        return true;
    }

    /// <summary>Makes the path ready for binding.</summary>
    /// <exception cref="IOException">Another process listens on it, or it is not a socket.</exception>
    public static void PrepareForBind(string path)
    {
        string? folder = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        if (!File.Exists(path))
        {
            if (Directory.Exists(path))
            {
                throw new IOException($"The Unix socket path {path} is a directory.");
            }

            return;
        }

        using (Socket probe = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
                throw new IOException($"Another process is listening on the Unix socket {path}: is the host already running?");
            }
            catch (SocketException)
            {
                // Nobody listens: a stale socket, or not a socket at all.
            }
        }

        if (IsOpenableFile(path))
        {
            throw new IOException($"{path} exists and is not a socket; refusing to replace it. Remove it or choose another SseHost:Publish:UnixSocket:Path.");
        }

        File.Delete(path);
    }

    /// <summary>Gives the bound socket its mode.</summary>
    public static void ApplyMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    /// <summary>Removes the socket file, if it is still there.</summary>
    public static void Remove(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Already gone or not ours to remove: nothing to do at shutdown.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Describes a mode in octal, for the log.</summary>
    public static string Describe(UnixFileMode mode) => "0" + Convert.ToString((int)mode, 8).PadLeft(3, '0').ToString(CultureInfo.InvariantCulture);

    // A socket cannot be opened as a file (ENXIO); a regular file can.
    private static bool IsOpenableFile(string path)
    {
        try
        {
            using FileStream stream = new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
