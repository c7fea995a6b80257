using System.Buffers.Binary;
using System.Text;

namespace MLNetLlm.Torch.Compression.Onnx;

/// <summary>
/// Minimal protocol-buffers encoder (wire types 0 and 2 only), enough to write ONNX's ModelProto. Nested messages are
/// written into their own writer first so their length prefix is known.
/// </summary>
internal sealed class ProtoWriter
{
    private readonly MemoryStream _buffer = new();

    public long Length => _buffer.Length;

    public void WriteVarint(int field, long value)
    {
        WriteTag(field, 0);
        WriteRawVarint(unchecked((ulong)value));
    }

    public void WriteFloat(int field, float value)
    {
        WriteTag(field, 5);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        _buffer.Write(bytes);
    }

    public void WriteString(int field, string value) => WriteBytes(field, Encoding.UTF8.GetBytes(value));

    public void WriteBytes(int field, ReadOnlySpan<byte> bytes)
    {
        WriteTag(field, 2);
        WriteRawVarint((ulong)bytes.Length);
        _buffer.Write(bytes);
    }

    /// <summary>Writes a length-delimited sub-message built by <paramref name="build"/>.</summary>
    public void WriteMessage(int field, Action<ProtoWriter> build)
    {
        var inner = new ProtoWriter();
        build(inner);
        WriteTag(field, 2);
        WriteRawVarint((ulong)inner._buffer.Length);
        inner._buffer.Position = 0;
        inner._buffer.CopyTo(_buffer);
    }

    /// <summary>Writes a packed repeated int64 field.</summary>
    public void WritePackedInt64(int field, IReadOnlyList<long> values)
    {
        var inner = new ProtoWriter();
        foreach (long v in values) inner.WriteRawVarint(unchecked((ulong)v));
        WriteBytes(field, inner._buffer.GetBuffer().AsSpan(0, (int)inner._buffer.Length));
    }

    /// <summary>Appends another writer's already-encoded fields (e.g. repeated messages built separately).</summary>
    public void Append(ProtoWriter other)
    {
        other._buffer.Position = 0;
        other._buffer.CopyTo(_buffer);
    }

    /// <summary>Writes only the tag and length of a length-delimited field whose bytes the caller writes next.</summary>
    public void WriteBytesHeader(int field, long length)
    {
        WriteTag(field, 2);
        WriteRawVarint((ulong)length);
    }

    public byte[] ToArray() => _buffer.ToArray();

    public void CopyTo(Stream destination)
    {
        _buffer.Position = 0;
        _buffer.CopyTo(destination);
    }

    private void WriteTag(int field, int wireType) => WriteRawVarint((ulong)((field << 3) | wireType));

    private void WriteRawVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _buffer.WriteByte((byte)value);
    }
}
