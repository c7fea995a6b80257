using static TorchSharp.torch;

namespace MLNetLlm.Torch.Tokenization;

/// <summary>A padded batch of token ids, attention mask and token types, row-major [<see cref="Rows"/>, <see cref="Length"/>].</summary>
public sealed class EncodedBatch
{
    internal EncodedBatch(long[] inputIds, long[] attentionMask, long[] tokenTypeIds, int rows, int length)
    {
        InputIds = inputIds;
        AttentionMask = attentionMask;
        TokenTypeIds = tokenTypeIds;
        Rows = rows;
        Length = length;
    }

    public long[] InputIds { get; }
    public long[] AttentionMask { get; }
    public long[] TokenTypeIds { get; }
    public int Rows { get; }
    public int Length { get; }

    /// <summary>Ids of row <paramref name="row"/>, padding included.</summary>
    public long[] Row(int row) => InputIds.AsSpan(row * Length, Length).ToArray();

    /// <summary>The three [Rows, Length] int64 tensors on <paramref name="device"/>.</summary>
    public (Tensor InputIds, Tensor AttentionMask, Tensor TokenTypeIds) ToTensors(Device? device = null)
    {
        long[] shape = [Rows, Length];
        return (tensor(InputIds, shape, device: device), tensor(AttentionMask, shape, device: device), tensor(TokenTypeIds, shape, device: device));
    }
}
