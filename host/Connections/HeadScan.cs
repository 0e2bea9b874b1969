namespace SsePluginHost.Connections;

/// <summary>
/// How far <see cref="RequestHeadParser"/> has checked the lines of an unfinished head, kept by
/// the caller from one read of the connection to the next so that each read checks only the
/// lines that are new (a head trickled in costs its length, not its length squared).
/// </summary>
internal struct HeadScan
{
    /// <summary>Where the first line not yet checked starts.</summary>
    public long LineStart;

    /// <summary>Where the header fields start, after the request line; 0 while the request line is not yet ended.</summary>
    public long FieldsStart;

    /// <summary>The header field lines checked so far.</summary>
    public int Fields;
}
