namespace SsePluginHost.LoadTool;

/// <summary>What one run measured; null where it was not measured.</summary>
internal sealed class BenchResult
{
    public string? Label { get; set; }

    public string Subscribe { get; set; } = "";

    public string? Publish { get; set; }

    public int Sources { get; set; }

    // Streams.
    public int Requested { get; set; }

    public int Connected { get; set; }

    public int Failed { get; set; }

    public int EndedByServer { get; set; }

    public SortedDictionary<string, int> FailureReasons { get; } = new(StringComparer.Ordinal);

    public SortedDictionary<string, int> EndReasons { get; } = new(StringComparer.Ordinal);

    public double ConnectSeconds { get; set; }

    public double ConnectP50Ms { get; set; }

    public double ConnectP99Ms { get; set; }

    public double ConnectMaxMs { get; set; }

    /// <summary>Streams that had received no bytes when the settle timeout ran out.</summary>
    public int Unsettled { get; set; }

    // Server memory.
    public int? ServerPid { get; set; }

    public long? RssBefore { get; set; }

    public long? RssAfterConnect { get; set; }

    public long? RssAfterIdle { get; set; }

    public long? RssAfterRun { get; set; }

    public double? RssPerStream { get; set; }

    public double? RssPerStreamAfterIdle { get; set; }

    public long BytesReceived { get; set; }

    // Idle.
    public double? IdleSeconds { get; set; }

    public double? IdleServerCpuSeconds { get; set; }

    public double? IdleToolCpuSeconds { get; set; }

    public int? OpenAfterIdle { get; set; }

    // Publishing.
    public int EventsRequested { get; set; }

    public long Published { get; set; }

    public long PublishErrors { get; set; }

    public string? FirstPublishError { get; set; }

    public double? PublishSeconds { get; set; }

    public double? PublishRate { get; set; }

    public double TargetRate { get; set; }

    public int PublishConcurrency { get; set; }

    public int Size { get; set; }

    public double? PublishServerCpuSeconds { get; set; }

    public double? PublishToolCpuSeconds { get; set; }

    // Deliveries.
    public long Expected { get; set; }

    public long Received { get; set; }

    public long Lost { get; set; }

    public long Duplicated { get; set; }

    public long Foreign { get; set; }

    public double? DeliveryWindowSeconds { get; set; }

    public double? DeliveredPerSecond { get; set; }

    public double? ServerCpuMicrosPerDelivery { get; set; }

    public bool DrainTimedOut { get; set; }

    // Latency of first arrivals, ms.
    public long LatencyCount { get; set; }

    public double LatencyMeanMs { get; set; }

    public double LatencyP50Ms { get; set; }

    public double LatencyP90Ms { get; set; }

    public double LatencyP99Ms { get; set; }

    public double LatencyP999Ms { get; set; }

    public double LatencyMaxMs { get; set; }

    // The whole run.
    public double ToolCpuSeconds { get; set; }

    public double WallSeconds { get; set; }

    public bool DeadlineHit { get; set; }

    public bool Completed { get; set; }

    public int ExitCode { get; set; }
}
