namespace SsePluginHost.Ingress;

/// <summary>
/// Reads a request's form the way ASP.NET Core does, with its limits, but turns what a client got
/// wrong (too many fields, a broken multipart body) into a 400 with a one-line reason instead of
/// an exception that becomes a 500 and a stack trace in the log.
/// </summary>
internal static class FormReading
{
    /// <exception cref="BadHttpRequestException">The form cannot be read (400), or the body is over its limit (413).</exception>
    public static async Task<IFormCollection> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            // Over FormOptions' limits (1,024 fields, field lengths) or a malformed multipart section.
            throw new BadHttpRequestException($"The form cannot be read: {OneLine(ex.Message)}", StatusCodes.Status400BadRequest);
        }
        catch (IOException ex) when (ex is not BadHttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            // A multipart body that ends before its closing boundary.
            throw new BadHttpRequestException($"The form cannot be read: {OneLine(ex.Message)}", StatusCodes.Status400BadRequest);
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
