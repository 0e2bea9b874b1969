using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using SsePluginHost.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// A head trickled in a byte at a time gets one head timeout from its first byte, however it
/// goes on: late in that time it turns into one the direct path cannot serve but Kestrel would
/// still wait for the rest of (a line ended by a bare LF, a UTF-8 header value, more than 64
/// header fields, more than 16 KiB; and, as a control, an <c>Accept</c> that does not ask for an
/// event stream), and then never ends. It is answered 408 within one head timeout (here set to
/// 5 s) of its first byte, give or take Kestrel's heartbeat, with direct streams on as with them
/// off: the direct path does not hand it to Kestrel to start a fresh head timeout of its own. The
/// bound is behavioural (the head timeout, Kestrel's lateness and some slack), not a measure of
/// speed: handed over, such a head was answered only some 11 s after its first byte.
/// </summary>
public sealed class TrickledHeadTimeoutTests(ITestOutputHelper output)
{
    private const string Echo = """{ "/echo": { "Plugin": "Faulty", "Type": "EchoService" } }""";

    private static readonly TimeSpan HeadTimeout = TimeSpan.FromSeconds(5);

    /// <summary>When the head turns into one the direct path cannot serve: most of the way through its head timeout.</summary>
    private static readonly TimeSpan TurnAfter = TimeSpan.FromSeconds(4);

    /// <summary>
    /// The head timeout; Kestrel's lateness (it adds its one-second heartbeat to a timeout and
    /// checks once a heartbeat: its 408 comes up to 2 s after the timeout); 2 s of slack for a busy machine.
    /// </summary>
    private static readonly TimeSpan AnsweredWithin = HeadTimeout + TimeSpan.FromSeconds(4);

    /// <summary>Between the bytes of the trickle.</summary>
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(40);

    /// <summary>The ways a trickled head turns, late, into one only Kestrel can answer (and that Kestrel waits for the rest of).</summary>
    private static readonly (string Name, string Turn)[] Turns =
    [
        ("a line ended by a bare LF", "X-Bare: lf\n"),
        ("a UTF-8 header value", "X-Name: Ren\u00e9e\r\n"),
        ("65 header fields", string.Concat(Enumerable.Range(0, 65).Select(i => $"X-F{i}: v\r\n"))),
        ("more than 16 KiB", "X-Big: " + new string('b', 17 * 1024) + "\r\n"),
        ("an Accept without event streams", "Accept: text/html\r\n"),
    ];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_trickled_head_that_turns_late_into_one_for_Kestrel_is_answered_408_within_one_head_timeout_of_its_first_byte(bool directStreams)
    {
        await using TestHost host = await TestHost.StartAsync(
            Echo,
            $$"""{ "Streams": { "DirectStreams": {{(directStreams ? "true" : "false")}} } }""",
            configure: b => b.WebHost.ConfigureKestrel(k => k.Limits.RequestHeadersTimeout = HeadTimeout));

        (int Status, TimeSpan Elapsed)[] results = await Task.WhenAll(Turns.Select(t => TrickleAsync(host.BaseAddress, t.Turn)));

        for (int i = 0; i < Turns.Length; i++)
        {
            output.WriteLine($"{Turns[i].Name}: {results[i].Status} after {results[i].Elapsed.TotalSeconds:F2} s from the first byte (direct streams {(directStreams ? "on" : "off")}).");
        }

        for (int i = 0; i < Turns.Length; i++)
        {
            Assert.True(results[i].Status == 408, $"{Turns[i].Name}: answered {results[i].Status}, not 408.");
            Assert.True(
                results[i].Elapsed < AnsweredWithin,
                $"{Turns[i].Name}: answered {results[i].Elapsed.TotalSeconds:F2} s after its first byte, more than the head timeout of {HeadTimeout.TotalSeconds} s allows.");
        }

        Assert.Equal(0, host.TotalStreams());
        await using SseStream fine = await host.OpenStreamAsync("/echo");
        Assert.NotEmpty(fine.SessionId);
    }

    /// <summary>
    /// Sends the start of an EventSource GET a byte at a time until <see cref="TurnAfter"/>, then
    /// <paramref name="turn"/> at once, then more of a header line a byte at a time, never ending
    /// the head, until the server answers; returns the status and the time from the first byte.
    /// </summary>
    private static async Task<(int Status, TimeSpan Elapsed)> TrickleAsync(Uri baseAddress, string turn)
    {
        using RawHttpConnection connection = await RawHttpConnection.OpenAsync(baseAddress);
        byte[] start = Encoding.ASCII.GetBytes("GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nX-Slow: " + new string('s', 200));
        using CancellationTokenSource stop = new();
        Stopwatch sinceFirstByte = new();
        Task sending = Task.Run(async () =>
        {
            using PeriodicTimer pace = new(Pace);
            try
            {
                sinceFirstByte.Start();
                int at = 0;
                for (; at < start.Length && sinceFirstByte.Elapsed < TurnAfter; at++)
                {
                    await connection.SendAsync(start.AsMemory(at, 1));
                    await pace.WaitForNextTickAsync(stop.Token);
                }

                // The rest of the slow header line, then the turn at once, then a header line that never ends.
                await connection.SendAsync(Encoding.UTF8.GetBytes(Encoding.ASCII.GetString(start, at, start.Length - at) + "\r\n" + turn + "X-Never: "));
                while (true)
                {
                    await pace.WaitForNextTickAsync(stop.Token);
                    await connection.SendAsync("n"u8.ToArray());
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or System.Net.Sockets.SocketException or ObjectDisposedException)
            {
                // Stopped, or the server has closed the connection.
            }
        });

        try
        {
            RawResponseHead head = await connection.ReadHeadAsync(TimeSpan.FromSeconds(20));
            return (head.StatusCode, sinceFirstByte.Elapsed);
        }
        finally
        {
            await stop.CancelAsync();
            await sending;
        }
    }
}
