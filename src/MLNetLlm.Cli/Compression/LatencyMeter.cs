using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.DataViews;

namespace MLNetLlm.Cli.Compression;

/// <summary>
/// Times whole saved pipelines (normalization, tokenization, the encoder, the score columns) on batches of real rows,
/// two models side by side: both get the same warm-up calls, then the timed calls alternate between them (A B, B A,
/// …) on the same rows, so a change of load on the machine hits both alike and their ratio comes from one run.
/// </summary>
internal sealed class LatencyMeter(IReadOnlyList<string> textColumns, IReadOnlyList<string[]> rows)
{
    /// <summary>
    /// <paramref name="warmUp"/> untimed then <paramref name="runs"/> timed calls of <c>Transform</c> + reading every
    /// score on <paramref name="batch"/> rows (taken in turn from the rows given), interleaved between the models.
    /// </summary>
    public (LatencyStats A, LatencyStats B) Compare(ITransformer a, ITransformer b, int batch, int runs, int warmUp)
    {
        if (rows.Count == 0) throw new InvalidOperationException("No rows to time the model on.");
        if (runs < 1) throw new ArgumentOutOfRangeException(nameof(runs), runs, "At least one timed call.");
        for (int i = 0; i < warmUp; i++)
        {
            var view = Batch(i, batch);
            Time(a, view);
            Time(b, view);
        }
        var ta = new List<double>(runs);
        var tb = new List<double>(runs);
        for (int i = 0; i < runs; i++)
        {
            var view = Batch(warmUp + i, batch);
            if (i % 2 == 0) { ta.Add(Time(a, view)); tb.Add(Time(b, view)); }
            else { tb.Add(Time(b, view)); ta.Add(Time(a, view)); }
        }
        return (LatencyStats.From(ta, warmUp), LatencyStats.From(tb, warmUp));
    }

    static double Time(ITransformer model, IDataView view)
    {
        var watch = Stopwatch.StartNew();
        Consume(model.Transform(view));
        return watch.Elapsed.TotalMilliseconds;
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
