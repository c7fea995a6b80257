using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Compression.Pruning;

/// <summary>
/// Structured pruning that removes whole FFN neurons and attention heads by slicing the weight matrices of the Linear
/// layers in place, so the pruned model does less arithmetic (unlike masks, which only add zeros).
/// </summary>
/// <remarks>
/// Importance is data-free and magnitude-based: an FFN neuron scores ‖W_in[j,:]‖₂·‖W_out[:,j]‖₂ (how much it can read
/// times how much it can write); an attention head scores ‖W_V[h]‖_F·‖W_O[:,h]‖_F (the value→output path that carries
/// its contribution). The least important units go; fine-tune afterwards to recover accuracy. Optimizers hold the old
/// parameters: create a new one after pruning.
/// </remarks>
public static class StructuredPruning
{
    /// <summary>
    /// Removes ⌊<paramref name="fraction"/>·I⌋ of the I neurons between <paramref name="intermediate"/> (H→I) and
    /// <paramref name="output"/> (I→H); returns the kept neuron indices (ascending). At least one neuron stays.
    /// </summary>
    public static long[] PruneFeedForward(Linear intermediate, Linear output, double fraction)
    {
        ArgumentNullException.ThrowIfNull(intermediate);
        ArgumentNullException.ThrowIfNull(output);
        CheckFraction(fraction);
        long width = intermediate.weight!.shape[0];
        if (output.weight!.shape[1] != width)
            throw new ArgumentException($"FFN output takes {output.weight!.shape[1]} inputs but the intermediate layer has {width} outputs.");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var importance = intermediate.weight!.norm(1) * output.weight!.norm(0);
        long[] keep = TopIndices(importance, width - (long)Math.Floor(fraction * width));
        var index = tensor(keep, device: intermediate.weight!.device);
        SliceOutputs(intermediate, index);
        SliceInputs(output, index);
        return keep;
    }

    /// <summary>
    /// Removes ⌊<paramref name="fraction"/>·heads⌋ attention heads of width <paramref name="headSize"/> from the query/key/value
    /// projections (outputs) and the attention output projection (inputs); returns the kept head indices (ascending). At
    /// least one head stays. The attention module must derive its head count from the projection width (width / head size).
    /// </summary>
    public static long[] PruneAttentionHeads(Linear query, Linear key, Linear value, Linear output, int headSize, double fraction)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(output);
        CheckFraction(fraction);
        long width = query.weight!.shape[0];
        if (headSize <= 0 || width % headSize != 0)
            throw new ArgumentException($"Head size {headSize} does not divide the projection width {width}.", nameof(headSize));
        if (key.weight!.shape[0] != width || value.weight!.shape[0] != width || output.weight!.shape[1] != width)
            throw new ArgumentException($"Query, key, value outputs and attention-output inputs must all be {width} wide.");
        long heads = width / headSize;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var v = value.weight!.reshape(heads, headSize, -1).pow(2).sum([1, 2]).sqrt();
        var o = output.weight!.reshape(-1, heads, headSize).pow(2).sum([0, 2]).sqrt();
        long[] keepHeads = TopIndices(v * o, heads - (long)Math.Floor(fraction * heads));
        long[] columns = keepHeads.SelectMany(h => Enumerable.Range(0, headSize).Select(i => h * headSize + i)).ToArray();
        var index = tensor(columns, device: query.weight!.device);
        SliceOutputs(query, index);
        SliceOutputs(key, index);
        SliceOutputs(value, index);
        SliceInputs(output, index);
        return keepHeads;
    }

    /// <summary>Keeps only output rows <paramref name="index"/> of a Linear (weight rows and bias entries).</summary>
    internal static void SliceOutputs(Linear layer, Tensor index)
    {
        layer.weight = new Parameter(layer.weight!.index_select(0, index).detach().clone(), layer.weight!.requires_grad);
        if (layer.bias is not null) layer.bias = new Parameter(layer.bias.index_select(0, index).detach().clone(), layer.bias.requires_grad);
        layer.out_features = index.shape[0];
    }

    /// <summary>Keeps only input columns <paramref name="index"/> of a Linear.</summary>
    internal static void SliceInputs(Linear layer, Tensor index)
    {
        layer.weight = new Parameter(layer.weight!.index_select(1, index).detach().clone(), layer.weight!.requires_grad);
        layer.in_features = index.shape[0];
    }

    /// <summary>Indices of the <paramref name="count"/> largest scores (at least 1), ascending.</summary>
    private static long[] TopIndices(Tensor scores, long count)
    {
        count = Math.Max(1, count);
        var (_, order) = scores.sort(0, true, true);
        var kept = order.narrow(0, 0, count).data<long>().ToArray();
        Array.Sort(kept);
        return kept;
    }

    private static void CheckFraction(double fraction)
    {
        if (double.IsNaN(fraction) || fraction < 0 || fraction >= 1)
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The pruned fraction must be in [0, 1).");
    }
}
