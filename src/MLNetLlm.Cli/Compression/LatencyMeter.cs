using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.DataViews;
using MLNetLlm.Numerics;

namespace MLNetLlm.Cli.Compression;

/// <summary>
/// Times a whole saved pipeline (normalization, tokenization, the encoder, the score columns) on batches of real rows:
/// the median of <c>repeats</c> calls of <c>Transform</c> + reading every score, after one warm-up call.
/// </summary>
internal sealed class LatencyMeter(IReadOnlyList<string> textColumns, IReadOnlyList<string[]> rows)
{
    /// <summary>Median milliseconds of one call on <paramref name="batch"/> rows (taken in turn from the rows given).</summary>
    public double MedianMilliseconds(ITransformer model, int batch, int repeats)
    {
        if (rows.Count == 0) throw new InvalidOperationException("No rows to time the model on.");
        var times = new List<double>(repeats);
        for (int i = -1; i < repeats; i++)
        {
            var view = Batch(i + 1, batch);
            var watch = Stopwatch.StartNew();
            Consume(model.Transform(view));
            if (i >= 0) times.Add(watch.Elapsed.TotalMilliseconds);
        }
        return Statistics.Median(times);
    }

    InMemoryDataView Batch(int index, int batch)
    {
        var picked = Enumerable.Range(0, batch).Select(k => rows[(index * batch + k) % rows.Count]).ToArray();
        return InMemoryDataView.FromColumns(textColumns.Select((c, i) =>
            (c, (DataViewType)TextDataViewType.Instance, (Array)picked.Select(r => r[i].AsMemory()).ToArray())).ToArray());
    }

    static void Consume(IDataView scored)
    {
        var score = scored.Schema["Score"];
        using var cursor = scored.GetRowCursor([score]);
        if (score.Type is VectorDataViewType)
        {
            var get = cursor.GetGetter<VBuffer<float>>(score);
            VBuffer<float> v = default;
            while (cursor.MoveNext()) get(ref v);
        }
        else
        {
            var get = cursor.GetGetter<float>(score);
            float v = 0;
            while (cursor.MoveNext()) get(ref v);
        }
    }
}
