namespace MLNetLlm.AutoML.Torch.Memory;

/// <summary>What <see cref="SampleMemory.Add"/> did with the offered rows.</summary>
/// <param name="Offered">Rows offered.</param>
/// <param name="Duplicates">Rows skipped because a remembered (or earlier offered) row was at least as similar as the threshold.</param>
/// <param name="Stored">Rows written into the memory (into a free slot or over a row the sampling policy evicted).</param>
/// <param name="NotSampled">Rows the sampling policy did not keep.</param>
public sealed record MemoryAddResult(int Offered, int Duplicates, int Stored, int NotSampled);
