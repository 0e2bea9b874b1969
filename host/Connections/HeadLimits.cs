namespace SsePluginHost.Connections;

/// <summary>The sizes up to which <see cref="RequestHeadParser"/> reads a head; a larger one goes to ASP.NET Core and its own limits.</summary>
/// <param name="MaxRequestLine">The longest request line, in bytes.</param>
/// <param name="MaxHead">The longest head, in bytes, up to and including the blank line.</param>
/// <param name="MaxHeaders">The most header fields.</param>
/// <param name="KestrelRequestLine">Kestrel's limit on the request line (414 past it), for an unfinished head.</param>
/// <param name="KestrelFieldBytes">Kestrel's limit on the header fields' bytes (431 past it), for an unfinished head.</param>
/// <param name="KestrelFields">Kestrel's limit on the number of header fields (431 past it), for an unfinished head.</param>
internal readonly record struct HeadLimits(int MaxRequestLine, int MaxHead, int MaxHeaders, int KestrelRequestLine, int KestrelFieldBytes, int KestrelFields)
{
    /// <summary>Kestrel's defaults for the request line and the header count, and 16 KiB for the head; Kestrel's own defaults.</summary>
    public static HeadLimits Default { get; } = new(8 * 1024, 16 * 1024, 64, 8 * 1024, 32 * 1024, 100);

    /// <summary>The defaults, lowered to Kestrel's limits where those are lower, and Kestrel's limits.</summary>
    public static HeadLimits Within(Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerLimits kestrel)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        return new HeadLimits(
            Math.Min(Default.MaxRequestLine, kestrel.MaxRequestLineSize),
            Math.Min(Default.MaxHead, kestrel.MaxRequestHeadersTotalSize),
            Math.Min(Default.MaxHeaders, kestrel.MaxRequestHeaderCount),
            kestrel.MaxRequestLineSize,
            kestrel.MaxRequestHeadersTotalSize,
            kestrel.MaxRequestHeaderCount);
    }
}
