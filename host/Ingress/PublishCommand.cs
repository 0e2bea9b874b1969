using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Serialization;

namespace SsePluginHost.Ingress;

/// <summary>
/// The <c>publish</c> verb of the host executable, for shell scripts: it hands one event to a
/// running host through its publish API.
/// <code>SsePluginHost publish /chat "hello" --event message [--url http://localhost:3080 | --unix-socket PATH] [--token T]</code>
/// </summary>
internal static class PublishCommand
{
    public const string Usage =
        "usage: SsePluginHost publish <mount> [<data> | -] [--event TYPE] [--id ID] [--session ID] [--url URL | --unix-socket PATH] [--token TOKEN]\n" +
        "  data '-' (or none, with input redirected) reads standard input; the token defaults to $SseHost__Publish__Token; the URL to http://localhost:3080";

    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error)
    {
        Dictionary<string, string> options = new(StringComparer.Ordinal);
        List<string> positional = [];
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal) && args[i].Length > 2)
            {
                if (i + 1 >= args.Length)
                {
                    await error.WriteLineAsync($"error: {args[i]} needs a value\n{Usage}").ConfigureAwait(false);
                    return 2;
                }

                options[args[i][2..]] = args[++i];
            }
            else
            {
                positional.Add(args[i]);
            }
        }

        string[] known = ["event", "id", "session", "url", "unix-socket", "token"];
        if (positional.Count is < 1 or > 2 || options.Keys.Any(k => !known.Contains(k)))
        {
            await error.WriteLineAsync(Usage).ConfigureAwait(false);
            return 2;
        }

        string mount = positional[0].Trim('/');
        // Data read from standard input loses one final line break, as with $(...) in a shell.
        string data = positional.Count == 2 && positional[1] != "-"
            ? positional[1]
            : TrimFinalLineBreak(await input.ReadToEndAsync().ConfigureAwait(false));
        string? token = options.GetValueOrDefault("token") ?? Environment.GetEnvironmentVariable("SseHost__Publish__Token");

        using HttpClient http = CreateClient(options, out Uri baseAddress);
        using HttpRequestMessage request = new(HttpMethod.Post, new Uri(baseAddress, $"/_host/publish/{mount}"))
        {
            Content = JsonContent.Create(new Body(options.GetValueOrDefault("event"), data, options.GetValueOrDefault("id"), options.GetValueOrDefault("session"))),
        };
        if (!string.IsNullOrEmpty(token))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            await error.WriteLineAsync($"error: cannot reach the host at {baseAddress}: {ex.Message}").ConfigureAwait(false);
            return 2;
        }

        string body = (await response.Content.ReadAsStringAsync().ConfigureAwait(false)).TrimEnd();
        if (!response.IsSuccessStatusCode)
        {
            await error.WriteLineAsync($"error: {(int)response.StatusCode} {response.ReasonPhrase}: {body}").ConfigureAwait(false);
            return 1;
        }

        await output.WriteLineAsync(body).ConfigureAwait(false);
        return 0;
    }

    private static string TrimFinalLineBreak(string text) =>
        text.EndsWith("\r\n", StringComparison.Ordinal) ? text[..^2] : text.EndsWith('\n') ? text[..^1] : text;

    private static HttpClient CreateClient(Dictionary<string, string> options, out Uri baseAddress)
    {
        if (options.TryGetValue("unix-socket", out string? socketPath))
        {
            baseAddress = new Uri("http://localhost/");
            SocketsHttpHandler handler = new()
            {
                ConnectCallback = async (_, cancellationToken) =>
                {
                    Socket socket = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    try
                    {
                        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
                        return new NetworkStream(socket, ownsSocket: true);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                },
            };
            return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        }

        baseAddress = new Uri(options.GetValueOrDefault("url") ?? "http://localhost:3080");
        return new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
    }

    private sealed record Body(
        [property: JsonPropertyName("event")] string? Event,
        [property: JsonPropertyName("data")] string Data,
        [property: JsonPropertyName("id")] string? Id,
        [property: JsonPropertyName("session")] string? Session);
}
