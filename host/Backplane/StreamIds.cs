using System.Globalization;

namespace SsePluginHost.Backplane;

/// <summary>Redis Stream ids (<c>milliseconds-sequence</c>), compared as Redis orders them.</summary>
internal static class StreamIds
{
    /// <summary>Negative, zero or positive as <paramref name="left"/> comes before, is, or comes after <paramref name="right"/>; an id that does not parse comes first.</summary>
    public static int Compare(string left, string right)
    {
        (ulong Ms, ulong Seq) a = Parse(left);
        (ulong Ms, ulong Seq) b = Parse(right);
        int ms = a.Ms.CompareTo(b.Ms);
        return ms != 0 ? ms : a.Seq.CompareTo(b.Seq);
    }

    /// <summary>The milliseconds part of an id (when Redis took the entry), or 0 when it does not parse.</summary>
    public static ulong Milliseconds(string id) => Parse(id).Ms;

    private static (ulong Ms, ulong Seq) Parse(string id)
    {
        int dash = id.IndexOf('-', StringComparison.Ordinal);
        ReadOnlySpan<char> ms = dash < 0 ? id : id.AsSpan(0, dash);
        ReadOnlySpan<char> seq = dash < 0 ? "0" : id.AsSpan(dash + 1);
        return ulong.TryParse(ms, NumberStyles.None, CultureInfo.InvariantCulture, out ulong m) && ulong.TryParse(seq, NumberStyles.None, CultureInfo.InvariantCulture, out ulong s)
            ? (m, s)
            : (0, 0);
    }
}
