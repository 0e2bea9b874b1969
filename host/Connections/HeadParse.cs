namespace SsePluginHost.Connections;

/// <summary>What <see cref="RequestHeadParser"/> made of the bytes a connection has sent so far.</summary>
internal enum HeadParse
{
    /// <summary>
    /// The head is not complete yet, and ASP.NET Core too would wait for the rest of it: it may
    /// still be one to serve directly, or it may be one only ASP.NET Core serves once finished.
    /// </summary>
    Incomplete,

    /// <summary>
    /// Not a plain HTTP/1.1 GET this host serves directly, and finished or answered by ASP.NET
    /// Core as it stands (or another method from its first bytes): hand the connection to ASP.NET Core.
    /// </summary>
    NotEligible,

    /// <summary>A complete, plain HTTP/1.1 GET head.</summary>
    Parsed,
}
