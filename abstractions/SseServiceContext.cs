using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace SsePluginHost.Abstractions;

/// <summary>
/// What the host hands a service when it creates it: its mount, its settings, a logger, the
/// host's clock, and a token for the instance's life. A public constructor that takes this one
/// parameter is all a service needs; later versions of the contract add properties here rather
/// than new constructor conventions.
/// </summary>
/// <remarks>
/// A plugin's tests can make one (with a fake mount, in-memory settings, a fake clock) and pass
/// it to the service's constructor as the host would.
/// </remarks>
public sealed class SseServiceContext
{
    /// <summary>Creates a context.</summary>
    /// <param name="mount">The mount the service is hosted at.</param>
    /// <param name="settings">The mount's <c>Settings</c> section.</param>
    /// <param name="logger">A logger named after the service's type.</param>
    /// <param name="time">The host's clock.</param>
    /// <param name="stopping">Signalled when this instance is being stopped.</param>
    /// <exception cref="ArgumentNullException">A reference argument is <see langword="null"/>.</exception>
    public SseServiceContext(ISseMount mount, IConfiguration settings, ILogger logger, TimeProvider time, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(mount);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(time);
        Mount = mount;
        Settings = settings;
        Logger = logger;
        Time = time;
        Stopping = stopping;
    }

    /// <summary>The mount the service is hosted at: to find, send to, broadcast to and drop clients.</summary>
    public ISseMount Mount { get; }

    /// <summary>The mount's <c>Settings</c> section of <c>appsettings.json</c>.</summary>
    public IConfiguration Settings { get; }

    /// <summary>A logger whose category is the service's type.</summary>
    public ILogger Logger { get; }

    /// <summary>
    /// The host's clock: timers and timestamps through it follow the host's, and tests of the
    /// plugin can drive it (<c>FakeTimeProvider</c>).
    /// </summary>
    public TimeProvider Time { get; }

    /// <summary>
    /// Signalled when this instance is being stopped: the host stops, or the mount is removed or
    /// replaced (new settings, a new build of the plugin). Work the service started on its own
    /// (a timer, a loop, a connection) ends with it; <see cref="ISseService.StopAsync"/> follows.
    /// </summary>
    public CancellationToken Stopping { get; }
}
