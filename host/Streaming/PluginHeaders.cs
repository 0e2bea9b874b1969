using SsePluginHost.Abstractions;

namespace SsePluginHost.Streaming;

/// <summary>
/// Puts the header fields a plugin added to its answer (<see cref="SseResponse.Headers"/>) on
/// that answer, whichever way it goes out. <see cref="SseResponse.WithHeader"/> already refused
/// any field that could split the response or that the host sets itself.
/// </summary>
internal static class PluginHeaders
{
    /// <summary>Adds the answer's own fields to the exchange; before the response has started.</summary>
    public static void AddTo(IStreamExchange exchange, IReadOnlyList<KeyValuePair<string, string>>? headers)
    {
        if (headers is null)
        {
            return;
        }

        foreach (KeyValuePair<string, string> header in headers)
        {
            exchange.AddHeader(header.Key, header.Value);
        }
    }
}
