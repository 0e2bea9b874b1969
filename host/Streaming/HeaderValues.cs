using System.Buffers;

namespace SsePluginHost.Streaming;

/// <summary>What may go into a response header value on both ways in: what Kestrel lets through.</summary>
internal static class HeaderValues
{
    // Visible ASCII, space and tab.
    private static readonly SearchValues<char> VisibleOrTab = SearchValues.Create(
        "\t !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    /// <summary>Whether a value can be written as it is (no CR, LF, NUL, other control character or non-ASCII).</summary>
    public static bool IsValid(string value) => !value.AsSpan().ContainsAnyExcept(VisibleOrTab);
}
