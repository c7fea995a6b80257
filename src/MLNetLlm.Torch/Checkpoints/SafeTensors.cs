using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Checkpoints;

/// <summary>
/// Reads and writes the <c>safetensors</c> format: an 8-byte little-endian header length, a UTF-8 JSON header that maps
/// each tensor name to its dtype, shape and byte range, then the raw little-endian tensor bytes.
/// Supported dtypes: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL.
/// </summary>
public static class SafeTensors
{
    /// <summary>Largest header this reader accepts (the format's own limit is 100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>Reads every tensor of <paramref name="path"/> onto the CPU, in its stored dtype. The caller owns (disposes) them.</summary>
    /// <exception cref="InvalidDataException">The file is truncated, its header is not valid JSON, or an entry is inconsistent.</exception>
    public static Dictionary<string, Tensor> Read(string path) => Read(path, out _);

    /// <summary>Reads every tensor and the header's optional <c>__metadata__</c> string map.</summary>
    public static Dictionary<string, Tensor> Read(string path, out IReadOnlyDictionary<string, string> metadata)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"safetensors file '{path}' does not exist.", path);
        using var stream = File.OpenRead(path);
        var entries = ReadHeader(stream, path, out metadata, out long dataStart);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var e in entries)
            {
                var t = empty(e.Shape, e.DType);
                if (e.Length > 0)
                {
                    stream.Position = dataStart + e.Begin;
                    stream.ReadExactly(t.bytes);
                }
                result.Add(e.Name, t);
            }
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }

    /// <summary>Names, dtypes and shapes of the tensors in <paramref name="path"/>, without reading their data.</summary>
    public static IReadOnlyList<(string Name, ScalarType DType, long[] Shape)> ReadIndex(string path)
    {
        using var stream = File.OpenRead(path);
        return ReadHeader(stream, path, out _, out _).Select(e => (e.Name, e.DType, e.Shape)).ToList();
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> to <paramref name="path"/> (keys sorted ordinally, header padded to 8 bytes, as
    /// the reference implementation does). Tensors may live on any device; they are copied to the CPU.
    /// </summary>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var kv in metadata.OrderBy(k => k.Key, StringComparer.Ordinal)) meta[kv.Key] = kv.Value;
            header["__metadata__"] = meta;
        }
        var names = tensors.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
        long offset = 0;
        foreach (var name in names)
        {
            if (name == "__metadata__") throw new ArgumentException("'__metadata__' is reserved and cannot name a tensor.", nameof(tensors));
            var t = tensors[name];
            long bytes = t.numel() * ElementSize(t.dtype);
            header[name] = new JsonObject
            {
                ["dtype"] = DTypeName(t.dtype),
                ["shape"] = new JsonArray(t.shape.Select(s => (JsonNode)JsonValue.Create(s)).ToArray()),
                ["data_offsets"] = new JsonArray(JsonValue.Create(offset), JsonValue.Create(offset + bytes)),
            };
            offset += bytes;
        }
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string tmp = full + ".tmp";
        using (var stream = File.Create(tmp))
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)padded);
            stream.Write(len);
            stream.Write(json);
            for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
            foreach (var name in names)
            {
                using var scope = NewDisposeScope();
                var t = tensors[name].detach().cpu().contiguous();
                if (t.numel() > 0) stream.Write(t.bytes);
            }
        }
        File.Move(tmp, full, overwrite: true);
    }

    internal sealed record Entry(string Name, ScalarType DType, long[] Shape, long Begin, long Length);

    static List<Entry> ReadHeader(Stream stream, string path, out IReadOnlyDictionary<string, string> metadata, out long dataStart)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors reading needs a little-endian machine.");
        Span<byte> len = stackalloc byte[8];
        if (stream.Length < 8) throw new InvalidDataException($"'{path}' is not a safetensors file: shorter than its 8-byte header length.");
        stream.ReadExactly(len);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(len);
        if (n == 0 || n > MaxHeaderBytes || (long)n > stream.Length - 8)
            throw new InvalidDataException($"'{path}' is not a safetensors file: header length {n} is invalid for a {stream.Length}-byte file.");
        var json = new byte[n];
        stream.ReadExactly(json);
        dataStart = 8 + (long)n;
        long dataLength = stream.Length - dataStart;
        JsonObject root;
        try { root = JsonNode.Parse(json)?.AsObject() ?? throw new InvalidDataException($"'{path}': safetensors header is empty."); }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw new InvalidDataException($"'{path}': safetensors header is not a JSON object: {ex.Message}", ex);
        }
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        var entries = new List<Entry>();
        foreach (var (name, node) in root)
        {
            if (name == "__metadata__")
            {
                if (node is JsonObject m)
                    foreach (var (k, v) in m) meta[k] = v?.GetValue<string>() ?? "";
                continue;
            }
            try
            {
                var o = node!.AsObject();
                var dtype = ParseDType(o["dtype"]!.GetValue<string>());
                var shape = o["shape"]!.AsArray().Select(x => x!.GetValue<long>()).ToArray();
                var offsets = o["data_offsets"]!.AsArray().Select(x => x!.GetValue<long>()).ToArray();
                if (offsets.Length != 2) throw new InvalidDataException("data_offsets must have two numbers");
                if (shape.Any(s => s < 0)) throw new InvalidDataException("negative dimension");
                long expected = shape.Aggregate(1L, (a, b) => a * b) * ElementSize(dtype);
                if (offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > dataLength)
                    throw new InvalidDataException($"data_offsets [{offsets[0]}, {offsets[1]}] fall outside the {dataLength}-byte data section");
                if (offsets[1] - offsets[0] != expected)
                    throw new InvalidDataException($"{offsets[1] - offsets[0]} bytes stored but dtype {DTypeName(dtype)} and shape [{string.Join(", ", shape)}] need {expected}");
                entries.Add(new Entry(name, dtype, shape, offsets[0], expected));
            }
            catch (Exception ex) when (ex is InvalidDataException or InvalidOperationException or NullReferenceException or FormatException or NotSupportedException)
            {
                throw new InvalidDataException($"'{path}': tensor '{name}': {ex.Message}", ex);
            }
        }
        var sorted = entries.OrderBy(e => e.Begin).ToList();
        for (int i = 1; i < sorted.Count; i++)
            if (sorted[i].Begin < sorted[i - 1].Begin + sorted[i - 1].Length)
                throw new InvalidDataException($"'{path}': tensors '{sorted[i - 1].Name}' and '{sorted[i].Name}' overlap.");
        metadata = meta;
        return entries;
    }

    internal static ScalarType ParseDType(string name) => name switch
    {
        "F64" => ScalarType.Float64,
        "F32" => ScalarType.Float32,
        "F16" => ScalarType.Float16,
        "BF16" => ScalarType.BFloat16,
        "I64" => ScalarType.Int64,
        "I32" => ScalarType.Int32,
        "I16" => ScalarType.Int16,
        "I8" => ScalarType.Int8,
        "U8" => ScalarType.Byte,
        "BOOL" => ScalarType.Bool,
        _ => throw new NotSupportedException($"unsupported safetensors dtype '{name}'"),
    };

    internal static string DTypeName(ScalarType t) => t switch
    {
        ScalarType.Float64 => "F64",
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.Byte => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new NotSupportedException($"dtype {t} cannot be stored in safetensors by this writer"),
    };

    static long ElementSize(ScalarType t) => t switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        ScalarType.Int8 or ScalarType.Byte or ScalarType.Bool => 1,
        _ => throw new NotSupportedException($"dtype {t} is not supported by safetensors"),
    };
}
