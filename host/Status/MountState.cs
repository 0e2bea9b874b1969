namespace SsePluginHost.Status;

/// <summary>Whether a mount serves.</summary>
internal enum MountState
{
    /// <summary>Its plugin is loaded and serving.</summary>
    Serving,

    /// <summary>Its plugin's constructor is still running: it answers 503 until it returns.</summary>
    Starting,

    /// <summary>Its plugin could not be loaded: it answers 503 with the cause.</summary>
    Failed,
}
