namespace SsePluginHost.Connections;

/// <summary>The sizes up to which <see cref="RequestHeadParser"/> reads a head; a larger one goes to ASP.NET Core and its own limits.</summary>
/// <param name="MaxRequestLine">The longest request line, in bytes.</param>
/// <param name="MaxHead">The longest head, in bytes, up to and including the blank line.</param>
/// <param name="MaxHeaders">The most header fields.</param>
internal readonly record struct HeadLimits(int MaxRequestLine, int MaxHead, int MaxHeaders)
{
    /// <summary>Kestrel's defaults for the request line and the header count, and 16 KiB for the head.</summary>
    public static HeadLimits Default { get; } = new(8 * 1024, 16 * 1024, 64);

    /// <summary>The defaults, lowered to Kestrel's limits where those are lower.</summary>
    public static HeadLimits Within(Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerLimits kestrel)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        return new HeadLimits(
            Math.Min(Default.MaxRequestLine, kestrel.MaxRequestLineSize),
            Math.Min(Default.MaxHead, kestrel.MaxRequestHeadersTotalSize),
            Math.Min(Default.MaxHeaders, kestrel.MaxRequestHeaderCount));
    }
}
