using Microsoft.Extensions.Options;
using SsePluginHost;

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
catch (OptionsValidationException ex)
{
    Console.Error.WriteLine($"error: invalid settings: {string.Join(" ", ex.Failures)}");
    return 2;
}

await app.RunAsync().ConfigureAwait(false);
return 0;
