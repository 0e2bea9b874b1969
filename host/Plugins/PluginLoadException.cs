namespace SsePluginHost.Plugins;

/// <summary>A plugin could not be loaded; the message names the cause in one line.</summary>
public sealed class PluginLoadException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PluginLoadException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The cause, in one line.</param>
    public PluginLoadException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception behind it.</summary>
    /// <param name="message">The cause, in one line.</param>
    /// <param name="innerException">The exception behind it.</param>
    public PluginLoadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
