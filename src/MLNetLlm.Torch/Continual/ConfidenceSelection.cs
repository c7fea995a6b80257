namespace MLNetLlm.Torch.Continual;

/// <summary>Confidence-based selection: the rows a model gets wrong or is unsure about.</summary>
internal static class ConfidenceSelection
{
    /// <summary>
    /// Indices (ascending) of the rows whose argmax class differs from the target or whose largest softmax probability
    /// is below <paramref name="threshold"/>; <paramref name="logits"/> are the model's raw outputs per row.
    /// </summary>
    public static int[] Select(IReadOnlyList<float[]> logits, IReadOnlyList<float> targets, double threshold)
    {
        var keep = new List<int>();
        for (int i = 0; i < logits.Count; i++)
        {
            var z = logits[i];
            int arg = 0;
            for (int c = 1; c < z.Length; c++) if (z[c] > z[arg]) arg = c;
            double denom = 0;
            for (int c = 0; c < z.Length; c++) denom += Math.Exp(z[c] - z[arg]);
            double pMax = 1 / denom;
            if (arg != (int)targets[i] || pMax < threshold) keep.Add(i);
        }
        return keep.ToArray();
    }
}
