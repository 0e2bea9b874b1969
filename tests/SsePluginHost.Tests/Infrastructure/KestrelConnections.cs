using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace SsePluginHost.Tests.Infrastructure;

/// <summary>
/// The connections one in-process host's Kestrel holds open now, read from Kestrel's own
/// <c>kestrel.active_connections</c> metric (of that host's meter factory only, so that other
/// hosts in the process do not count). Every connection counts, whichever way in serves it, from
/// the moment it is accepted until it is closed. Start it before the connections to count are made.
/// </summary>
internal sealed class KestrelConnections : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _active;

    public KestrelConnections(TestHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        IMeterFactory factory = host.Services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == "kestrel.active_connections" && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, delta, _, _) => Interlocked.Add(ref _active, delta));
        _listener.Start();
    }

    /// <summary>Connections accepted and not yet closed since this was started.</summary>
    public long Active => Interlocked.Read(ref _active);

    public void Dispose() => _listener.Dispose();
}
