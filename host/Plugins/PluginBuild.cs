using System.Security.Cryptography;

namespace SsePluginHost.Plugins;

/// <summary>
/// What a plugin DLL holds, by its content: a build copied over the file (in place or by rename)
/// has another hash, and a file only touched has the same one.
/// </summary>
/// <param name="Hash">The SHA-256 of the file's bytes, lower-case hex.</param>
/// <param name="Length">The file's length in bytes.</param>
internal sealed record PluginBuild(string Hash, long Length)
{
    /// <summary>Reads a DLL and hashes it; <see langword="null"/> when there is no file (or it cannot be read now).</summary>
    public static PluginBuild? Read(string path)
    {
        try
        {
            using FileStream file = new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return new PluginBuild(Convert.ToHexStringLower(SHA256.HashData(file)), file.Length);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The first 12 hex digits of the hash, as the console shows it.</summary>
    public string ShortHash => Hash[..12];
}
