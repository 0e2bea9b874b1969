namespace SsePluginHost.Auth;

/// <summary>Where a request's credentials came from: what of the request the plugin is then not shown.</summary>
internal enum TokenSource
{
    /// <summary>A stream ticket (<c>?ticket=</c>), or not said.</summary>
    Other,

    /// <summary><c>Authorization: Bearer</c>: the header is not passed on to the plugin.</summary>
    Header,

    /// <summary>The mount's cookie.</summary>
    Cookie,

    /// <summary><c>?access_token=</c>: the parameter is not passed on to the plugin.</summary>
    Query,
}
