using System.Buffers;

namespace SsePluginHost.LoadTool;

/// <summary>
/// Reads a <c>text/event-stream</c> body as it arrives, in place and byte by byte (the padding is
/// skipped with a vectorised search), with no buffering of lines: pieces may split anywhere. An
/// event counts when its first <c>data:</c> line starts with "&lt;seq&gt; &lt;ticks&gt;" followed
/// by a space or the end of the line; it is recorded when the blank line dispatches it. Every
/// other line and event (<c>event:</c>, <c>id:</c>, <c>retry:</c>, comments, session ids, pings)
/// is ignored.
/// </summary>
internal sealed class EventStreamScanner(DeliveryLog log)
{
    private static readonly SearchValues<byte> LineEnds = SearchValues.Create("\r\n"u8);

    private State _state = State.LineStart;
    private bool _afterCr;
    private int _fieldLength;
    private bool _fieldIsData;
    private int _dataLines;
    private long _seq;
    private long _ticks;
    private int _digits;
    private bool _pending;
    private long _pendingSeq;
    private long _pendingTicks;

    private enum State
    {
        LineStart,
        Field,
        ValueStart,
        Seq,
        Ticks,
        Skip,
    }

    /// <summary>Bench events recorded (first arrivals and duplicates).</summary>
    public long Events { get; private set; }

    /// <summary>Reads the next piece of the body, received at <paramref name="receivedAt"/>.</summary>
    public void Scan(ReadOnlySpan<byte> data, long receivedAt)
    {
        int i = 0;
        if (_afterCr && data.Length > 0)
        {
            _afterCr = false;
            if (data[0] == (byte)'\n')
            {
                i = 1;
            }
        }

        while (i < data.Length)
        {
            byte b = data[i];
            switch (_state)
            {
                case State.LineStart:
                    if (b is (byte)'\r' or (byte)'\n')
                    {
                        Dispatch(receivedAt);
                        i = SkipLineEnd(data, i);
                    }
                    else if (b == (byte)':')
                    {
                        _state = State.Skip;
                        i++;
                    }
                    else
                    {
                        _state = State.Field;
                        _fieldLength = 0;
                        _fieldIsData = true;
                    }

                    break;

                case State.Field:
                    if (b == (byte)':')
                    {
                        i++;
                        _state = _fieldIsData && _fieldLength == 4 ? State.ValueStart : State.Skip;
                    }
                    else if (b is (byte)'\r' or (byte)'\n')
                    {
                        if (_fieldIsData && _fieldLength == 4)
                        {
                            _dataLines++; // "data" alone: an empty data line
                        }

                        _state = State.LineStart;
                        i = SkipLineEnd(data, i);
                    }
                    else
                    {
                        _fieldIsData &= _fieldLength < 4 && b == "data"u8[_fieldLength];
                        _fieldLength++;
                        i++;
                    }

                    break;

                case State.ValueStart:
                    if (b == (byte)' ')
                    {
                        i++;
                    }

                    _dataLines++;
                    if (_dataLines == 1)
                    {
                        _state = State.Seq;
                        _seq = 0;
                        _digits = 0;
                    }
                    else
                    {
                        _state = State.Skip;
                    }

                    break;

                case State.Seq:
                    if (b - (uint)'0' <= 9 && _digits < 18)
                    {
                        _seq = (_seq * 10) + (b - '0');
                        _digits++;
                        i++;
                    }
                    else if (b == (byte)' ' && _digits > 0)
                    {
                        _state = State.Ticks;
                        _ticks = 0;
                        _digits = 0;
                        i++;
                    }
                    else
                    {
                        _state = State.Skip;
                    }

                    break;

                case State.Ticks:
                    if (b - (uint)'0' <= 9 && _digits < 18)
                    {
                        _ticks = (_ticks * 10) + (b - '0');
                        _digits++;
                        i++;
                    }
                    else
                    {
                        if (_digits > 0 && b is (byte)' ' or (byte)'\r' or (byte)'\n')
                        {
                            _pending = true;
                            _pendingSeq = _seq;
                            _pendingTicks = _ticks;
                        }

                        _state = State.Skip;
                    }

                    break;

                default: // Skip to the end of the line.
                    int end = data[i..].IndexOfAny(LineEnds);
                    if (end < 0)
                    {
                        i = data.Length;
                    }
                    else
                    {
                        _state = State.LineStart;
                        i = SkipLineEnd(data, i + end);
                    }

                    break;
            }
        }
    }

    private void Dispatch(long receivedAt)
    {
        if (_pending)
        {
            _pending = false;
            Events++;
            log.Record(_pendingSeq, _pendingTicks, receivedAt);
        }

        _dataLines = 0;
    }

    /// <summary>Steps over CR, LF or CRLF at <paramref name="i"/>, remembering a CR at the end of a piece.</summary>
    private int SkipLineEnd(ReadOnlySpan<byte> data, int i)
    {
        if (data[i] == (byte)'\r')
        {
            i++;
            if (i == data.Length)
            {
                _afterCr = true;
            }
            else if (data[i] == (byte)'\n')
            {
                i++;
            }

            return i;
        }

        return i + 1;
    }
}
