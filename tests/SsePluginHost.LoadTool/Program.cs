namespace SsePluginHost.LoadTool;

/// <summary>The <c>ssebench</c> command: parse, run, report, exit 0 / 1 / 2.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        using CancellationTokenSource stop = new();
        Console.CancelKeyPress += (_, e) =>
        {
            // The first Ctrl+C stops the run and still reports; a second one ends the process.
            if (!stop.IsCancellationRequested)
            {
                e.Cancel = true;
                stop.Cancel();
            }
        };
        return await RunAsync(args, Console.Out, Console.Error, stop.Token).ConfigureAwait(false);
    }

    /// <summary>The whole command, writing to the given streams; the smoke test calls this in-process.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        BenchRunner runner;
        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
            if (options.Help)
            {
                await output.WriteAsync(BenchOptions.Usage + "\n").ConfigureAwait(false);
                return 0;
            }

            runner = BenchRunner.Create(options);
        }
        catch (UsageException ex)
        {
            await error.WriteLineAsync("ssebench: " + ex.Message).ConfigureAwait(false);
            return 2;
        }

        BenchResult result = await runner.RunAsync(cancellationToken).ConfigureAwait(false);
        if (options.Json)
        {
            BenchReport.WriteJson(output, result);
        }
        else
        {
            BenchReport.WriteText(output, result);
        }

        await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        return result.ExitCode;
    }
}
