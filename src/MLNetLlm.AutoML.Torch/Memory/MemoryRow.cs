namespace MLNetLlm.AutoML.Torch.Memory;

/// <summary>One remembered training row: its text(s), its label (as text) and its embedding.</summary>
/// <param name="Text">The text.</param>
/// <param name="Pair">The second text of a sentence pair, or null.</param>
/// <param name="Label">The label value as written in the data file (e.g. <c>spam</c>).</param>
/// <param name="Embedding">A sentence embedding of the row (any dimension, the same for every row of a memory).</param>
public sealed record MemoryRow(string Text, string? Pair, string Label, float[] Embedding);
