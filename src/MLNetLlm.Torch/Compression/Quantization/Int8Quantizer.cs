namespace MLNetLlm.Torch.Compression.Quantization;

/// <summary>A row-major int8 matrix with one float scale per row: <c>w[r, c] ≈ Values[r * Columns + c] * Scales[r]</c>.</summary>
internal sealed record Int8Matrix(sbyte[] Values, float[] Scales, int Rows, int Columns)
{
    public float[] Dequantize()
    {
        var result = new float[Values.Length];
        for (int r = 0; r < Rows; r++)
        {
            float s = Scales[r];
            for (int c = 0; c < Columns; c++) result[r * Columns + c] = Values[r * Columns + c] * s;
        }
        return result;
    }

    /// <summary>The transpose (Columns × Rows), keeping one scale per original row, i.e. per column of the result.</summary>
    public sbyte[] TransposedValues()
    {
        var t = new sbyte[Values.Length];
        for (int r = 0; r < Rows; r++)
            for (int c = 0; c < Columns; c++) t[c * Rows + r] = Values[r * Columns + c];
        return t;
    }
}

/// <summary>Symmetric per-row (per-output-channel for a Linear weight [out, in]) int8 quantization.</summary>
internal static class Int8Quantizer
{
    /// <summary>Full int8 range: ±127.</summary>
    public const int FullRange = 127;

    /// <summary>7-bit range ±63: keeps u8×s8 pair sums of AVX2's vpmaddubsw below int16 saturation (2·255·63 &lt; 32767).</summary>
    public const int ReducedRange = 63;

    public static Int8Matrix QuantizeRows(ReadOnlySpan<float> weights, int rows, int columns, int maxLevel = FullRange)
    {
        if (rows <= 0 || columns <= 0 || weights.Length != rows * columns)
            throw new ArgumentException($"Expected {rows}×{columns} = {rows * columns} weights, got {weights.Length}.", nameof(weights));
        if (maxLevel is < 1 or > 127) throw new ArgumentOutOfRangeException(nameof(maxLevel), maxLevel, "Quantization range must be 1..127.");
        var values = new sbyte[weights.Length];
        var scales = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            var row = weights.Slice(r * columns, columns);
            float max = 0;
            foreach (float w in row)
            {
                if (!float.IsFinite(w)) throw new ArgumentException($"Weight row {r} contains {w}; only finite weights can be quantized.", nameof(weights));
                max = MathF.Max(max, MathF.Abs(w));
            }
            float scale = max > 0 ? max / maxLevel : 1f;
            scales[r] = scale;
            for (int c = 0; c < columns; c++)
                values[r * columns + c] = (sbyte)Math.Clamp((int)MathF.Round(row[c] / scale, MidpointRounding.ToEven), -maxLevel, maxLevel);
        }
        return new Int8Matrix(values, scales, rows, columns);
    }
}
