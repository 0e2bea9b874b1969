namespace SsePluginHost.Channels;

/// <summary>A channel could not take an event: its backplane is away and its buffer for that time is full, or it was disposed.</summary>
internal sealed class ChannelUnavailableException : Exception
{
    public ChannelUnavailableException()
    {
    }

    public ChannelUnavailableException(string message)
        : base(message)
    {
    }

    public ChannelUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
