using System.Diagnostics.Metrics;

namespace SsePluginHost.Diagnostics;

/// <summary>
/// The host's metrics on the <c>SsePluginHost</c> meter, readable with <c>dotnet-counters
/// monitor --counters SsePluginHost</c> or any OpenTelemetry exporter. Each carries the mount path (UDP datagrams: the result; the fast lane's connections: nothing).
/// </summary>
internal sealed class HostMetrics
{
    public const string MeterName = "SsePluginHost";

    private readonly UpDownCounter<long> _streams;
    private readonly Counter<long> _broadcasts;
    private readonly Counter<long> _slowConsumers;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _resets;
    private readonly Counter<long> _datagrams;
    private readonly UpDownCounter<long> _laneConnections;

    public HostMetrics(IMeterFactory meterFactory)
    {
        Meter meter = meterFactory.Create(MeterName);
        _streams = meter.CreateUpDownCounter<long>("ssehost.streams", "{stream}", "Event streams being written now.");
        _broadcasts = meter.CreateCounter<long>("ssehost.broadcasts", "{event}", "Events broadcast to a mount.");
        _slowConsumers = meter.CreateCounter<long>("ssehost.slow_consumers", "{client}", "Clients dropped because their queue was full.");
        _refused = meter.CreateCounter<long>("ssehost.streams_refused", "{stream}", "Streams told to retry later: over a limit or shutting down.");
        _resets = meter.CreateCounter<long>("ssehost.resets", "{stream}", "Reconnects whose Last-Event-ID was older than the history.");
        _datagrams = meter.CreateCounter<long>("ssehost.udp.datagrams", "{datagram}", "UDP datagrams received, by result.");
        _laneConnections = meter.CreateUpDownCounter<long>("ssehost.fast_lane.connections", "{connection}",
            "Connections held in front of Kestrel (not in kestrel.active_connections): their first request being read, or a direct stream served.");
    }

    public void StreamOpened(string mount) => _streams.Add(1, Tag(mount));

    public void StreamClosed(string mount) => _streams.Add(-1, Tag(mount));

    public void Broadcast(string mount) => _broadcasts.Add(1, Tag(mount));

    public void SlowConsumer(string mount) => _slowConsumers.Add(1, Tag(mount));

    public void Refused(string mount) => _refused.Add(1, Tag(mount));

    public void Reset(string mount) => _resets.Add(1, Tag(mount));

    public void LaneConnectionOpened() => _laneConnections.Add(1);

    public void LaneConnectionClosed() => _laneConnections.Add(-1);

    public void Datagram(string result) => _datagrams.Add(1, new KeyValuePair<string, object?>("result", result));

    private static KeyValuePair<string, object?> Tag(string mount) => new("mount", mount);
}
