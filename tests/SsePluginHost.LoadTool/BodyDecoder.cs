namespace SsePluginHost.LoadTool;

/// <summary>
/// Undoes the HTTP/1.1 body framing in place: chunked transfer-encoding, a Content-Length, or a
/// body that ends when the connection closes; hands the payload to the scanner.
/// </summary>
internal sealed class BodyDecoder(EventStreamScanner scanner, bool chunked, long contentLength)
{
    private long _remaining = chunked ? 0 : contentLength; // -1: until the connection closes
    private ChunkState _state;
    private int _sizeDigits;
    private bool _trailerLineEmpty;

    private enum ChunkState
    {
        Size,
        SizeLineRest,
        Data,
        DataEnd,
        Trailer,
        Done,
    }

    /// <summary>Why the body could not be read, when <see cref="Feed"/> returned false early.</summary>
    public string? Error { get; private set; }

    /// <summary>Reads received bytes; false when the body has ended (or is malformed).</summary>
    public bool Feed(ReadOnlySpan<byte> data, long receivedAt)
    {
        if (!chunked)
        {
            if (_remaining < 0)
            {
                scanner.Scan(data, receivedAt);
                return true;
            }

            int n = (int)Math.Min(_remaining, data.Length);
            scanner.Scan(data[..n], receivedAt);
            _remaining -= n;
            return _remaining > 0;
        }

        int i = 0;
        while (i < data.Length)
        {
            switch (_state)
            {
                case ChunkState.Size:
                    {
                        byte b = data[i++];
                        int digit = HexValue(b);
                        if (digit >= 0 && _sizeDigits < 15)
                        {
                            _remaining = (_remaining << 4) | (long)digit;
                            _sizeDigits++;
                        }
                        else if (_sizeDigits > 0 && b is (byte)';' or (byte)' ' or (byte)'\t' or (byte)'\r')
                        {
                            _state = ChunkState.SizeLineRest;
                        }
                        else if (_sizeDigits > 0 && b == (byte)'\n')
                        {
                            EndSizeLine();
                        }
                        else
                        {
                            return Fail("malformed chunk size");
                        }

                        break;
                    }

                case ChunkState.SizeLineRest:
                    if (data[i++] == (byte)'\n')
                    {
                        EndSizeLine();
                    }

                    break;

                case ChunkState.Data:
                    {
                        int n = (int)Math.Min(_remaining, data.Length - i);
                        scanner.Scan(data.Slice(i, n), receivedAt);
                        i += n;
                        _remaining -= n;
                        if (_remaining == 0)
                        {
                            _state = ChunkState.DataEnd;
                        }

                        break;
                    }

                case ChunkState.DataEnd:
                    {
                        byte b = data[i++];
                        if (b == (byte)'\n')
                        {
                            _state = ChunkState.Size;
                            _sizeDigits = 0;
                            _remaining = 0;
                        }
                        else if (b != (byte)'\r')
                        {
                            return Fail("malformed chunk end");
                        }

                        break;
                    }

                case ChunkState.Trailer:
                    {
                        byte b = data[i++];
                        if (b == (byte)'\n')
                        {
                            if (_trailerLineEmpty)
                            {
                                _state = ChunkState.Done;
                                return false;
                            }

                            _trailerLineEmpty = true;
                        }
                        else if (b != (byte)'\r')
                        {
                            _trailerLineEmpty = false;
                        }

                        break;
                    }

                default:
                    return false;
            }
        }

        return true;
    }

    private void EndSizeLine()
    {
        if (_remaining == 0)
        {
            _state = ChunkState.Trailer;
            _trailerLineEmpty = true;
        }
        else
        {
            _state = ChunkState.Data;
        }
    }

    private bool Fail(string reason)
    {
        Error = reason;
        _state = ChunkState.Done;
        return false;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
