using System.Buffers;

namespace SsePluginHost.Tests.Infrastructure;

/// <summary>One segment of a hand-built <see cref="ReadOnlySequence{T}"/>, to feed parsers data split as a socket might split it.</summary>
internal sealed class BufferSegment : ReadOnlySequenceSegment<byte>
{
    private BufferSegment(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    /// <summary>A sequence of the given pieces, one segment each (empty pieces included).</summary>
    public static ReadOnlySequence<byte> Sequence(params ReadOnlyMemory<byte>[] pieces)
    {
        if (pieces.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        BufferSegment first = new(pieces[0], 0);
        BufferSegment last = first;
        for (int i = 1; i < pieces.Length; i++)
        {
            BufferSegment next = new(pieces[i], last.RunningIndex + last.Memory.Length);
            last.Next = next;
            last = next;
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>A sequence of <paramref name="bytes"/> cut at the given offsets (in any order; repeats give empty segments).</summary>
    public static ReadOnlySequence<byte> Split(byte[] bytes, params int[] cuts)
    {
        int[] sorted = [.. cuts.Order()];
        List<ReadOnlyMemory<byte>> pieces = [];
        int from = 0;
        foreach (int cut in sorted)
        {
            pieces.Add(bytes.AsMemory(from, cut - from));
            from = cut;
        }

        pieces.Add(bytes.AsMemory(from));
        return Sequence([.. pieces]);
    }
}
