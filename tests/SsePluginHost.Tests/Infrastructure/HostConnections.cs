using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace SsePluginHost.Tests.Infrastructure;

/// <summary>
/// The connections one in-process host holds open now: Kestrel's own <c>kestrel.active_connections</c>
/// and the host's <c>ssehost.fast_lane.connections</c> (those the fast lane holds in front of
/// Kestrel), of that host's meter factory only, so that other hosts in the process do not count.
/// Every connection counts once, whichever way in serves it, from the moment it is accepted until
/// it is closed (one the fast lane hands to Kestrel leaves the one count as it joins the other).
/// Start it before the connections to count are made.
/// </summary>
internal sealed class HostConnections : IDisposable
{
    private readonly MeterListener _listener = new();
    private const string Kestrel = "kestrel.active_connections";
    private const string FastLane = "ssehost.fast_lane.connections";

    private long _byKestrel;
    private long _byFastLane;

    public HostConnections(TestHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        IMeterFactory factory = host.Services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name is Kestrel or FastLane && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, delta, _, _) =>
            Interlocked.Add(ref instrument.Name == Kestrel ? ref _byKestrel : ref _byFastLane, delta));
        _listener.Start();
    }

    /// <summary>Connections accepted and not yet closed since this was started.</summary>
    public long Active => ByKestrel + ByFastLane;

    /// <summary>Of <see cref="Active"/>, those Kestrel holds (and walks every second).</summary>
    public long ByKestrel => Interlocked.Read(ref _byKestrel);

    /// <summary>Of <see cref="Active"/>, those the fast lane holds in front of Kestrel.</summary>
    public long ByFastLane => Interlocked.Read(ref _byFastLane);

    public void Dispose() => _listener.Dispose();
}
