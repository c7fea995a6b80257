using System.Numerics.Tensors;

namespace MLNetLlm.AutoML.Torch.Memory;

/// <summary>
/// Exact cosine search over rows of one dimension kept in one contiguous float array: every row is L2-normalised once,
/// a query is normalised and compared with each row by a SIMD dot product (<see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/>),
/// and the k best are kept in a small heap. O(rows × dimension) per query, no approximation.
/// </summary>
internal sealed class CosineIndex
{
    float[] _data;
    int _count;

    public CosineIndex(int dimension, int capacity = 16)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        Dimension = dimension;
        _data = new float[Math.Max(1, capacity) * dimension];
    }

    public int Dimension { get; }

    public int Count => _count;

    /// <summary>Appends a row (normalised copy; a zero vector stays zero and matches nothing).</summary>
    public void Add(ReadOnlySpan<float> vector)
    {
        if (_count * Dimension == _data.Length) Array.Resize(ref _data, _data.Length * 2);
        Write(_count++, vector);
    }

    /// <summary>Replaces row <paramref name="index"/>.</summary>
    public void Set(int index, ReadOnlySpan<float> vector)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_count);
        Write(index, vector);
    }

    void Write(int index, ReadOnlySpan<float> vector)
    {
        if (vector.Length != Dimension) throw new ArgumentException($"The vector has {vector.Length} values; the memory's embeddings have {Dimension}.");
        var row = _data.AsSpan(index * Dimension, Dimension);
        float norm = TensorPrimitives.Norm(vector);
        if (norm > 0) TensorPrimitives.Divide(vector, norm, row);
        else row.Clear();
    }

    /// <summary>The <paramref name="k"/> rows most similar to <paramref name="query"/>, best first (ties: lower index first).</summary>
    public MemoryMatch[] Search(ReadOnlySpan<float> query, int k)
    {
        if (query.Length != Dimension) throw new ArgumentException($"The query has {query.Length} values; the memory's embeddings have {Dimension}.");
        k = Math.Min(k, _count);
        if (k <= 0) return [];
        float norm = TensorPrimitives.Norm(query);
        var q = new float[Dimension];
        if (norm > 0) TensorPrimitives.Divide(query, norm, q);
        // a min-heap of the k best so far (worst on top)
        var heap = new PriorityQueue<int, (float Score, int NegIndex)>(k);
        for (int i = 0; i < _count; i++)
        {
            float s = TensorPrimitives.Dot(q, _data.AsSpan(i * Dimension, Dimension));
            if (heap.Count < k) heap.Enqueue(i, (s, -i));
            else if (heap.TryPeek(out _, out var worst) && (s > worst.Score || s == worst.Score && -i > worst.NegIndex))
                heap.EnqueueDequeue(i, (s, -i));
        }
        var result = new MemoryMatch[heap.Count];
        for (int j = result.Length - 1; j >= 0; j--)
        {
            heap.TryDequeue(out int i, out var p);
            result[j] = new MemoryMatch(i, p.Score);
        }
        return result;
    }
}
