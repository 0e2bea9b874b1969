using Microsoft.Extensions.Options;
using SsePluginHost.Configuration;

namespace SsePluginHost.Operator;

/// <summary>
/// Reads operator commands from standard input, a terminal or a pipe, on a thread of its own.
/// At end of input it stops quietly and the host keeps serving.
/// </summary>
internal sealed partial class OperatorConsole : IHostedService
{
    private readonly ConsoleCommands _commands;
    private readonly ConsoleOptions _options;
    private readonly ILogger<OperatorConsole> _logger;

    public OperatorConsole(ConsoleCommands commands, IOptions<SseHostOptions> options, ILogger<OperatorConsole> logger)
    {
        _commands = commands;
        _options = options.Value.Console;
        _logger = logger;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.Enabled)
        {
            return Task.CompletedTask;
        }

        // Console.In.ReadLine cannot be cancelled: a background thread does not hold the process.
        Thread reader = new(ReadLoop) { IsBackground = true, Name = "operator console" };
        reader.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void ReadLoop()
    {
        LogReady(_logger);
        TextWriter output = Console.Out;
        while (true)
        {
            string? line;
            try
            {
                line = Console.In.ReadLine();
            }
            catch (IOException)
            {
                line = null;
            }

            if (line is null)
            {
                LogEnded(_logger);
                return;
            }

            try
            {
                _commands.Execute(line, output);
            }
#pragma warning disable CA1031 // One bad command must not end the console.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                output.WriteLine($"error: {ex.Message}");
            }

            output.Flush();
        }
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "Console ready: type 'help' for commands")]
    private static partial void LogReady(ILogger logger);

    [LoggerMessage(EventId = 41, Level = LogLevel.Information, Message = "Console input ended; the host keeps serving")]
    private static partial void LogEnded(ILogger logger);
}
