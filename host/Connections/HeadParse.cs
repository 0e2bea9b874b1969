namespace SsePluginHost.Connections;

/// <summary>What <see cref="RequestHeadParser"/> made of the bytes a connection has sent so far.</summary>
internal enum HeadParse
{
    /// <summary>The head is not complete yet, and so far it could be one to serve directly.</summary>
    Incomplete,

    /// <summary>Not a plain HTTP/1.1 GET this host serves directly: hand the connection to ASP.NET Core.</summary>
    NotEligible,

    /// <summary>A complete, plain HTTP/1.1 GET head.</summary>
    Parsed,
}
