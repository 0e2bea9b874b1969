using SsePluginHost.Streaming;

namespace SsePluginHost.Admission;

/// <summary>Writes admission's refusals, the same way on both ways in.</summary>
internal static class AdmissionResponses
{
    /// <summary>Answers a request admission did not let through.</summary>
    public static Task WriteAsync(IStreamExchange exchange, AdmissionDecision decision, string requestPath)
    {
        AddHeaders(exchange, decision);
        return Write(exchange, decision, requestPath);
    }

    /// <summary>Gives the answer, whatever it will be, the header fields admission decided (CORS, a challenge).</summary>
    public static void AddHeaders(IStreamExchange exchange, AdmissionDecision decision)
    {
        if (decision.Headers is { } headers)
        {
            foreach (KeyValuePair<string, string> header in headers)
            {
                exchange.AddHeader(header.Key, header.Value);
            }
        }
    }

    private static Task Write(IStreamExchange exchange, AdmissionDecision decision, string requestPath) => decision.Outcome switch
    {
        AdmissionOutcome.Preflight => exchange.WriteTextAsync(StatusCodes.Status204NoContent, "text/plain; charset=utf-8", null),
        AdmissionOutcome.RetryLater => exchange.RefuseWithRetryAsync(decision.Mount!, decision.Reason ?? "unavailable"),
        AdmissionOutcome.Unavailable or AdmissionOutcome.Refused =>
            exchange.WriteTextAsync(decision.Status, "text/plain; charset=utf-8", decision.Reason + "\n", decision.RetryAfterSeconds),
        AdmissionOutcome.NotAMount => exchange.WriteTextAsync(StatusCodes.Status404NotFound, "text/plain; charset=utf-8",
            $"Nothing is mounted at {requestPath}; GET / lists the mounts.\n", null),
        _ => throw new ArgumentOutOfRangeException(nameof(decision), decision.Outcome, "not a refusal"),
    };
}
