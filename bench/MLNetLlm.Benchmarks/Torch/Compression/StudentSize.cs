using MLNetLlm.Torch;
using MLNetLlm.Torch.Compression;
namespace MLNetLlm.Benchmarks.Torch.Compression;

/// <summary>An encoder size: layers × hidden width, heads (default hidden / 64) and FFN width (default 4 × hidden).</summary>
public sealed record StudentSize(int Layers, int Hidden, int? Heads = null, int? Intermediate = null)
{
    public int EffectiveHeads => Heads ?? Math.Max(1, Hidden / 64);
    public int EffectiveIntermediate => Intermediate ?? 4 * Hidden;

    /// <summary>Parses <c>LxH</c> or <c>LxHxHEADSxFFN</c> (e.g. <c>2x128</c>, <c>1x256x4x1024</c>).</summary>
    public static StudentSize Parse(string text)
    {
        var parts = text.Split('x');
        int At(int i) => int.Parse(parts[i], System.Globalization.CultureInfo.InvariantCulture);
        return parts.Length switch
        {
            2 => new(At(0), At(1)),
            4 => new(At(0), At(1), At(2), At(3)),
            _ => throw new FormatException($"'{text}' is not LAYERSxHIDDEN or LAYERSxHIDDENxHEADSxFFN."),
        };
    }

    public override string ToString() => $"{Layers}×{Hidden} ({EffectiveHeads} heads, FFN {EffectiveIntermediate})";
}
