namespace MLNetLlm.AutoML.Torch.Memory;

/// <summary>A search hit: the row's position in <see cref="SampleMemory.Rows"/> and its cosine similarity to the query.</summary>
public readonly record struct MemoryMatch(int Index, double Similarity);
