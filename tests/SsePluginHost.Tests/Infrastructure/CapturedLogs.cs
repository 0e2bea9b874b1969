using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace SsePluginHost.Tests.Infrastructure;

/// <summary>A logger provider that keeps every line, so tests can wait for a log line.</summary>
internal sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly SemaphoreSlim _added = new(0);

    public IReadOnlyCollection<string> Lines => _lines.ToArray();

    public ILogger CreateLogger(string categoryName) => new LineLogger(this, categoryName);

    public void Dispose() => _added.Dispose();

    /// <summary>Waits until a line matching the predicate has been logged.</summary>
    public async Task<string> WaitForAsync(Func<string, bool> predicate, TimeSpan timeout)
    {
        using CancellationTokenSource cts = new(timeout);
        while (true)
        {
            string? hit = _lines.FirstOrDefault(predicate);
            if (hit is not null)
            {
                return hit;
            }

            try
            {
                await _added.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No log line matched within {timeout}. Lines:\n{string.Join("\n", _lines)}");
            }
        }
    }

    private void Add(string line)
    {
        _lines.Enqueue(line);
        try
        {
            _added.Release();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private sealed class LineLogger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            string line = $"{logLevel}: {category}: {formatter(state, exception)}";
            if (exception is not null)
            {
                line += $" | {exception.GetType().Name}: {exception.Message}";
            }

            owner.Add(line);
        }
    }
}
