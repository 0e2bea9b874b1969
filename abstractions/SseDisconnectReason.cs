namespace SsePluginHost.Abstractions;

/// <summary>Why a client left.</summary>
public enum SseDisconnectReason
{
    /// <summary>The client closed the connection.</summary>
    ClosedByClient = 0,

    /// <summary>The service, an operator or the publish API dropped the client.</summary>
    Dropped = 1,

    /// <summary>The host is shutting down.</summary>
    Shutdown = 2,

    /// <summary>The client did not read fast enough and its queue filled up.</summary>
    SlowConsumer = 3,

    /// <summary>The stream failed, for example because the service threw while the client connected.</summary>
    Error = 4,

    /// <summary>
    /// The credentials the stream was opened with expired (the token's <c>exp</c>): the client was
    /// sent an <c>auth-expired</c> event first, so that the page can get a fresh token.
    /// </summary>
    CredentialsExpired = 5,
}
