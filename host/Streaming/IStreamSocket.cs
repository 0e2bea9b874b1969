namespace SsePluginHost.Streaming;

/// <summary>What a <see cref="SocketStreamWriter"/> writes to: a connection's socket, or a test's fake.</summary>
internal interface IStreamSocket
{
    /// <summary>
    /// Sends what the socket takes at once, without waiting: the bytes taken (0 when its buffer
    /// is full), or -1 when the connection is broken.
    /// </summary>
    int TrySend(ReadOnlySpan<byte> bytes);

    /// <summary>Sends all the bytes, waiting for the client to take them.</summary>
    ValueTask SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken);
}
