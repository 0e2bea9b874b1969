using Microsoft.Extensions.Options;
using SsePluginHost;

if (args.Length > 0 && args[0] == "publish")
{
    return await SsePluginHost.Ingress.PublishCommand.RunAsync(args[1..], Console.In, Console.Out, Console.Error).ConfigureAwait(false);
}

WebApplication app;
try
{
    app = SseHostApplication.Build(args);
}
catch (InvalidDataException ex)
{
    Console.Error.WriteLine($"error: cannot read the configuration: {ex.Message} {ex.InnerException?.Message}".TrimEnd());
    return 2;
}
catch (InvalidOperationException ex) when (ex.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal))
{
    Console.Error.WriteLine($"error: invalid settings: {ex.Message}");
    return 2;
}
catch (IOException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 2;
}
catch (OptionsValidationException ex)
{
    Console.Error.WriteLine($"error: invalid settings: {string.Join(" ", ex.Failures)}");
    return 2;
}

try
{
    await app.RunAsync().ConfigureAwait(false);
}
catch (IOException ex)
{
    // Most often: the port is taken by another process.
    Console.Error.WriteLine($"error: cannot listen: {ex.Message}");
    return 2;
}

return 0;
